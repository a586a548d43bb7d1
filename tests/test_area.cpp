// Area from the layout's parts (power/area, docs/area.md), worked by hand on a 16 x 16 macro.
#include <catch2/catch.hpp>

#include <cmath>

#include "power/area.hpp"

using namespace cimsim;

namespace {

// A technology of round numbers, so that every part can be worked out on paper.
TechTable round_tech() {
  TechTable t;
  t.name = "hand";
  auto set = [&](Tech k, double v) { t.value[std::size_t(k)] = v; };
  set(Tech::CellHeight, 0.5);  // device length per um of width: 0.5 / 2.5 = 0.2 um
  set(Tech::CellWidth, 1.5);
  set(Tech::AndWidth, 0.1);
  set(Tech::SwitchWidth, 0.2);
  set(Tech::PrechargeWidth, 0.4);
  set(Tech::ComparatorWidth, 1.0);
  set(Tech::GateArea, 2.0);
  set(Tech::SarAdcArea, 1000.0);
  set(Tech::BufferArrayEfficiency, 0.5);
  return t;
}

// 16 x 16, bit line [4, 4], gating domains of a leaf (4 rows) x 4 columns, one 5-bit SAR per 4
// columns at the root, 16-bit shift-add.
ChipParams small_chip() {
  ChipParams c;
  c.macro.rows = 16;
  c.macro.cols = 16;
  c.macro.hierarchy = {4, 4};
  c.macro.gating_level = 0;
  c.macro.gate_cols = 4;
  c.macro.cell = "and";
  c.macro.readout_level = -1;
  c.readout.kind = "sar";
  c.readout.share = 4;
  c.readout.analog_accumulate = false;
  c.digital_width = 16;
  c.macros = {{"cim1x1", 1}, {"cim3x3", 0}, {"dcim", 0}};
  c.input_buffer = {1, 64};
  c.output_buffer = {0, 64};
  c.weight_buffer = {0, 64};
  c.digital_lanes = 2;
  c.mac_lanes = 1;
  return c;
}

const AreaPart& part(const BlockArea& b, const std::string& name) {
  for (const auto& p : b.parts)
    if (p.name == name) return p;
  FAIL("no part " << name);
  throw;
}

}  // namespace

TEST_CASE("a 16x16 [4,4] macro's area is the sum of its hand-worked parts", "[area]") {
  const TechTable t = round_tech();
  const BlockArea b = analog_macro_area(t, small_chip(), 5, 0);
  // Cells: 256 x (0.5 x 1.5 + the 2T AND, 2 x 0.1 um x 0.2 um) = 256 x 0.79.
  CHECK(part(b, "bit cells").count == 256);
  CHECK(part(b, "bit cells").um2() == Approx(202.24));
  // Precharge drivers: 4 leaf segments + 1 root segment per column, 80 x 0.4 x 0.2.
  CHECK(part(b, "precharge drivers").count == 80);
  CHECK(part(b, "precharge drivers").um2() == Approx(6.4));
  // Merge switches: one per leaf segment, 64 x 0.2 x 0.2.
  CHECK(part(b, "merge switches").um2() == Approx(2.56));
  // The root's line over 16 rows: one track of a quarter cell width per column, 16 x 16 x 0.5 x 1.5 / 4.
  CHECK(part(b, "hierarchy wires").um2() == Approx(48.0));
  // Domains: 4 leaves x 4 column groups, each a header of 16 cells x 0.1 / 8 and two drivers of
  // 0.4, times 0.2: 16 x 0.2.
  CHECK(part(b, "gating headers and C1/C2 drivers").count == 16);
  CHECK(part(b, "gating headers and C1/C2 drivers").um2() == Approx(3.2));
  // Read-outs: 4 shared SARs of 5 bits, 1000 x 10^(0.0369 x 3) x 2^-3 each.
  CHECK(part(b, "read-outs").count == 4);
  CHECK(part(b, "read-outs").each_um2 == Approx(1000 * std::pow(10.0, 0.1107) / 8));
  // Shift-add: per converter 16 bits of a full adder (3 NAND2 + 2 XOR2 = 7.8) and a flip-flop (6), x 2.0.
  CHECK(part(b, "shift-add accumulators").um2() == Approx(4 * 16 * 13.8 * 2.0));
  // Word-line drivers: an inverter of 3 x 0.4 x 0.2 and a flip-flop of 6 x 2.0 per row.
  CHECK(part(b, "word-line drivers").um2() == Approx(16 * 12.24));
  // At the root there are no partial sums to add, and no pulse generators without analog accumulation.
  for (const auto& p : b.parts) {
    CHECK(p.name != "partial-sum adders (full adders)");
    CHECK(p.name != "input pulse generators");
  }
  CHECK(b.each_um2() == Approx(202.24 + 6.4 + 2.56 + 48.0 + 3.2 + 4 * 1000 * std::pow(10.0, 0.1107) / 8 + 1766.4 + 195.84));
}

TEST_CASE("read-outs at the leaves add partial sums; the chip adds buffers and digital units", "[area]") {
  const TechTable t = round_tech();
  ChipParams c = small_chip();
  c.macro.readout_level = 0;  // a read-out per leaf segment: 4 nodes per column
  const BlockArea b = analog_macro_area(t, c, 3, 0);
  // The root is not built: only leaf segments are precharged, and none merges.
  CHECK(part(b, "precharge drivers").count == 64);
  CHECK(part(b, "read-outs").count == 16);
  // 3 partial sums per column group of 3 bits plus 2 bits of carry: 4 groups x 3 x 5 full adders.
  CHECK(part(b, "partial-sum adders (full adders)").count == 60);
  const ChipArea chip = chip_area(t, small_chip(), 5, 0);
  REQUIRE(chip.blocks.size() == 3);
  CHECK(chip.blocks[0].name == "cim1x1");
  // Buffers: 1 KiB at the cell's 0.75 um^2 over an array efficiency of 0.5.
  CHECK(chip.blocks[1].um2() == Approx(8192 * 1.5));
  // Digital: 2 vector lanes of 16 x 13.8 gates, one MAC lane of 16^2 x 8.8 + 32 x 13.8 gates, x 2.0.
  CHECK(chip.blocks[2].um2() == Approx((2 * 16 * 13.8 + 256 * 8.8 + 32 * 13.8) * 2.0));
  CHECK(chip.um2() == Approx(chip.blocks[0].um2() + chip.blocks[1].um2() + chip.blocks[2].um2()));
}

TEST_CASE("flash, sense and digital read-outs from their comparators and adders", "[area]") {
  const TechTable t = round_tech();
  // A StrongARM of 7 W x 0.2 and an SR latch of two NAND2.
  const double cmp = 7 * 1.0 * 0.2 + 2 * 2.0;
  CHECK(comparator_um2(t) == Approx(cmp));
  CHECK(readout_um2(t, "sense", 1, 0, 16) == Approx(cmp));
  CHECK(readout_um2(t, "flash", 4, 11, 16) == Approx(10 * (cmp + 2.0)));
  // 16 one-bit inputs: a tree of 2^5 - 4 - 2 = 26 full adders and a 5-bit register.
  CHECK(readout_um2(t, "digital", 5, 0, 16) == Approx((26 * 7.8 + 5 * 6) * 2.0));
  // SAR: the 8-bit area at 8 bits, doubling per bit less the survey's 10^-0.0369.
  CHECK(sar_adc_um2(t, 8) == Approx(1000));
  CHECK(sar_adc_um2(t, 9) / sar_adc_um2(t, 8) == Approx(2 * std::pow(10.0, -0.0369)));
}

TEST_CASE("a TTFS array's area from its synapses, neurons and row drivers, worked by hand", "[area][ttfs]") {
  // 4 synapse rows x 2 neurons, 3 arrays; round sizes.
  TtfsParams p;
  p.rows = 4;
  p.cols = 2;
  p.arrays = 3;
  TtfsCircuit c;
  c.synapse_bits = 2;
  c.sram_bit_um2 = 2.0;
  c.unit_device_um2 = 0.5;
  c.mim_ff_per_um2 = 2.0;
  c.mim_ff_per_um = 0.5;
  c.c_mem_ff = 40.0;
  c.comparator_um2 = 100.0;
  c.std_cell_um2 = 4.0;
  c.flip_flop_um2 = 20.0;
  // Membrane: 2 s^2 + 4 x 0.5 s = 40 -> s^2 + s - 20 = 0 -> s = 4: 16 um^2.
  CHECK(mim_cap_um2(c, 40.0) == Approx(16.0));
  const BlockArea a = ttfs_array_area(p, c);
  auto part = [&](const std::string& name) {
    for (const auto& q : a.parts)
      if (q.name == name) return q;
    FAIL("no part " << name);
    return AreaPart{};
  };
  // Synapse: (2 + 1 sign) stored bits x 2 = 6; legs: two polarities x (2^2 - 1) units + 2 x 2
  // switches = 10 devices x 0.5 = 5: 11 um^2, for 4 x 2 synapses.
  CHECK(part("synapses").count == 8);
  CHECK(part("synapses").each_um2 == Approx(11.0));
  CHECK(part("membrane capacitors").count == 2);
  CHECK(part("membrane capacitors").each_um2 == Approx(16.0));
  CHECK(part("comparators").each_um2 == Approx(100.0));
  CHECK(part("reset and discharger devices").each_um2 == Approx(1.0));
  CHECK(part("spike latches").each_um2 == Approx(20.0));
  CHECK(part("spike line drivers").count == 4);
  CHECK(part("spike line drivers").each_um2 == Approx(4.0));
  // 8 x 11 + 2 x (16 + 100 + 1 + 20) + 4 x 4 = 88 + 274 + 16 = 378 um^2 an array.
  CHECK(a.each_um2() == Approx(378.0));
  const ChipArea chip = ttfs_chip_area(p, c);
  REQUIRE(chip.blocks.size() == 1);
  CHECK(chip.blocks[0].count == 3);
  CHECK(chip.um2() == Approx(3 * 378.0));
  // One more magnitude bit: one more stored bit, 2 x 4 more leg units and 2 more switches.
  c.synapse_bits = 3;
  CHECK(ttfs_array_area(p, c).parts.front().each_um2 == Approx(11.0 + 2.0 + (8 + 2) * 0.5));
}
