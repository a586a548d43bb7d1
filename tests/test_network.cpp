// The chip (controller + macro) against the plain integer reference, with tiling.
#include <catch2/catch.hpp>

#include "arch/controller.hpp"
#include "arch/readout.hpp"
#include "helpers.hpp"
#include "workloads/mapping.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;

namespace {

ChipRun run_chip(const Network& net, const std::vector<BitVec>& inputs, const ChipParams& chip) {
  test::fresh_context();
  auto readout = make_readout(chip.readout, chip.macro.rows);
  const sc_core::sc_time period(double(chip.period_ps()), sc_core::SC_PS);
  CimMacro macro("macro", chip.macro, *readout, period);
  Controller ctrl("ctrl", net, inputs, chip, macro);
  ctrl.macro.bind(macro.op_target);
  sc_core::sc_start();
  return ctrl.result();
}

ChipParams small_chip() {
  ChipParams c;
  c.macro.rows = 16;
  c.macro.cols = 8;
  c.macro.hierarchy = {4, 4};
  c.macro.gate_cols = 4;
  c.readout.share = 2;
  return c;
}

}  // namespace

TEST_CASE("weight-stationary tiling splits rows and columns", "[mapping]") {
  LayerSpec L;
  L.in_channels = 40;
  L.out_channels = 20;
  const LayerMapping m = map_weight_stationary(L, {16, 8});
  CHECK(m.row_tiles == 3);  // ceil(40 / 16)
  CHECK(m.col_tiles == 3);  // ceil(20 / 8)
  REQUIRE(m.tiles.size() == 9);
  CHECK(m.tiles[2].row0 == 32);
  CHECK(m.tiles[2].rows == 8);  // 40 - 32
  CHECK(m.tiles[8].col0 == 16);
  CHECK(m.tiles[8].cols == 4);  // 20 - 16
}

TEST_CASE("tiled layers on a small macro compute what the integer reference computes", "[chip]") {
  std::mt19937 rng(7);
  for (auto codes : {std::pair{BitCode::Unsigned01, BitCode::Signed}, std::pair{BitCode::Signed, BitCode::Signed},
                     std::pair{BitCode::Signed, BitCode::Unsigned01}, std::pair{BitCode::Unsigned01, BitCode::Unsigned01}}) {
    Network net;
    net.input_shape = {40};
    net.input.code = codes.first;
    net.layers.push_back(test::random_dense("fc1", 40, 20, codes.first, codes.second, true, rng));
    net.layers.push_back(test::random_dense("fc2", 20, 10, BitCode::Unsigned01, codes.second, false, rng));
    net.output_shape = {10};
    std::vector<BitVec> inputs;
    for (int s = 0; s < 6; ++s) {
      BitVec x(40);
      for (int i = 0; i < 40; ++i) x.set(i, (rng() % 3) == 0);
      inputs.push_back(x);
    }
    const ChipParams chip = small_chip();
    const ChipRun run = run_chip(net, inputs, chip);
    for (std::size_t s = 0; s < inputs.size(); ++s) {
      const auto ref = reference_forward(net, inputs[s]);
      for (std::size_t i = 0; i < ref.size(); ++i) CHECK(run.outputs[s * 10 + i] == ref[i]);
    }
    REQUIRE(run.layers.size() == 2);
    const LayerRun& l1 = run.layers[0];
    CHECK(l1.row_tiles == 3);
    CHECK(l1.col_tiles == 3);
    CHECK(l1.counters[Stat::Ops] == 9 * 6);  // tiles x samples
    // Cycles: 9 tile writes of 16 rows, 54 operations of 6 cycles, plus the wake-up stalls.
    CHECK(l1.cycles == 9 * 16 + 54 * 6 + l1.counters[Stat::StallWakeup]);
    CHECK(l1.counters[Stat::StallWakeup] % 2 == 0);
    CHECK(l1.macs == 40 * 20 * 6);
  }
}

TEST_CASE("all-zero inputs gate every domain and still give the right outputs", "[chip][gating]") {
  std::mt19937 rng(3);
  Network net;
  net.input_shape = {16};
  net.layers.push_back(test::random_dense("fc", 16, 8, BitCode::Unsigned01, BitCode::Signed, false, rng));
  net.output_shape = {8};
  const std::vector<BitVec> inputs(3, BitVec(16));
  const ChipRun run = run_chip(net, inputs, small_chip());
  const MacroCounters& c = run.layers[0].counters;
  CHECK(c[Stat::DomainEvals] == 3 * 8);
  CHECK(c[Stat::DomainSkips] == 3 * 8);
  CHECK(c.precharge[0] == 0);
  CHECK(c[Act::AdcConversion] == 0);
  for (int s = 0; s < 3; ++s)
    for (int n = 0; n < 8; ++n) CHECK(run.outputs[s * 8 + n] == net.layers[0].bias[n]);  // dot product 0
}

TEST_CASE("pruned output channels are discarded columns and are gated", "[chip][gating]") {
  std::mt19937 rng(5);
  Network net;
  net.input_shape = {16};
  LayerSpec L = test::random_dense("fc", 16, 8, BitCode::Unsigned01, BitCode::Signed, false, rng);
  for (int n = 4; n < 8; ++n) L.scale[n] = 0.0;  // channels 4-7 pruned: constant outputs
  net.layers.push_back(L);
  net.output_shape = {8};
  BitVec x(16);
  for (int i = 0; i < 16; ++i) x.set(i, true);
  const ChipRun run = run_chip(net, {x}, small_chip());
  const MacroCounters& c = run.layers[0].counters;
  // Group 1 (columns 4-7) is discarded in all 4 leaves; group 0 is active in all 4.
  CHECK(c[Stat::DomainSkips] == 4);
  CHECK(c[Act::AdcConversion] == 4);
  const auto ref = reference_forward(net, x);
  for (int n = 0; n < 8; ++n) CHECK(run.outputs[n] == ref[n]);
}
