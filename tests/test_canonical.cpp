// Canonicalisation of PyTorch-exported graphs: constant folding, shape subgraphs, training
// idioms (straight-through estimator, torch.where, learned thresholds), layout ops (Expand,
// Concat, Slice, Transpose, Pad), padded and ceil-mode pooling, means of +-1 bits, and every
// blocker of a graph reported at once. Each case is worked by hand.
#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <functional>

#include "helpers.hpp"
#include "onnx_graph.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/onnx_fold.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;
using test::attr_i;
using test::attr_ints;
using test::attr_s;
using test::GraphBuilder;
using test::import_error;
using test::load;

namespace {

Tensor tensor(std::vector<int64_t> shape, std::vector<double> data, bool integer = false) {
  Tensor t;
  t.shape = std::move(shape);
  t.data = std::move(data);
  t.is_integer = integer;
  return t;
}

Tensor fold1(const std::string& op, const std::vector<const Tensor*>& in,
             const std::function<void(onnx::NodeProto&)>& attrs = {}) {
  onnx::NodeProto n;
  n.set_op_type(op);
  if (attrs) attrs(n);
  return fold_node(n, in, 13).at(0);
}

void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) { attr_ints(&n, name, v); }
void set_i(onnx::NodeProto& n, const std::string& name, int64_t v) { attr_i(&n, name, v); }

int count_op(const Network& net, DigitalOp op) {
  int k = 0;
  for (const auto& st : net.steps) k += !st.macro && net.digital[std::size_t(st.index)].op == op;
  return k;
}

}  // namespace

TEST_CASE("constant folding evaluates ONNX ops as the standard defines them", "[import][fold]") {
  const Tensor x = tensor({2, 3}, {1, -2, 3, -4, 5, -6});
  CHECK(fold1("Abs", {&x}).data == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(fold1("Sign", {&x}).data == std::vector<double>{1, -1, 1, -1, 1, -1});
  // ReduceMean over axis 1, kept: XNOR-Net's per-channel scale.
  const Tensor absx = fold1("Abs", {&x});
  const Tensor m = fold1("ReduceMean", {&absx}, [](onnx::NodeProto& n) { set_ints(n, "axes", {1}); });
  CHECK(m.shape == std::vector<int64_t>{2, 1});
  CHECK(m.data == std::vector<double>{2, 5});
  // Broadcasting [2,1] x [2,3]; then a transpose.
  const Tensor s = fold1("Sign", {&x});
  const Tensor w = fold1("Mul", {&m, &s});
  CHECK(w.data == std::vector<double>{2, -2, 2, -5, 5, -5});
  const Tensor t = fold1("Transpose", {&w});
  CHECK(t.shape == std::vector<int64_t>{3, 2});
  CHECK(t.data == std::vector<double>{2, -5, -2, 5, 2, -5});
  // Gather with a negative index, Unsqueeze, Concat: the pieces of x.view(x.size(0), -1).
  const Tensor shape = tensor({4}, {1, 8, 4, 4}, true), idx = tensor({}, {-4}, true), zero = tensor({1}, {0}, true);
  const Tensor g = fold1("Gather", {&shape, &idx});
  CHECK(g.shape.empty());
  CHECK(g.data == std::vector<double>{1});
  const Tensor u = fold1("Unsqueeze", {&g, &zero});
  const Tensor minus1 = tensor({1}, {-1}, true);
  const Tensor c = fold1("Concat", {&u, &minus1}, [](onnx::NodeProto& n) { set_i(n, "axis", 0); });
  CHECK(c.data == std::vector<double>{1, -1});
  CHECK(c.is_integer);
  // Reshape with 0 (copy) and -1 (infer).
  const Tensor target = tensor({2}, {0, -1}, true);
  CHECK(fold1("Reshape", {&x, &target}).shape == std::vector<int64_t>{2, 3});
  // Slice to the end (INT64_MAX survives as "the end") with a negative step.
  const Tensor row = tensor({5}, {0, 1, 2, 3, 4});
  const Tensor st = tensor({1}, {-1}, true), en = tensor({1}, {-9.3e18}, true), ax = tensor({1}, {0}, true),
               step = tensor({1}, {-2}, true);
  CHECK(fold1("Slice", {&row, &st, &en, &ax, &step}).data == std::vector<double>{4, 2, 0});
  // Integer division truncates; Cast to an integer type truncates toward zero.
  const Tensor a = tensor({2}, {7, -7}, true), b = tensor({}, {2}, true);
  CHECK(fold1("Div", {&a, &b}).data == std::vector<double>{3, -3});
  const Tensor f = tensor({2}, {2.7, -2.7});
  CHECK(fold1("Cast", {&f}, [](onnx::NodeProto& n) { set_i(n, "to", onnx::TensorProto::INT64); }).data ==
        std::vector<double>{2, -2});
  // Float results are float32, as a runtime computes them.
  const Tensor third = tensor({}, {1.0}), three = tensor({}, {3.0});
  CHECK(fold1("Div", {&third, &three}).data[0] == double(1.0f / 3.0f));
  // Where broadcasts all three operands.
  const Tensor cond = tensor({2, 1}, {1, 0}, true), one = tensor({}, {1}), mone = tensor({3}, {-1, -2, -3});
  CHECK(fold1("Where", {&cond, &one, &mone}).data == std::vector<double>{1, 1, 1, -1, -2, -3});
  // Shapes that do not broadcast are an error, not a guess.
  const Tensor bad = tensor({2}, {1, 2});
  CHECK_THROWS_AS(fold1("Add", {&x, &bad}), FoldError);
}

TEST_CASE("weights binarized inside forward and x.view(x.size(0), -1) import as constants", "[import][fold]") {
  GraphBuilder b({2, 1, 2});  // [C=2, 1, 2] per sample, flattened by shape arithmetic
  // XNOR-Net: W = mean(|w|, axis 1) * sign(w) for real-valued stored w [N=2, K=4].
  b.init("w", {2, 4}, {0.5f, -1.5f, 1.f, -1.f, 3.f, 1.f, -2.f, 2.f});
  b.node("Abs", {"w"}, "aw");
  attr_ints(b.node("ReduceMean", {"aw"}, "alpha"), "axes", {1});
  b.node("Sign", {"w"}, "sw");
  b.node("Mul", {"alpha", "sw"}, "W");
  b.node("Shape", {"x"}, "shape");
  b.init_i64("i0", {}, {0});
  b.node("Gather", {"shape", "i0"}, "batch");
  b.init_i64("ax0", {1}, {0});
  b.node("Unsqueeze", {"batch", "ax0"}, "b1");
  b.init_i64("m1", {1}, {-1});
  attr_i(b.node("Concat", {"b1", "m1"}, "target"), "axis", 0);
  b.node("Reshape", {"x", "target"}, "flat", "/Reshape");
  attr_i(b.node("Gemm", {"flat", "W"}, "y", "/fc/Gemm"), "transB", 1);
  b.output("y");
  const Network net = load(b.save("xnor_view"));
  REQUIRE(net.layers.size() == 1);
  const LayerSpec& L = net.layers[0];
  CHECK(L.w_code == BitCode::Signed);
  CHECK(L.weights == std::vector<int8_t>{1, -1, 1, -1, 1, 1, -1, 1});
  CHECK(L.scale == std::vector<double>{1.0, 2.0});  // mean |w| per output channel
  // x = [1, 0, 1, 1]: channel 0: 1 - 0 + 1 - 1 = 1; channel 1: 2 x (1 + 0 - 1 + 1) = 2.
  CHECK(reference_forward(net, {1, 0, 1, 1}) == std::vector<double>{1.0, 2.0});

  // A reshape that would move elements between samples is refused: x.view(-1, 2) of 4 per sample.
  GraphBuilder c({2, 1, 2});
  c.init_i64("t", {2}, {-1, 2});
  c.node("Reshape", {"x", "t"}, "r", "/bad/Reshape");
  c.init("W", {2, 2}, {1, 1, 1, 1});
  c.node("MatMul", {"r", "W"}, "y", "/fc/MatMul");
  c.output("y");
  CHECK_THAT(import_error(c.save("reshape_batch")), Catch::Contains("/bad/Reshape") && Catch::Contains("between samples"));
}

TEST_CASE("the straight-through estimator is its forward value, and the dead steps go", "[import][idioms]") {
  for (bool bireal : {false, true}) {
    GraphBuilder b({3});
    b.init("W1", {3, 2}, {1, -1, 1, 1, -1, 1});
    b.node("MatMul", {"x", "W1"}, "y", "/fc1/MatMul");
    b.init("t", {}, {0.5f});
    b.node("Sub", {"y", "t"}, "ys", "/act/Sub");
    b.node("Sign", {"ys"}, "s", "/act/Sign");
    if (bireal) {  // out_forward.detach() - out3.detach() + out3, with out3 a real function of x
      b.node("Relu", {"ys"}, "q", "/act/Relu");
      b.node("Sub", {"s", "q"}, "d", "/act/Sub_1");
      b.node("Add", {"d", "q"}, "z", "/act/Add");
    } else {  // x + (sign(x) - x).detach()
      b.node("Sub", {"s", "ys"}, "d", "/act/Sub_1");
      b.node("Add", {"ys", "d"}, "z", "/act/Add");
    }
    b.init("W2", {2, 1}, {1, -1});
    b.node("MatMul", {"z", "W2"}, "o", "/fc2/MatMul");
    b.output("o");
    const Network net = load(b.save(bireal ? "bireal" : "ste"));
    REQUIRE(net.layers.size() == 2);
    CHECK(net.layers[0].binarized);  // the Sign folded into the first layer
    CHECK(net.layers[0].out_code == BitCode::Signed);
    CHECK(net.layers[1].in_code == BitCode::Signed);
    CHECK(count_op(net, DigitalOp::Sub) == 0);  // the STE's arithmetic is gone
    CHECK(count_op(net, DigitalOp::Relu) == 0);
    CHECK(net.steps.size() == 2);
    // y0 = x0 + x1 - x2, y1 = -x0 + x1 + x2; s = sign(y - 0.5); o = s0 - s1.
    CHECK(reference_forward(net, {0, 0, 0}) == std::vector<double>{0.0});   // s = [-1, -1]
    CHECK(reference_forward(net, {0, 0, 1}) == std::vector<double>{-2.0});  // y = [-1, 1]
    CHECK(reference_forward(net, {1, 0, 0}) == std::vector<double>{2.0});   // y = [1, -1]
  }
}

TEST_CASE("torch.where(x >= 0, 1, -1) and learned threshold compares binarize", "[import][idioms]") {
  auto graph = [](const std::string& tag, const std::string& form) {
    GraphBuilder b({2});
    b.init("W", {2, 2}, {1, 1, -1, 1});  // y0 = x0 - x1, y1 = x0 + x1
    b.node("MatMul", {"x", "W"}, "y", "/fc/MatMul");
    b.init("one", {}, {1.f});
    b.init("mone", {}, {-1.f});
    b.init("t", {1, 2}, {0.5f, 1.5f});  // per output channel
    if (form == "where") {
      b.node("GreaterOrEqual", {"y", "t"}, "c", "/act/GreaterOrEqual");
      b.node("Where", {"c", "one", "mone"}, "z", "/act/Where");
    } else if (form == "where_inverted") {
      b.node("GreaterOrEqual", {"y", "t"}, "c", "/act/GreaterOrEqual");
      b.node("Where", {"c", "mone", "one"}, "z", "/act/Where");
    } else if (form == "less") {
      b.node("Less", {"y", "t"}, "z", "/act/Less");
    } else {  // the threshold on the left: t < y
      b.node("Less", {"t", "y"}, "z", "/act/Less");
    }
    b.output("z");
    return b.save(tag);
  };
  const std::vector<std::vector<double>> xs = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
  for (const std::string form : {"where", "where_inverted", "less", "less_left"}) {
    const Network net = load(graph(form, form));
    CHECK(net.layers[0].binarized);
    CHECK(net.steps.size() == 1);  // the comparison folded into the layer's thresholds
    for (const auto& x : xs) {
      const double y0 = x[0] - x[1], y1 = x[0] + x[1];
      std::vector<double> want;
      if (form == "where") want = {y0 >= 0.5 ? 1.0 : -1.0, y1 >= 1.5 ? 1.0 : -1.0};
      if (form == "where_inverted") want = {y0 >= 0.5 ? -1.0 : 1.0, y1 >= 1.5 ? -1.0 : 1.0};
      if (form == "less") want = {y0 < 0.5 ? 1.0 : 0.0, y1 < 1.5 ? 1.0 : 0.0};
      if (form == "less_left") want = {0.5 < y0 ? 1.0 : 0.0, 1.5 < y1 ? 1.0 : 0.0};
      CHECK(reference_forward(net, x) == want);
    }
  }
}

TEST_CASE("layout steps compute as ONNX defines them", "[import][layout]") {
  Network net;
  net.values.push_back(ValueInfo::make("x", {2, 2, 3}, ValueKind::Real));  // 0
  std::vector<double> x(12);
  for (int i = 0; i < 12; ++i) x[std::size_t(i)] = i;
  DigitalStep s;
  s.inputs = {0};
  auto out = [&](std::vector<int64_t> shape) {
    net.values.push_back(ValueInfo::make("y", std::move(shape), ValueKind::Real));
    s.output = int(net.values.size()) - 1;
    return run_digital(net, s, {&x});
  };
  s.op = DigitalOp::Transpose;  // [C, H, W] -> [W, C, H]
  s.perm = {2, 0, 1};
  CHECK(out({3, 2, 2}) == std::vector<double>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11});
  s.op = DigitalOp::Slice;  // x[:, :, ::2] along W, from 0
  s.starts = {0, 0, 0};
  s.steps = {1, 1, 2};
  CHECK(out({2, 2, 2}) == std::vector<double>{0, 2, 3, 5, 6, 8, 9, 11});
  s.op = DigitalOp::Pad;  // one column each side along W
  s.pads = {0, 0, 1, 0, 0, 1};
  s.alpha = -7;
  const auto padded = out({2, 2, 5});
  CHECK(std::vector<double>(padded.begin(), padded.begin() + 5) == std::vector<double>{-7, 0, 1, 2, -7});
  s.pad_mode = DigitalStep::PadMode::Reflect;
  const auto refl = out({2, 2, 5});
  CHECK(std::vector<double>(refl.begin(), refl.begin() + 5) == std::vector<double>{1, 0, 1, 2, 1});
  s.pad_mode = DigitalStep::PadMode::Edge;
  const auto edge = out({2, 2, 5});
  CHECK(std::vector<double>(edge.begin(), edge.begin() + 5) == std::vector<double>{0, 0, 1, 2, 2});
  // Expand [2, 1, 3] -> [2, 2, 3]; Concat of x with itself along H.
  net.values.push_back(ValueInfo::make("g", {2, 1, 3}, ValueKind::Real));
  const int g = int(net.values.size()) - 1;
  const std::vector<double> gv = {1, 2, 3, 4, 5, 6};
  s.op = DigitalOp::Expand;
  s.inputs = {g};
  net.values.push_back(ValueInfo::make("e", {2, 2, 3}, ValueKind::Real));
  s.output = int(net.values.size()) - 1;
  CHECK(run_digital(net, s, {&gv}) == std::vector<double>{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
  s.op = DigitalOp::Concat;
  s.inputs = {0, g};
  s.axis = 1;
  net.values.push_back(ValueInfo::make("c", {2, 3, 3}, ValueKind::Real));
  s.output = int(net.values.size()) - 1;
  CHECK(run_digital(net, s, {&x, &gv}) ==
        std::vector<double>{0, 1, 2, 3, 4, 5, 1, 2, 3, 6, 7, 8, 9, 10, 11, 4, 5, 6});
}

TEST_CASE("channel shuffle and a strided-slice shortcut import and keep bits", "[import][layout]") {
  GraphBuilder b({4, 2, 2});
  b.init("W", {4, 4, 1, 1}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});  // identity 1x1
  b.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  b.init("half", {}, {0.5f});
  b.node("GreaterOrEqual", {"y", "half"}, "a", "/act/GreaterOrEqual");
  b.init_i64("s5", {5}, {0, 2, 2, 2, 2});  // view(b, groups=2, 2, h, w)
  b.node("Reshape", {"a", "s5"}, "r", "/shuffle/Reshape");
  attr_ints(b.node("Transpose", {"r"}, "tr", "/shuffle/Transpose"), "perm", {0, 2, 1, 3, 4});
  b.init_i64("s4", {4}, {0, -1, 2, 2});
  b.node("Reshape", {"tr", "s4"}, "sh", "/shuffle/Reshape_1");
  b.init_i64("st", {2}, {0, 0});
  b.init_i64("en", {2}, {INT64_MAX, INT64_MAX});
  b.init_i64("ax", {2}, {2, 3});
  b.init_i64("sp", {2}, {2, 2});
  b.node("Slice", {"sh", "st", "en", "ax", "sp"}, "sl", "/shortcut/Slice");  // [4, 1, 1]
  b.output("sl");
  const Network net = load(b.save("shuffle"));
  CHECK(net.output_shape() == std::vector<int64_t>{4, 1, 1});
  CHECK(net.out().kind == ValueKind::Bits);  // layout steps keep the binary encoding
  // Channels 0..3 with the top-left pixel set in channel c iff c is odd: x[c][0][0] = c % 2.
  std::vector<double> x(16, 0.0);
  for (int c = 0; c < 4; ++c) x[std::size_t(c * 4)] = c % 2;
  // Shuffle with 2 groups of 2: channel order 0, 2, 1, 3 -> values 0, 0, 1, 1.
  CHECK(reference_forward(net, x) == std::vector<double>{0, 0, 1, 1});
}

TEST_CASE("padding: a Pad folds into the convolution or the average pool, and padded pools count as PyTorch", "[import][pool]") {
  // Zero Pad then an unpadded 3x3 convolution: the convolution's own padding 1, no Pad step.
  GraphBuilder b({1, 3, 3});
  b.init_i64("p", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  b.node("Pad", {"x", "p"}, "xp", "/pad/Pad");
  b.init("W", {1, 1, 3, 3}, std::vector<float>(9, 1.f));
  b.node("Conv", {"xp", "W"}, "y", "/conv/Conv");
  b.output("y");
  const Network first = load(b.save("pad_input"));  // on the network input too
  CHECK(first.layers[0].pad == 1);
  CHECK(first.steps.size() == 1);
  GraphBuilder c({1, 3, 3});
  c.init("W1", {1, 1, 1, 1}, {1.f});
  c.node("Conv", {"x", "W1"}, "h", "/stem/Conv");
  c.init("half", {}, {0.5f});
  c.node("GreaterOrEqual", {"h", "half"}, "a", "/stem/GreaterOrEqual");
  c.init_i64("p", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  c.node("Pad", {"a", "p"}, "hp", "/pad/Pad");
  c.init("W", {1, 1, 3, 3}, std::vector<float>(9, 1.f));
  c.node("Conv", {"hp", "W"}, "y", "/conv/Conv");
  c.output("y");
  const Network net = load(c.save("pad_fold"));
  REQUIRE(net.layers.size() == 2);
  CHECK(net.layers[1].pad == 1);
  CHECK(count_op(net, DigitalOp::Pad) == 0);
  // All-ones input: the centre sees 9 ones, a corner 4, an edge 6.
  CHECK(reference_forward(net, std::vector<double>(9, 1.0)) == std::vector<double>{4, 6, 4, 6, 9, 6, 4, 6, 4});

  // Pools by hand on a 3x3 image 1..9.
  Network p;
  p.values.push_back(ValueInfo::make("x", {1, 3, 3}, ValueKind::Real));
  p.values.push_back(ValueInfo::make("y", {1, 2, 2}, ValueKind::Real));
  const std::vector<double> img = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  DigitalStep s;
  s.inputs = {0};
  s.output = 1;
  s.op = DigitalOp::AvgPool;
  s.kernel = 2;
  s.stride = 2;
  s.ceil = true;  // the second window in each axis holds only the last row / column
  s.count_pad = false;
  CHECK(run_digital(p, s, {&img}) == std::vector<double>{3, 4.5, 7.5, 9});
  s.kernel = 3;  // padding 1 all round: each window holds 4 real cells and 5 zeros
  s.ceil = false;
  s.pads = {1, 1, 1, 1};
  s.count_pad = true;
  CHECK(run_digital(p, s, {&img}) == std::vector<double>{12.0 / 9, 16.0 / 9, 24.0 / 9, 28.0 / 9});
  s.count_pad = false;
  CHECK(run_digital(p, s, {&img}) == std::vector<double>{3, 4, 6, 7});
  s.op = DigitalOp::MaxPool;  // padding never wins a max
  const std::vector<double> neg = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
  CHECK(run_digital(p, s, {&neg}) == std::vector<double>{-1, -2, -4, -5});

  // The importer: PyTorch's AvgPool2d(3, 2, padding=1) exports as a zero Pad and an unpadded
  // pool; folded, the divisor counts the padding. Ceil mode and MaxPool's pads are taken.
  GraphBuilder d({1, 3, 3});
  d.init("W1", {1, 1, 1, 1}, {1.f});
  d.node("Conv", {"x", "W1"}, "h", "/stem/Conv");
  d.init_i64("p", {8}, {0, 0, 1, 1, 0, 0, 1, 1});
  d.node("Pad", {"h", "p"}, "hp", "/pool/Pad");
  auto* ap = d.node("AveragePool", {"hp"}, "a", "/pool/AveragePool");
  attr_ints(ap, "kernel_shape", {3, 3});
  attr_ints(ap, "strides", {2, 2});
  auto* mp = d.node("MaxPool", {"h"}, "m", "/maxpool/MaxPool");
  attr_ints(mp, "kernel_shape", {2, 2});
  attr_ints(mp, "strides", {2, 2});
  attr_i(mp, "ceil_mode", 1);
  d.node("Add", {"a", "m"}, "y", "/Add");
  d.output("y");
  Network pn = import_onnx(d.save("pools"));
  finalize_network(pn, img, "test data");  // the input is integers 1..9
  CHECK(count_op(pn, DigitalOp::Pad) == 0);
  CHECK(pn.output_shape() == std::vector<int64_t>{1, 2, 2});
  const auto got = reference_forward(pn, img);
  const std::vector<double> want = {12.0 / 9 + 5, 16.0 / 9 + 6, 24.0 / 9 + 8, 28.0 / 9 + 9};
  for (int i = 0; i < 4; ++i) CHECK(got[std::size_t(i)] == Approx(want[std::size_t(i)]));
}

TEST_CASE("the mean of +-1 bits is fixed point with an offset the next layer's bias takes", "[import][pool]") {
  // +-1 activations: sign(x0 + x1 - 0.5) and sign(x0 - x1 - 0.5) per pixel (never exactly 0).
  GraphBuilder c({2, 2, 2});
  c.init("W", {2, 2, 1, 1}, {1, 1, 1, -1});
  c.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  c.init("h", {}, {0.5f});
  c.node("Sub", {"y", "h"}, "ys", "/act/Sub");
  c.node("Sign", {"ys"}, "s", "/act/Sign");
  c.node("GlobalAveragePool", {"s"}, "g", "/pool/GlobalAveragePool");
  c.node("Flatten", {"g"}, "f", "/Flatten");
  c.init("W2", {1, 2}, {1, -1});
  attr_i(c.node("Gemm", {"f", "W2"}, "o", "/fc/Gemm"), "transB", 1);
  c.output("o");
  const Network net = load(c.save("pm1_mean"));
  const ValueInfo& pooled = net.values[std::size_t(net.layers[1].input)];
  CHECK(pooled.kind == ValueKind::UInt);
  CHECK(pooled.scale == 0.5);  // k ones of 4: k x 2/4 - 1
  CHECK(pooled.offset == -1.0);
  // offset x (sum of the weights 1 - 1 = 0) leaves this bias; check the arithmetic end to end.
  // x channel 0 = [1,0,0,0], channel 1 = [1,1,0,0]:
  // y0 = x0 + x1 = [2,1,0,0] -> s0 = [+,+,-,-] -> mean 0; y1 = x0 - x1 = [0,-1,0,0] -> all - -> mean -1.
  CHECK(reference_forward(net, {1, 0, 0, 0, 1, 1, 0, 0}) == std::vector<double>{0 - (-1.0)});
  // A weight row that does not sum to 0: the offset's share joins the bias.
  GraphBuilder d({2, 2, 2});
  d.init("W", {2, 2, 1, 1}, {1, 1, 1, -1});
  d.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  d.init("h", {}, {0.5f});
  d.node("Sub", {"y", "h"}, "ys", "/act/Sub");
  d.node("Sign", {"ys"}, "s", "/act/Sign");
  d.node("GlobalAveragePool", {"s"}, "g", "/pool/GlobalAveragePool");
  d.node("Flatten", {"g"}, "f", "/Flatten");
  d.init("W2", {1, 2}, {2, 2});
  attr_i(d.node("Gemm", {"f", "W2"}, "o", "/fc/Gemm"), "transB", 1);
  d.output("o");
  const Network n2 = load(d.save("pm1_mean_bias"));
  CHECK(n2.layers[1].bias == std::vector<double>{-4.0});  // -1 x 2 x (1 + 1)
  CHECK(reference_forward(n2, {1, 0, 0, 0, 1, 1, 0, 0}) == std::vector<double>{2 * 0.0 + 2 * -1.0});
}

TEST_CASE("Expand, Concat, ReduceMean and per-channel constants of any shape import", "[import][layout]") {
  GraphBuilder b({2, 2, 2});
  b.init("W", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  b.init("h", {}, {0.5f});
  b.node("GreaterOrEqual", {"y", "h"}, "a", "/act/GreaterOrEqual");
  attr_ints(b.node("ReduceMean", {"a"}, "m", "/se/ReduceMean"), "axes", {2, 3});  // keepdims: [2,1,1]
  b.init_i64("shape", {4}, {1, 2, 2, 2});
  b.node("Expand", {"m", "shape"}, "e", "/se/Expand");
  b.node("Mul", {"a", "e"}, "g", "/se/Mul");
  attr_i(b.node("Concat", {"a", "g"}, "c", "/cat/Concat"), "axis", 1);  // [4, 2, 2]
  // A per-channel constant given at full size, as torch.ones_like(x) * t folds to.
  b.init("k", {1, 4, 2, 2}, {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4});
  b.node("Mul", {"c", "k"}, "o", "/scale/Mul");
  b.output("o");
  const Network net = load(b.save("se_expand"));
  CHECK(net.output_shape() == std::vector<int64_t>{4, 2, 2});
  // x: channel 0 = [1,1,0,0] (mean 0.5), channel 1 = [1,0,0,0] (mean 0.25).
  const std::vector<double> x = {1, 1, 0, 0, 1, 0, 0, 0};
  const std::vector<double> want = {1, 1, 0, 0, 2, 0, 0, 0, 1.5, 1.5, 0, 0, 1, 0, 0, 0};
  CHECK(reference_forward(net, x) == want);
  // A constant that varies within a channel is refused.
  GraphBuilder c({2, 2, 2});
  c.init("W", {2, 2, 1, 1}, {1, 0, 0, 1});
  c.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  c.init("k", {1, 2, 2, 2}, {1, 2, 1, 1, 1, 1, 1, 1});
  c.node("Add", {"y", "k"}, "o", "/bias/Add");
  c.output("o");
  CHECK_THAT(import_error(c.save("spatial_const")), Catch::Contains("/bias/Add") && Catch::Contains("varies within"));
  // ReduceMean and ReduceMax over the channels (spatial attention): reduce steps, by hand.
  GraphBuilder d({2, 2, 2});
  d.init("W", {2, 2, 1, 1}, {1, 0, 0, 1});
  d.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  attr_ints(d.node("ReduceMean", {"y"}, "m", "/mean/ReduceMean"), "axes", {1});
  auto* rm = d.node("ReduceMax", {"y"}, "mx", "/max/ReduceMax");
  attr_ints(rm, "axes", {1});
  attr_i(rm, "keepdims", 0);
  d.init_i64("s", {4}, {0, 1, 2, 2});
  d.node("Reshape", {"mx", "s"}, "mx4", "/max/Reshape");
  d.node("Max", {"m", "mx4"}, "o", "/Max");  // elementwise, of two tensors
  d.output("o");
  const Network red = load(d.save("reduce_c"));
  CHECK(red.output_shape() == std::vector<int64_t>{1, 2, 2});
  // Channels [1,1,0,0] and [1,0,0,0]: mean [1, .5, 0, 0], max [1, 1, 0, 0]; their max is the max.
  CHECK(reference_forward(red, x) == std::vector<double>{1, 1, 0, 0});
}

TEST_CASE("every blocker of a graph is listed at once, and what they feed is not", "[import][errors]") {
  GraphBuilder b({4});
  b.init("W", {4, 2}, std::vector<float>(8, 1.f));
  b.node("MatMul", {"x", "W"}, "y", "/fc/MatMul");
  b.node("LRN", {"y"}, "a", "/branch_a/LRN");
  b.node("Hardmax", {"y"}, "c", "/branch_b/Hardmax");
  b.node("Add", {"a", "c"}, "z", "/merge/Add");  // fed only by blocked nodes: not reported
  b.node("Neg", {"z"}, "o", "/out/Neg");
  b.output("o");
  const std::string e = import_error(b.save("blockers"));
  CHECK_THAT(e, Catch::Contains("2 nodes cannot be imported") && Catch::Contains("/branch_a/LRN") &&
                    Catch::Contains("/branch_b/Hardmax"));
  CHECK_THAT(e, !Catch::Contains("/merge/Add") && !Catch::Contains("/out/Neg"));
}

TEST_CASE("a batch size traced into a Reshape is kept and checked against the samples", "[import][fold]") {
  GraphBuilder b({2, 2, 2});
  b.init("W", {2, 2, 1, 1}, {1, 0, 0, 1});
  b.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  b.init_i64("t", {2}, {4, -1});  // x.view(4, -1) traced with a batch of 4
  b.node("Reshape", {"y", "t"}, "f", "/flat/Reshape");
  b.output("f");
  const Network net = load(b.save("traced_batch"));
  CHECK(net.traced_batch == 4);
  CHECK(net.traced_node == "/flat/Reshape");
  CHECK(net.output_shape() == std::vector<int64_t>{8});
  // Two different traced batches cannot both hold.
  GraphBuilder c({2, 2, 2});
  c.init("W", {2, 2, 1, 1}, {1, 0, 0, 1});
  c.node("Conv", {"x", "W"}, "y", "/conv/Conv");
  c.init_i64("t", {2}, {4, -1});
  c.node("Reshape", {"y", "t"}, "f", "/a/Reshape");
  c.init_i64("t2", {2}, {2, -1});
  c.node("Reshape", {"f", "t2"}, "g", "/b/Reshape");
  c.output("g");
  CHECK_THAT(import_error(c.save("traced_two")), Catch::Contains("/b/Reshape") && Catch::Contains("/a/Reshape"));
}

TEST_CASE("a Cast that would change values is refused, a Cast of bits passes", "[import][fold]") {
  auto graph = [](int64_t to, bool binarize, const std::string& tag) {
    GraphBuilder b({2});
    b.init("W", {2, 2}, {1, 1, -1, 1});
    b.node("MatMul", {"x", "W"}, "y", "/fc/MatMul");
    std::string v = "y";
    if (binarize) {
      b.init("h", {}, {0.5f});
      b.node("GreaterOrEqual", {"y", "h"}, "c", "/act/GreaterOrEqual");
      v = "c";
    }
    attr_i(b.node("Cast", {v}, "o", "/Cast"), "to", to);
    b.output("o");
    return b.save(tag);
  };
  CHECK_NOTHROW(load(graph(onnx::TensorProto::INT64, true, "cast_bits")));
  CHECK_NOTHROW(load(graph(onnx::TensorProto::FLOAT, false, "cast_float")));
  CHECK_THAT(import_error(graph(onnx::TensorProto::INT64, false, "cast_real")),
             Catch::Contains("/Cast") && Catch::Contains("truncate"));
}
