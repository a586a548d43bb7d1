// Hand-worked cases for a small macro: 16 rows, bit line [4, 4], 8 columns, gating domains of
// one leaf segment (4 rows) x 4 columns. Expected values are derived in the comments from the
// stored pattern and the inputs.
#include <catch2/catch.hpp>

#include "arch/cim_macro.hpp"
#include "helpers.hpp"

using namespace cimsim;

namespace {

struct Driver : sc_core::sc_module {
  sc_core::sc_port<MacroIf> macro;
  std::vector<uint8_t> bits, needed;
  std::vector<BitVec> inputs;
  bool as_planes = false;  // apply `inputs` as the bit planes of one analog-accumulation operation
  std::vector<std::vector<int64_t>> outs;
  std::vector<uint64_t> op_cycles;
  uint64_t write_cycles = 0;
  int64_t rows = 16, cols = 8;
  sc_core::sc_time period;
  SC_HAS_PROCESS(Driver);
  Driver(sc_core::sc_module_name n, sc_core::sc_time p) : sc_module(n), macro("macro"), period(p) {
    SC_THREAD(run);
  }
  void run() {
    write_cycles = macro->write_weights(bits, rows, cols, needed);
    wait(period * double(write_cycles));
    if (as_planes) {
      std::vector<const uint64_t*> planes;
      for (auto& in : inputs) planes.push_back(in.data());
      std::vector<std::vector<int64_t>> o(inputs.size(), std::vector<int64_t>(std::size_t(cols)));
      op_cycles.push_back(macro->operate_planes(planes, o, 1));
      outs = o;
      return;
    }
    for (auto& in : inputs) {
      std::vector<int64_t> o(static_cast<std::size_t>(cols));
      const uint64_t c = macro->operate(in.data(), o);
      outs.push_back(o);
      op_cycles.push_back(c);
      wait(period * double(c));
    }
  }
};

MacroParams small_macro() {
  MacroParams p;
  p.rows = 16;
  p.cols = 8;
  p.hierarchy = {4, 4};
  p.gating_level = 0;
  p.gate_cols = 4;
  p.cycles = {1, 1, 1, 1, 2, 1};  // precharge, evaluate, merge/level, writeout, wakeup, write_row
  return p;
}

// A macro of `p` with its own read-out from `rp` and a Driver bound to it (`rows` x 8 columns).
struct Rig {
  const sc_core::sc_time period{2, sc_core::SC_NS};
  CimMacro macro;
  Driver drv;
  Rig(const MacroParams& p, const ReadoutParams& rp) : macro("macro", p, rp, period), drv("drv", period) {
    drv.rows = p.rows;
    drv.macro.bind(macro.op_target);
  }
};

}  // namespace

TEST_CASE("small macro: outputs, gating, precharges and cycles worked by hand", "[macro]") {
  const test::Context context;
  const MacroParams p = small_macro();
  ReadoutParams rp;
  rp.kind = "adc";
  rp.share = 2;
  rp.conversion_cycles = 1;
  auto readout = make_readout(rp, p.rows);
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, *readout, period);
  Driver drv("drv", period);
  drv.macro.bind(macro.op_target);

  // Columns 0-3 store 1 in rows 0-7; column 4 stores 1 in rows 8-15; columns 5-7 store 0.
  drv.bits.assign(16 * 8, 0);
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 8; ++r) drv.bits[c * 16 + r] = 1;
  for (int r = 8; r < 16; ++r) drv.bits[4 * 16 + r] = 1;
  drv.needed.assign(8, 1);
  // Op 1: inputs on rows 0, 1 (leaf 0) and 9 (leaf 2). Op 2: input on row 5 only (leaf 1).
  BitVec a(16), b(16);
  a.set(0, true);
  a.set(1, true);
  a.set(9, true);
  b.set(5, true);
  drv.inputs = {a, b};
  sc_core::sc_start();

  // Outputs: the AND popcounts. Op 1: columns 0-3 see rows 0,1 -> 2; column 4 sees row 9 -> 1.
  CHECK(drv.outs[0] == std::vector<int64_t>{2, 2, 2, 2, 1, 0, 0, 0});
  // Op 2: row 5 lies in the stored block of columns 0-3 only.
  CHECK(drv.outs[1] == std::vector<int64_t>{1, 1, 1, 1, 0, 0, 0, 0});

  const MacroCounters& c = macro.stats();
  // Domains (leaf r, group g), 4 x 2 = 8. Op 1 active: (0,0) [input rows 0,1; stored 1s] and
  // (2,1) [input row 9; column 4 stores 1s there]. (1,*) and (3,*) have no input; (2,0) and
  // (0,1) have only stored zeros. Op 2 active: (1,0) only.
  CHECK(c[Stat::DomainEvals] == 16);
  CHECK(c[Stat::DomainSkips] == 6 + 7);
  // A new macro is gated; the write wakes all 8. Op 1 gates 6; op 2 wakes (1,0), gates (0,0), (2,1).
  CHECK(c[Act::GateEvent] == 6 + 2);
  CHECK(c[Act::WakeEvent] == 8 + 1);
  // Leaf precharges: one leaf segment x 4 columns per active domain: (2 + 1) x 4.
  CHECK(c.precharge[0] == 12);
  // Global line: per column group with any active leaf: op 1 both groups, op 2 group 0: 3 x 4.
  CHECK(c.precharge[1] == 12);
  CHECK(c.merge[0] == 12);
  // Input-line cells: rows at 1 in active domains x 4 columns: op 1 (2 + 1) x 4, op 2 1 x 4.
  CHECK(c[Act::InputLineCell] == 16);
  // AND evaluations = sum of the outputs.
  CHECK(c[Act::AndEval] == 9 + 4);
  // Conversions: needed columns of a group with an active domain: op 1 8, op 2 4.
  CHECK(c[Act::AdcConversion] == 12);

  // Cycles: wake-up 2 + write 16 rows x 1; op = precharge 1 + evaluate 1 + merge 1 x (2 levels
  // - 1) + read-out 2 columns per ADC x 1 + writeout 1 = 6; op 2 adds the 2-cycle wake-up.
  CHECK(drv.write_cycles == 2 + 16);
  CHECK(drv.op_cycles == std::vector<uint64_t>{6, 8});
  CHECK(c[Stat::StallWakeup] == 2 + 2);
  CHECK(c[Stat::StallReadout] == 2);  // (share - 1) x conversion cycles per op
  CHECK(c[Stat::Cycles] == 32);

  // Residency: [0,18) all 8 on (in use from the write at 0); [18,24) 6 gated; [24,32) 7 gated.
  CHECK(c[Stat::DomainCyclesIdle] == 0);
  CHECK(c[Stat::DomainCyclesGated] == 6 * 6 + 7 * 8);
  CHECK(c[Stat::DomainCyclesOn] + c[Stat::DomainCyclesGated] == 8 * 32);
}

TEST_CASE("gating level above the leaf precharges every segment of an active domain", "[macro]") {
  const test::Context context;
  MacroParams p = small_macro();
  p.gating_level = 1;  // one domain spans all 16 rows
  ReadoutParams rp;
  rp.kind = "digital";
  auto readout = make_readout(rp, p.rows);
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, *readout, period);
  Driver drv("drv", period);
  drv.macro.bind(macro.op_target);
  drv.bits.assign(16 * 8, 1);
  drv.needed = {1, 1, 1, 1, 0, 0, 0, 0};  // group 1's outputs are discarded
  BitVec a(16);
  a.set(3, true);
  drv.inputs = {a};
  sc_core::sc_start();
  const MacroCounters& c = macro.stats();
  CHECK(c[Stat::DomainEvals] == 2);
  CHECK(c[Stat::DomainSkips] == 1);  // the discarded group
  // The active domain precharges all 4 leaf segments of its 4 columns, and the global line.
  CHECK(c.precharge[0] == 16);
  CHECK(c.precharge[1] == 4);
  // Digital read-out: one adder-tree input per evaluated row of each read column: 16 x 4.
  CHECK(c[Act::AdderTreeBit] == 64);
  CHECK(drv.outs[0] == std::vector<int64_t>{1, 1, 1, 1, 0, 0, 0, 0});
  CHECK(drv.op_cycles[0] == 1 + 1 + 1 + 2 + 1);
}

TEST_CASE("an ADC with too few bits loses information and says so", "[macro][readout]") {
  ReadoutParams rp;
  rp.bits = 2;  // 3 levels above zero for a 16-row column
  auto r = make_readout(rp, 16);
  CHECK_FALSE(r->lossless());
  CHECK(r->read(0) == 0);
  CHECK(r->read(16) == 16);
  CHECK(r->read(5) == 5);    // code round(5*3/16) = 1 -> round(16/3) = 5
  CHECK(r->read(7) == 5);    // code 1 as well
  CHECK(r->read(9) == 11);   // code 2 -> round(32/3) = 11
  rp.bits = 0;
  auto full = make_readout(rp, 16);
  CHECK(full->lossless());
  CHECK(full->resolution_bits() == 5);  // ceil(log2(17))
  for (int k = 0; k <= 16; ++k) CHECK(full->read(k) == k);
}

TEST_CASE("a clipped read-out range: fewer bits, counts above the range read as the range", "[macro][readout]") {
  ReadoutParams rp;
  rp.range = 96;  // of 256 rows
  auto r = make_readout(rp, 256);
  CHECK(r->resolution_bits() == 7);  // lossless for 0..96: ceil(log2(97))
  CHECK(r->full_scale() == 96);
  CHECK_FALSE(r->lossless());        // counts 97..256 are clipped
  CHECK(r->read(50) == 50);
  CHECK(r->read(96) == 96);
  CHECK(r->read(120) == 96);
  CHECK(r->read_analog(-0.7) == 0);
  // With 3 bits over the clipped range: 7 steps of 96 / 7 counts.
  rp.bits = 3;
  auto q = make_readout(rp, 256);
  CHECK(q->read(50) == 55);   // code round(50 x 7 / 96) = 4 -> round(4 x 96 / 7) = 55
  CHECK(q->read(200) == 96);  // clipped to the top code
  // A range at or above the rows is the full range.
  rp.bits = 0;
  rp.range = 300;
  CHECK(make_readout(rp, 256)->lossless());
  CHECK(make_readout(rp, 256)->resolution_bits() == 9);
}

TEST_CASE("zero-skipping: an all-gated operation takes no slot; shared converters convert only needed columns",
          "[macro][readout]") {
  const test::Context context;
  const MacroParams p = small_macro();  // 16 x 8, [4, 4], domains of 4 rows x 4 columns
  ReadoutParams rp;
  rp.kind = "adc";
  rp.share = 8;  // one converter for all 8 columns
  rp.conversion_cycles = 1;
  auto readout = make_readout(rp, p.rows);
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, *readout, period);
  Driver drv("drv", period);
  drv.macro.bind(macro.op_target);
  // Columns 0-2 store 1 in rows 0-3 (leaf 0); column 3 nothing; columns 4-7 store 1 in rows
  // 12-15 (leaf 3), but their outputs are discarded.
  drv.bits.assign(16 * 8, 0);
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 4; ++r) drv.bits[std::size_t(c * 16 + r)] = 1;
  for (int c = 4; c < 8; ++c)
    for (int r = 12; r < 16; ++r) drv.bits[std::size_t(c * 16 + r)] = 1;
  drv.needed = {1, 1, 1, 1, 0, 0, 0, 0};
  BitVec a(16), b(16), z(16);
  a.set(1, true);   // op 1: leaf 0 active in group 0: columns 0-3 kept
  b.set(13, true);  // op 2: leaf 3 has an input, but only group 1's (discarded) columns store 1s there
  drv.inputs = {a, b, z};  // op 3: no input at all
  sc_core::sc_start();
  // Op 1: group 0's four kept columns need a conversion (column 3's count is 0, but its domain
  // is active: it is read). One converter for 8 columns: 4 conversions, one after the other.
  // precharge 1 + evaluate 1 + merge 1 + read-out 4 x 1 + write-out 1 = 8 cycles, of which 3
  // wait for the shared converter.
  CHECK(drv.outs[0] == std::vector<int64_t>{1, 1, 1, 0, 0, 0, 0, 0});
  // Ops 2 and 3: every domain gated (no stored 1 under the input in group 0, outputs discarded
  // in group 1; no input at all): no slot, outputs known to be 0.
  CHECK(drv.op_cycles == std::vector<uint64_t>{8, 0, 0});
  CHECK(drv.outs[1] == std::vector<int64_t>(8, 0));
  const MacroCounters& c = macro.stats();
  CHECK(c[Act::AdcConversion] == 4);
  CHECK(c[Stat::StallReadout] == 3);
  CHECK(c[Stat::Ops] == 3);
  CHECK(c[Stat::DomainSkips] == 7 + 8 + 8);
  // The tile uses every row and the first 4 columns: group 1 holds columns the tile writes (its
  // outputs are discarded by the layer, not by the mapping), so all 8 domains are used.
  CHECK(c[Stat::DomainEvalsUsed] == 3 * 8);
  CHECK(c[Stat::DomainSkipsUsed] == c[Stat::DomainSkips]);
}

TEST_CASE("utilisation: domains outside the tile are unused, not gated by the data", "[macro]") {
  const test::Context context;
  const MacroParams p = small_macro();
  ReadoutParams rp;
  rp.share = 2;
  auto readout = make_readout(rp, p.rows);
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, *readout, period);
  struct Half : sc_core::sc_module {
    sc_core::sc_port<MacroIf> macro;
    sc_core::sc_time period;
    SC_HAS_PROCESS(Half);
    Half(sc_core::sc_module_name n, sc_core::sc_time pr) : sc_module(n), macro("macro"), period(pr) { SC_THREAD(run); }
    void run() {
      // A tile of 6 rows x 3 columns, every weight 1: rows 0-5 touch leaves 0 and 1, columns
      // 0-2 group 0. Domains (leaf 0 or 1, group 0) are used; the other 6 are not.
      const std::vector<uint8_t> bits(6 * 3, 1), needed(3, 1);
      wait(period * double(macro->write_weights(bits, 6, 3, needed)));
      BitVec x(16);
      x.set(0, true);  // leaf 0 only: leaf 1's domain is used but gated by the data
      std::vector<int64_t> out(8);
      macro->operate(x.data(), out);
    }
  } drv("drv", period);
  drv.macro.bind(macro.op_target);
  sc_core::sc_start();
  const MacroCounters& c = macro.stats();
  CHECK(c[Stat::DomainEvals] == 8);
  CHECK(c[Stat::DomainEvalsUsed] == 2);
  CHECK(c[Stat::DomainSkips] == 7);
  CHECK(c[Stat::DomainSkipsUsed] == 1);  // utilisation 2/8, gated by the data 1/2
}

// A [16, 16] column of 256 rows read at its leaves: each leaf segment has its own converter (of
// `share` columns), lossless for its 16 rows at 5 bits; a column's leaf results are summed by an
// adder tree. Domains: one leaf (16 rows) x 4 columns.
TEST_CASE("leaf read-out: only active leaves are converted, at 5 bits, and summed digitally", "[macro][readout]") {
  const test::Context context;
  MacroParams p;
  p.rows = 256;
  p.cols = 8;
  p.hierarchy = {16, 16};
  p.gating_level = 0;
  p.gate_cols = 4;
  p.cycles = {1, 1, 1, 1, 2, 1};  // precharge, evaluate, merge/level, writeout, wakeup, write_row
  p.readout_level = 0;
  ReadoutParams rp;
  rp.kind = "adc";
  rp.share = 2;
  rp.conversion_cycles = 1;
  rp.adder_cycles = 2;
  SECTION("lossless leaves") {
    auto readout = make_readout(rp, p);
    REQUIRE(readout->resolution_bits() == 5);  // 17 levels (0..16 counts) need 5 bits
    REQUIRE(readout->lossless());
    Rig rig(p, rp);
    Driver& drv = rig.drv;
    // Columns 0, 2, 3 store 1 on every row; column 1 only on leaf 0 (rows 0-15); columns 4-7
    // store 0 (group 1 is gated by its weights).
    drv.bits.assign(256 * 8, 0);
    for (int c : {0, 2, 3})
      for (int r = 0; r < 256; ++r) drv.bits[std::size_t(c * 256 + r)] = 1;
    for (int r = 0; r < 16; ++r) drv.bits[std::size_t(1 * 256 + r)] = 1;
    drv.needed.assign(8, 1);
    // Inputs on rows 0, 1, 2 (leaf 0), 40, 41 (leaf 2) and 255 (leaf 15).
    BitVec a(256);
    for (int r : {0, 1, 2, 40, 41, 255}) a.set(std::size_t(r), true);
    drv.inputs = {a};
    sc_core::sc_start();
    CHECK(drv.outs[0] == std::vector<int64_t>{6, 3, 6, 6, 0, 0, 0, 0});
    const MacroCounters& c = rig.macro.stats();
    // Active domains: leaves 0, 2, 15 of group 0. Each of group 0's 4 columns is converted at
    // those 3 leaves (column 1 too: its domains are active), never at the other 13: 12
    // conversions, where a root read-out converts 4 columns once each.
    CHECK(c[Act::AdcConversion] == 12);
    // Summing 3 leaf results takes 2 adds of 5 + log2(16) = 9 bits per column: 4 x 18.
    CHECK(c[Act::AdderTreeBit] == 4 * 2 * 9);
    // Only the leaf segments exist: 3 active leaves x 4 columns precharged, nothing merged.
    CHECK(c.precharge[0] == 12);
    CHECK(c.precharge[1] == 0);
    CHECK(c.merge[0] == 0);
    // Cycles: precharge 1 + evaluate 1 + no merge + each leaf's converters read 2 columns
    // (2 x 1) + the adder tree 2 + write-out 1 = 7.
    CHECK(drv.op_cycles == std::vector<uint64_t>{7});
    CHECK(c[Stat::StallReadout] == 1);
  }
  SECTION("a lossy leaf converter quantises each leaf's count before the sum") {
    rp.bits = 2;  // 3 steps over a leaf's 16 rows
    REQUIRE_FALSE(make_readout(rp, p)->lossless());
    Rig rig(p, rp);
    Driver& drv = rig.drv;
    drv.bits.assign(256 * 8, 0);
    for (int r = 0; r < 256; ++r) drv.bits[std::size_t(r)] = 1;  // column 0 only
    drv.needed.assign(8, 1);
    BitVec a(256);
    for (int r : {0, 1, 2, 40, 41, 255}) a.set(std::size_t(r), true);
    drv.inputs = {a};
    sc_core::sc_start();
    // Leaf 0 counts 3: code round(3 x 3 / 16) = 1 -> round(16 / 3) = 5; leaf 2 counts 2 and leaf
    // 15 counts 1: code 0. Sum 5 (a 2-bit read-out of all 256 rows would give 0).
    CHECK(drv.outs[0][0] == 5);
  }
  SECTION("a gating domain above the read-out level: every leaf of an active domain is read") {
    p.gating_level = 1;  // one domain spans all 256 rows
    Rig rig(p, rp);
    Driver& drv = rig.drv;
    drv.bits.assign(256 * 8, 1);
    drv.needed = {1, 1, 1, 1, 0, 0, 0, 0};
    BitVec a(256);
    a.set(3, true);
    drv.inputs = {a};
    sc_core::sc_start();
    const MacroCounters& c = rig.macro.stats();
    // Group 0's domain is active: its 16 leaves x 4 columns are precharged and converted;
    // nothing above the leaves is built.
    CHECK(c[Act::AdcConversion] == 16 * 4);
    CHECK(c.precharge[0] == 16 * 4);
    CHECK(c.precharge[1] == 0);
    CHECK(c[Act::AdderTreeBit] == 4 * 15 * 9);
    CHECK(drv.outs[0] == std::vector<int64_t>{1, 1, 1, 1, 0, 0, 0, 0});
  }
}

TEST_CASE("a read-out level between the gating level and the root", "[macro][readout]") {
  // 16 rows, [4, 2, 2]: leaves of 4 rows are the gating domains (x 4 columns); the read-outs sit
  // on the 2 level-1 nodes of 8 rows; the root is not built.
  const test::Context context;
  MacroParams p = small_macro();
  p.hierarchy = {4, 2, 2};
  p.readout_level = 1;
  ReadoutParams rp;
  rp.share = 2;
  rp.conversion_cycles = 1;
  rp.adder_cycles = 2;
  REQUIRE(make_readout(rp, p)->resolution_bits() == 4);  // 0..8 counts
  Rig rig(p, rp);
  Driver& drv = rig.drv;
  drv.bits.assign(16 * 8, 0);
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 16; ++r) drv.bits[std::size_t(c * 16 + r)] = 1;
  drv.needed.assign(8, 1);
  BitVec a(16);
  a.set(0, true);  // leaf 0 (node 0)
  a.set(9, true);  // leaf 2 (node 1)
  drv.inputs = {a};
  sc_core::sc_start();
  CHECK(drv.outs[0] == std::vector<int64_t>{2, 2, 2, 2, 0, 0, 0, 0});
  const MacroCounters& c = rig.macro.stats();
  // Active domains (leaf 0, group 0) and (leaf 2, group 0): 2 x 4 leaf precharges; both level-1
  // nodes have an active leaf: 2 x 4; the root is not built; each leaf merges into its node.
  CHECK(c.precharge[0] == 8);
  CHECK(c.precharge[1] == 8);
  CHECK(c.precharge[2] == 0);
  CHECK(c.merge[0] == 8);
  CHECK(c.merge[1] == 0);
  // 4 columns x 2 nodes converted; one add of 4 + 1 bits per column.
  CHECK(c[Act::AdcConversion] == 8);
  CHECK(c[Act::AdderTreeBit] == 4 * 5);
  // precharge 1 + evaluate 1 + one merge 1 + 2 columns per converter 2 + adder 2 + write-out 1.
  CHECK(drv.op_cycles == std::vector<uint64_t>{8});
}

TEST_CASE("row ranges that cross a 64-bit word count and sum the right cells", "[macro]") {
  CellArray cells(160, 2, 16, 1);
  std::vector<uint8_t> bits(160 * 2, 0), needed(2, 1);
  BitVec in(160);
  std::vector<float> delta(160);
  for (int r = 0; r < 160; ++r) {
    bits[std::size_t(r)] = (r % 3) != 0;       // column 0
    bits[std::size_t(160 + r)] = (r % 5) == 0;  // column 1
    in.set(std::size_t(r), (r % 2) == 0);
    delta[std::size_t(r)] = float(r) * 0.25f;
  }
  cells.store(pack_columns(bits, 160, 2), needed);
  for (auto [r0, r1] : {std::pair<int64_t, int64_t>{60, 70}, {0, 160}, {63, 65}, {64, 128}, {100, 150}, {5, 5}}) {
    for (int64_t c = 0; c < 2; ++c) {
      int64_t want = 0;
      double sum = 0;
      for (int64_t r = r0; r < r1; ++r)
        if (bits[std::size_t(c * 160 + r)] && (r % 2) == 0) {
          ++want;
          sum += double(delta[std::size_t(r)]);
        }
      INFO("rows " << r0 << ".." << r1 << " column " << c);
      CHECK(cells.and_popcount_rows(c, in.data(), r0, r1) == want);
      CHECK(cells.and_sum(c, in.data(), r0, r1, delta.data()) == Approx(sum));
    }
  }
}

TEST_CASE("divider and xnor cells count k (n - k) / n of the cells driving each read-out node", "[macro][readout]") {
  // Column 0 stores 1 in row 0, column 1 in rows 0 and 1, columns 2-7 store 0; the input drives
  // rows 0, 1, 2 (leaf 0). Only domain (leaf 0, columns 0-3) is active (the others have no input
  // or store only zeros), so each of columns 0-3 reads the 4 rows of leaf 0 at the root.
  auto units = [](const std::string& cell, int64_t share = 1) {
    const test::Context context;
    MacroParams p = small_macro();
    p.cell = cell;
    ReadoutParams rp;
    rp.share = share;
    Rig rig(p, rp);
    rig.drv.bits.assign(16 * 8, 0);
    rig.drv.bits[0 * 16 + 0] = 1;
    rig.drv.bits[1 * 16 + 0] = rig.drv.bits[1 * 16 + 1] = 1;
    rig.drv.needed.assign(8, 1);
    BitVec a(16);
    for (int r : {0, 1, 2}) a.set(std::size_t(r), true);
    rig.drv.inputs = {a};
    sc_core::sc_start();
    CHECK(rig.drv.outs[0] == std::vector<int64_t>{1, 2, 0, 0, 0, 0, 0, 0});  // the function is the AND count either way
    return rig.macro.stats()[Act::DividerUnits];
  };
  // AND cells have no static path.
  CHECK(units("and") == 0);
  // The rows stay on for the evaluate (1 cycle) and the merge into the root (1 cycle); with a
  // converter per column every column is sampled as the read-out starts: 2 cycles.
  // Divider: the 3 driven rows pull up where they store 1. Column 0: k = 1 of n = 3 -> 2/3;
  // column 1: k = 2 -> 2/3; columns 2, 3: k = 0, nothing pulls up, no current.
  const double unit = double(kDividerUnit);
  const uint64_t third2 = uint64_t(std::llround(unit * 2.0 / 3.0));
  CHECK(units("divider") == 2 * third2 * 2);
  // XNOR: all 4 rows of the active domain drive, up on a match of input (1,1,1,0) and stored bit.
  // Column 0 (1,0,0,0): 2 matches -> 2 x 2 / 4 = 1; column 1 (1,1,0,0): 3 -> 3/4; columns 2, 3
  // (0,0,0,0): 1 match -> 3/4 each. Sum 3.25.
  CHECK(units("xnor") == uint64_t(std::llround(unit * 1.0) + 3 * std::llround(unit * 0.75)) * 2);
  // Four columns per converter: columns 0-3 share one, sampled one after another, so the rows
  // stay on 3 more conversion cycles until column 3 is sampled: 5 cycles.
  CHECK(units("xnor", 4) == uint64_t(std::llround(unit * 1.0) + 3 * std::llround(unit * 0.75)) * 5);
}

TEST_CASE("pulse-count inputs: each driven row's generator steps once per pulse", "[macro][readout]") {
  // Two bit planes applied as pulse trains (analog accumulation): plane 0 gives 1 pulse per 1,
  // plane 1 gives 2. Column 0 stores 1 in rows 0-3 (so leaf 0's domain with columns 0-3 is active).
  // Plane 0 has rows 0, 1; plane 1 has rows 1, 2, and row 6 (leaf 1, whose domains store only
  // zeros and stay gated): driven pulses 1 + 1 + 2 + 2 = 6 on leaf 0, none on leaf 1.
  const test::Context context;
  MacroParams p = small_macro();
  ReadoutParams rp;
  rp.share = 1;
  rp.bits = 8;
  Rig rig(p, rp);
  rig.drv.bits.assign(16 * 8, 0);
  for (int r = 0; r < 4; ++r) rig.drv.bits[std::size_t(r)] = 1;
  rig.drv.needed.assign(8, 1);
  BitVec a(16), b(16);
  a.set(0, true);
  a.set(1, true);
  b.set(1, true);
  b.set(2, true);
  b.set(6, true);
  rig.drv.inputs = {a, b};
  rig.drv.as_planes = true;
  sc_core::sc_start();
  const MacroCounters& c = rig.macro.stats();
  CHECK(c[Act::InputPulse] == 6);
  // The word line carries every pulse: 6 pulses x 4 columns of the active domain.
  CHECK(c[Act::InputLineCell] == 24);
}
