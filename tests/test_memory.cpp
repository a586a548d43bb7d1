// Off-chip memory (arch.memory, docs/memory.md), each rule against a hand-worked figure: inputs
// read and outputs written per sample, weight tiles fetched before every rewrite or once when
// resident, their energy at the kind's price, and the bandwidth's cycles.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "power/energy.hpp"
#include "sim/driver.hpp"

using namespace cimsim;

namespace {

// A dense 16 -> 16 layer (real-valued outputs) on one 16 x 8 macro: two column tiles of
// 16 x 8 weight bits take turns on it, so each is rewritten for every batch chunk.
struct Case {
  test::NetBuilder b{{16}, ValueKind::Bits};
  std::vector<std::vector<double>> x;
  ChipParams chip;
  Case() {
    std::mt19937 rng(5);
    b.layer(LayerKind::Dense, 16, BitCode::Signed, 1, false, rng);
    x = test::random_inputs(b.net, 3, 0.5, rng);
    chip.macro.rows = 16;
    chip.macro.cols = 8;
    chip.macro.hierarchy = {4, 4};
    chip.macro.gate_cols = 4;
    chip.readout.share = 2;
    chip.macros["cim3x3"] = 0;
    chip.memory.kind = "lpddr4";
    chip.memory.pj_per_bit = 10.0;
    chip.memory.gb_per_s = 0.5;  // 0.5 GB/s x 8000 / 500 MHz = 8 bits a cycle
  }
};

double offchip_pj(const ChipRun& run, const ChipParams& chip, const char* component) {
  TechTable t;
  const EnergyBreakdown e =
      price_groups({{"periphery", periphery_counts(run.periphery_total)}}, {{"periphery", periphery_prices(t, 1.0, chip.memory)}}, {});
  for (const auto& [k, v] : e.items)
    if (k == component) return v;
  return 0.0;
}

}  // namespace

TEST_CASE("a layer rewritten twice fetches both tiles from the off-chip memory, inputs and outputs move per sample",
          "[memory]") {
  Case c;
  REQUIRE(c.chip.memory.bits_per_cycle(c.chip.clock_mhz) == 8);
  const ChipRun run = run_chip(c.chip, c.b.net, c.x).run;
  const MacroCounters& t = run.total;
  CHECK(run.layers[0].weight_writes == 2);
  // Two tiles of 16 x 8 bits, fetched before each write: 256 bits, for rewrites (not resident).
  CHECK(t[Act::DramWeightFetchBit] == 2 * 16 * 8);
  CHECK(t[Act::DramWeightLoadBit] == 0);
  // Each of 3 samples: 16 one-bit inputs read, 16 outputs of 16 bits (digital.width_bits) written.
  CHECK(t[Act::DramReadBit] == 3 * 16);
  CHECK(t[Act::DramWriteBit] == 3 * 16 * 16);
  // The input goes on into the input buffer.
  CHECK(t[Act::BufferWriteBit] >= 3 * 16);
  // At 8 bits a cycle: 2 cycles per input, 32 per output, 16 per tile.
  CHECK(t[Stat::MemoryBusyCycles] == 3 * 2 + 3 * 32 + 2 * 16);
  // The first tile waits for its 16-cycle fetch (the port also carries the first input).
  CHECK(t[Stat::StallMemory] >= 2 * 16);
  // Energy: every bit at 10 pJ.
  CHECK(offchip_pj(run, c.chip, "offchip") == Approx(10.0 * (256 + 48 + 768)));
  CHECK(offchip_pj(run, c.chip, "offchip_weight_load") == 0.0);
  // Without the memory the same outputs come sooner, and nothing moves off chip.
  ChipParams none = c.chip;
  none.memory.kind = "none";
  const ChipRun plain = run_chip(none, c.b.net, c.x).run;
  CHECK(plain.outputs == run.outputs);
  CHECK(plain.cycles < run.cycles);
  CHECK(plain.total[Act::DramReadBit] + plain.total[Act::DramWriteBit] + plain.total[Act::DramWeightFetchBit] == 0);
}

TEST_CASE("weights that all fit are fetched once, as a one-time cost; a later chunk fetches none", "[memory]") {
  Case c;
  c.chip.macros["cim1x1"] = 2;  // a macro per tile: resident
  const ChipRun run = run_chip(c.chip, c.b.net, c.x).run;
  CHECK(run.weights_resident);
  CHECK(run.total[Act::DramWeightLoadBit] == 2 * 16 * 8);
  CHECK(run.total[Act::DramWeightFetchBit] == 0);
  CHECK(offchip_pj(run, c.chip, "offchip_weight_load") == Approx(10.0 * 256));
  CHECK(offchip_pj(run, c.chip, "offchip") == Approx(10.0 * (48 + 768)));
  ChipParams later = c.chip;
  later.weights_loaded = true;
  const ChipRun next = run_chip(later, c.b.net, c.x).run;
  CHECK(next.total[Act::DramWeightLoadBit] == 0);
  CHECK(next.total[Act::DramReadBit] == 3 * 16);
}
