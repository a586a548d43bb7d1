// ONNX import: graphs built here with the onnx protobuf classes, so each case states exactly
// what the importer is given.
#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <fstream>

#include "helpers.hpp"
#include "onnx_graph.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;
namespace fs = std::filesystem;
using test::GraphBuilder;
using test::attr_i;
using test::import_error;
using test::load;


TEST_CASE("Gemm with scaled +-1 weights, bias and Sign folds into exact thresholds", "[import]") {
  GraphBuilder b({4});
  // Channel 0: weights 0.5 x [+1 -1 +1 +1], bias 0.25: y = 0.5 s + 0.25 > 0  <=>  s > -0.5.
  // Channel 1: weights 2 x [-1 -1 +1 -1], bias -3:    y = 2 s - 3 > 0      <=>  s > 1.5.
  b.init("W", {2, 4}, {0.5f, -0.5f, 0.5f, 0.5f, -2.f, -2.f, 2.f, -2.f});
  b.init("C", {2}, {0.25f, -3.f});
  attr_i(b.node("Gemm", {"x", "W", "C"}, "y", "fc"), "transB", 1);
  b.node("Sign", {"y"}, "z");
  b.output("z");
  const Network net = load(b.save("gemm"));
  REQUIRE(net.layers.size() == 1);
  const LayerSpec& L = net.layers[0];
  CHECK(L.name == "fc");
  CHECK(L.w_code == BitCode::Signed);
  CHECK(L.weights == std::vector<int8_t>{1, -1, 1, 1, -1, -1, 1, -1});
  CHECK(L.scale == std::vector<double>{0.5, 2.0});
  CHECK(L.out_code == BitCode::Signed);
  CHECK(L.dir == std::vector<int8_t>{1, 1});
  CHECK(L.thr == std::vector<int64_t>{0, 2});  // smallest integer s with y > 0
  CHECK(net.output_shape() == std::vector<int64_t>{2});
  CHECK(net.steps.size() == 1);  // bias and Sign folded into the layer
}

TEST_CASE("MatMul with a transposed constant and a negative BatchNormalization scale", "[import]") {
  GraphBuilder b({3});
  b.init("Wt", {2, 3}, {1, 1, -1, -1, 1, 1});  // [N, K], transposed by a Transpose node
  b.node("Transpose", {"Wt"}, "W");
  b.node("MatMul", {"x", "W"}, "y", "mm");
  // BatchNormalization with gamma = -1 on channel 0: y' = -(y - 1) = 1 - y >= 0  <=>  s <= 1.
  b.init("g", {2}, {-1.f, 1.f});
  b.init("bb", {2}, {0.f, 0.f});
  b.init("m", {2}, {1.f, 0.5f});
  b.init("v", {2}, {1.f - 1e-5f, 1.f - 1e-5f});
  b.node("BatchNormalization", {"y", "g", "bb", "m", "v"}, "n");
  b.init("zero", {}, {0.f});
  b.node("GreaterOrEqual", {"n", "zero"}, "c");
  auto* cast = b.node("Cast", {"c"}, "o");
  attr_i(cast, "to", onnx::TensorProto::FLOAT);
  b.output("o");
  const Network net = load(b.save("matmul"));
  const LayerSpec& L = net.layers[0];
  CHECK(L.weights == std::vector<int8_t>{1, 1, -1, -1, 1, 1});
  CHECK(L.dir[0] == -1);
  CHECK(L.thr[0] == 1);
  CHECK(L.dir[1] == 1);
  CHECK(L.thr[1] == 1);  // s - 0.5 >= 0  <=>  s >= 1
  // Check the folded layer on every {0,1} input against the float formula.
  for (int x = 0; x < 8; ++x) {
    std::vector<double> bits(3);
    for (int i = 0; i < 3; ++i) bits[std::size_t(i)] = (x >> i) & 1;
    const auto out = reference_forward(net, bits);
    const int s0 = (x & 1) + ((x >> 1) & 1) - ((x >> 2) & 1);
    const int s1 = -(x & 1) + ((x >> 1) & 1) + ((x >> 2) & 1);
    CHECK(out[0] == (-(s0 - 1.0) >= 0 ? 1.0 : 0.0));
    CHECK(out[1] == ((s1 - 0.5) >= 0 ? 1.0 : 0.0));
  }
}

TEST_CASE("unsupported graphs are rejected with the node, its op type and the reason", "[import]") {
  SECTION("an unsupported op") {
    GraphBuilder b({4});
    b.init("W", {4, 2}, {1, 1, 1, 1, 1, 1, 1, 1});
    b.node("MatMul", {"x", "W"}, "y", "mm");
    b.node("LRN", {"y"}, "z", "norm");
    b.output("z");
    CHECK_THAT(import_error(b.save("lrn")), Catch::Contains("node 'norm' (LRN)") && Catch::Contains("not supported"));
  }
  SECTION("a graph whose only layer has real weights (the digital MAC unit's, no macro's)") {
    GraphBuilder b({3});
    b.init("W", {3, 1}, {1.f, 0.3713527f, -1.1547005f});  // no common step: real weights
    b.node("MatMul", {"x", "W"}, "y", "mm");
    b.output("y");
    CHECK_THAT(import_error(b.save("weights")), Catch::Contains("no Gemm, MatMul or Conv layer to map onto a macro"));
  }
  SECTION("asymmetric convolution padding") {
    GraphBuilder b({2, 6, 6});
    b.init("W", {1, 2, 3, 3}, std::vector<float>(18, 1.f));
    test::attr_ints(b.node("Conv", {"x", "W"}, "y", "conv_same"), "pads", {0, 0, 1, 1});
    b.output("y");
    CHECK_THAT(import_error(b.save("conv_asym")), Catch::Contains("node 'conv_same' (Conv)") && Catch::Contains("symmetric"));
  }
  SECTION("groups that do not divide the channels") {
    GraphBuilder b({4, 4, 4});
    b.init("W", {3, 2, 3, 3}, std::vector<float>(54, 1.f));
    attr_i(b.node("Conv", {"x", "W"}, "y", "grouped"), "group", 2);
    b.output("y");
    CHECK_THAT(import_error(b.save("grouped")), Catch::Contains("node 'grouped' (Conv)") && Catch::Contains("group=2"));
  }
  SECTION("Sign that can output 0") {
    GraphBuilder b({2});
    b.init("W", {2, 1}, {1, 1});
    b.node("MatMul", {"x", "W"}, "y", "mm");
    b.node("Sign", {"y"}, "z", "sgn");
    b.output("z");
    // {0,1} inputs, weights +1: s = 0 is reachable, and Sign(0) = 0 is not binary.
    CHECK_THAT(import_error(b.save("sign0")), Catch::Contains("node 'sgn' (Sign)") && Catch::Contains("exactly 0"));
  }
  SECTION("not an ONNX file") {
    const fs::path dir = test::temp_dir("garbage");
    std::ofstream(dir / "model.onnx") << "this is not protobuf";
    CHECK_THAT(import_error(dir / "model.onnx"), Catch::Contains("model.onnx") && Catch::Contains("not a valid ONNX model"));
  }
}

TEST_CASE("broadcasting two computed tensors follows ONNX: a spatial map is not taken per channel", "[import][broadcast]") {
  // [C=4, 2, 2] x [1, 2, 2]: H x W == C, which once was broadcast per channel (silently wrong).
  Network net;
  net.values.push_back(ValueInfo::make("x", {4, 2, 2}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("m", {1, 2, 2}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("y", {4, 2, 2}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("g", {4, 1, 1}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("r", {1, 2, 1}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("c", {1, 1, 3}, ValueKind::Real));
  net.values.push_back(ValueInfo::make("rc", {1, 2, 3}, ValueKind::Real));
  std::vector<double> x(16), m = {10, 20, 30, 40}, g = {1, 2, 3, 4};
  for (int i = 0; i < 16; ++i) x[std::size_t(i)] = i;
  DigitalStep s;
  s.op = DigitalOp::Mul;
  s.inputs = {0, 1};
  s.output = 2;
  const auto y = run_digital(net, s, {&x, &m});
  for (int c = 0; c < 4; ++c)
    for (int p = 0; p < 4; ++p) CHECK(y[std::size_t(c * 4 + p)] == double(c * 4 + p) * m[std::size_t(p)]);
  s.op = DigitalOp::Add;
  s.inputs = {0, 3};  // per channel [4, 1, 1]
  const auto z = run_digital(net, s, {&x, &g});
  for (int c = 0; c < 4; ++c)
    for (int p = 0; p < 4; ++p) CHECK(z[std::size_t(c * 4 + p)] == double(c * 4 + p) + g[std::size_t(c)]);
  // Both operands broadcast: [1, 2, 1] + [1, 1, 3] = [1, 2, 3].
  const std::vector<double> r = {100, 200}, c3 = {1, 2, 3};
  s.inputs = {4, 5};
  s.output = 6;
  CHECK(run_digital(net, s, {&r, &c3}) == std::vector<double>{101, 102, 103, 201, 202, 203});

  // The importer gives the ONNX shape, and refuses what ONNX would align differently.
  auto graph = [](bool flatten, const std::string& tag) {
    GraphBuilder b({2, 2, 2});
    b.init("W", {4, 2, 1, 1}, {1, -1, -1, 1, 1, 1, -1, -1});
    b.node("Conv", {"x", "W"}, "y", "/body/conv");
    b.init("Wg", {1, 2, 1, 1}, {1.f, 1.f});
    b.node("Conv", {"x", "Wg"}, "gate", "/gate/conv");
    if (flatten) b.node("Flatten", {"gate"}, "gf", "/gate/flatten");
    b.node("Mul", {"y", flatten ? "gf" : "gate"}, "z", "/gate/mul");
    b.output("z");
    return b.save(tag);
  };
  CHECK_THAT(import_error(graph(true, "bcast_rank")), Catch::Contains("/gate/mul") && Catch::Contains("different ranks"));
  const Network ok = load(graph(false, "bcast_ok"));  // [1, 2, 2] against [4, 2, 2]
  CHECK(ok.output_shape() == std::vector<int64_t>{4, 2, 2});
  std::vector<double> in(8, 1.0);
  const auto out = reference_forward(ok, in);
  // y: channel c = sum of its two weights x 1 (2, 0, 0, 0 ... per the weights); gate = 2 everywhere.
  const std::vector<double> yc = {0, 0, 2, -2};
  for (int c = 0; c < 4; ++c)
    for (int p = 0; p < 4; ++p) CHECK(out[std::size_t(c * 4 + p)] == yc[std::size_t(c)] * 2.0);
}

TEST_CASE("real-valued activations in the periphery, by hand", "[import][activations]") {
  Network net;
  net.values.push_back(ValueInfo::make("x", {2, 3}, ValueKind::Real));
  const std::vector<double> x = {-2, 0.5, 7, -0.1, 1, 3};
  DigitalStep s;
  s.inputs = {0};
  s.output = 0;
  s.op = DigitalOp::Clip;  // ReLU6
  s.alpha = 0;
  s.beta = 6;
  CHECK(run_digital(net, s, {&x}) == std::vector<double>{0, 0.5, 6, 0, 1, 3});
  s.op = DigitalOp::LeakyRelu;
  s.alpha = 0.1;
  CHECK(run_digital(net, s, {&x}) == std::vector<double>{-2 * 0.1, 0.5, 7, -0.1 * 0.1, 1, 3});
  s.op = DigitalOp::PRelu;  // slope per channel (the first axis)
  s.a = {0.5, 0.25};
  CHECK(run_digital(net, s, {&x}) == std::vector<double>{-1, 0.5, 7, -0.025, 1, 3});
  s.op = DigitalOp::HardSigmoid;
  s.alpha = 0.2;
  s.beta = 0.5;
  const auto h = run_digital(net, s, {&x});
  CHECK(h[0] == Approx(0.1));
  CHECK(h[2] == 1.0);
  CHECK(h[4] == Approx(0.7));
  s.op = DigitalOp::Softmax;  // over the last axis: each row of 3 sums to 1
  const auto p = run_digital(net, s, {&x});
  const double z0 = std::exp(-2.0) + std::exp(0.5) + std::exp(7.0);
  CHECK(p[1] == Approx(std::exp(0.5) / z0));
  CHECK(p[3] + p[4] + p[5] == Approx(1.0));
  s.log = true;
  CHECK(run_digital(net, s, {&x})[1] == Approx(0.5 - std::log(z0)));
}

TEST_CASE("Squeeze, Unsqueeze, Clip and Softmax as PyTorch exports them import and compute", "[import][activations]") {
  GraphBuilder b({4});
  b.init("W", {3, 4}, {1, -1, 1, 1, -1, -1, 1, -1, 1, 1, 1, 1});
  attr_i(b.node("Gemm", {"x", "W"}, "y", "/fc/Gemm"), "transB", 1);
  b.init("ax", {1}, {2.f});
  b.node("Unsqueeze", {"y", "ax"}, "u", "/Unsqueeze");  // [3] -> [3, 1]
  b.node("Squeeze", {"u", "ax"}, "q", "/Squeeze");      // back to [3]
  b.init("lo", {}, {0.f});
  b.init("hi", {}, {2.f});
  b.node("Clip", {"q", "lo", "hi"}, "c", "/act/Clip");
  b.node("Softmax", {"c"}, "p", "/head/Softmax");
  b.output("p");
  const Network net = load(b.save("acts"));
  CHECK(net.output_shape() == std::vector<int64_t>{3});
  // All-ones input: dot products 2, -2, 4, clipped to 2, 0, 2.
  const auto out = reference_forward(net, std::vector<double>(4, 1.0));
  const double z = 2 * std::exp(2.0) + 1.0;
  CHECK(out[0] == Approx(std::exp(2.0) / z));
  CHECK(out[1] == Approx(1.0 / z));
  CHECK(out[2] == Approx(std::exp(2.0) / z));
  // The batch axis stays; a softmax over another axis than the last is refused with the node.
  GraphBuilder c({4});
  c.init("W", {3, 4}, std::vector<float>(12, 1.f));
  attr_i(c.node("Gemm", {"x", "W"}, "y", "/fc/Gemm"), "transB", 1);
  attr_i(c.node("Softmax", {"y"}, "p", "/head/Softmax"), "axis", 0);
  c.output("p");
  CHECK_THAT(import_error(c.save("softmax0")), Catch::Contains("/head/Softmax") && Catch::Contains("last axis"));
}

TEST_CASE("multi-bit weights find their step even when no weight sits at one step", "[import]") {
  // 4-bit levels {-7, -4, -3, 0, 2, 6, 7} x 0.125: the smallest magnitude is two steps.
  GraphBuilder b({7});
  const std::vector<int> lv = {-7, -4, -3, 0, 2, 6, 7};
  std::vector<float> w;
  for (int l : lv) w.push_back(0.125f * float(l));
  b.init("W", {7, 1}, w);
  b.node("MatMul", {"x", "W"}, "y", "mm");
  b.output("y");
  const Network net = load(b.save("w4"));
  const LayerSpec& L = net.layers[0];
  CHECK(L.w_bits == 4);
  CHECK(L.scale == std::vector<double>{0.125});
  for (std::size_t k = 0; k < lv.size(); ++k) CHECK(L.weight(0, int64_t(k)) == lv[k]);
  CHECK(reference_forward(net, {1, 1, 1, 1, 1, 1, 1}) == std::vector<double>{0.125 * (-7 - 4 - 3 + 0 + 2 + 6 + 7)});
}
