// The digital MAC unit: layers with real-valued inputs or weights run in the periphery, priced
// per multiply-accumulate by operand width, timed by the unit's lanes, and marked in the report.
#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"
#include "onnx_graph.hpp"
#include "sim/driver.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;
using test::attr_i;
using test::GraphBuilder;

TEST_CASE("a full-precision head and a real hidden layer run on the digital MAC unit", "[mac]") {
  // x [4] bits -> binary dense 4->3 on a macro -> Relu (real) -> dense 3->2 with real weights and
  // real inputs (the MAC unit) -> Gemm 2->2 with real weights and a bias (the MAC unit).
  GraphBuilder b({4});
  b.init("W1", {4, 3}, {1, -1, 1, 1, 1, -1, -1, 1, 1, 1, -1, -1});
  b.node("MatMul", {"x", "W1"}, "h", "/fc1/MatMul");
  b.node("Relu", {"h"}, "r", "/relu/Relu");
  b.init("W2", {3, 2}, {0.5f, -1.25f, 2.f, 0.75f, -0.3f, 1.f});
  b.node("MatMul", {"r", "W2"}, "z", "/fc2/MatMul");
  b.init("W3", {2, 2}, {0.1f, 0.2f, -0.4f, 0.8f});
  b.init("B3", {2}, {0.05f, -0.5f});
  attr_i(b.node("Gemm", {"z", "W3", "B3"}, "o", "/head/Gemm"), "transB", 1);
  b.output("o");
  const Network net = test::load(b.save("mac"));
  REQUIRE(net.layers.size() == 1);  // only the binary layer is a macro's
  int macs = 0;
  for (const auto& st : net.steps) macs += !st.macro && net.digital[std::size_t(st.index)].op == DigitalOp::Mac;
  CHECK(macs == 2);
  // By hand for x = [1, 0, 1, 1], from the arrays (double arithmetic on the float32 weights).
  const std::vector<double> x = {1, 0, 1, 1};
  const float W1[4][3] = {{1, -1, 1}, {1, 1, -1}, {-1, 1, 1}, {1, -1, -1}};
  const float W2[3][2] = {{0.5f, -1.25f}, {2.f, 0.75f}, {-0.3f, 1.f}};
  const float W3[2][2] = {{0.1f, 0.2f}, {-0.4f, 0.8f}};
  double r[3], z[2], o[2];
  for (int j = 0; j < 3; ++j) {
    double h = 0;
    for (int i = 0; i < 4; ++i) h += x[std::size_t(i)] * W1[i][j];
    r[j] = std::max(0.0, h);
  }
  for (int j = 0; j < 2; ++j) {
    z[j] = 0;
    for (int i = 0; i < 3; ++i) z[j] += r[i] * double(W2[i][j]);
  }
  const float B3[2] = {0.05f, -0.5f};
  for (int n = 0; n < 2; ++n) o[n] = double(B3[n]) + z[0] * double(W3[n][0]) + z[1] * double(W3[n][1]);
  const auto ref = reference_forward(net, x);
  CHECK(ref[0] == Approx(o[0]).epsilon(1e-12));
  CHECK(ref[1] == Approx(o[1]).epsilon(1e-12));

  // On the chip: the MAC steps are marked, priced per MAC cell, and timed by the unit's lanes.
  ChipParams chip;
  chip.mac_lanes = 4;
  chip.digital_width = 8;
  const std::vector<std::vector<double>> xs(5, x);
  const ChipRun run = run_chip(chip, net, xs).run;
  CHECK(run.outputs[0] == ref[0]);
  CHECK(run.outputs[1] == ref[1]);
  const uint64_t cells = 8 * 7 + 2 * 8;  // an 8 x 8 array multiplier's full adders and a 16-bit accumulate
  int seen = 0;
  for (const auto& l : run.layers) {
    if (l.macro != "digital-mac") continue;
    ++seen;
    const uint64_t per_sample = l.name == "/fc2/MatMul" ? 6 : 4;  // MACs
    CHECK(l.kind == "dense");
    CHECK(l.counters[Act::DigitalMacBit] == 5 * per_sample * cells);
    CHECK(l.counters[Act::DigitalAddBit] == 0);
    // 5 samples of 6 (or 4) MACs through 4 lanes: the lanes stream across samples.
    CHECK(l.cycles >= (5 * per_sample + 3) / 4);
    CHECK(l.counters[Act::WeightReadBit] == 5 * per_sample * 8);  // the layer's weights, per sample
  }
  CHECK(seen == 2);
}
