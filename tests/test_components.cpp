// The chip's components and the schedule, each rule against a hand-worked figure: buffer ports
// shared by macros, the vector unit, partial sums in accumulators or spilled, overlapping steps,
// the all-digital macro, and parameters declared once.
#include <catch2/catch.hpp>

#include <fstream>

#include "arch/dcim_macro.hpp"
#include "arch/macro_kinds.hpp"
#include "helpers.hpp"
#include "sim/config_reference.hpp"
#include "sim/driver.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;

namespace {

const LayerRun& step(const ChipRun& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.name == name) return l;
  FAIL("no step " << name);
  return r.layers.front();
}

void check_outputs(const Network& net, const std::vector<std::vector<double>>& x, const ChipRun& run) {
  const std::size_t n = std::size_t(net.output_numel());
  for (std::size_t s = 0; s < x.size(); ++s) {
    const auto ref = reference_forward(net, x[s]);
    for (std::size_t i = 0; i < n; ++i) CHECK(run.outputs[s * n + i] == ref[i]);
  }
}

// A 16 x 8 macro, bit line [4, 4], domains of 4 rows x 4 columns, ADCs shared by 2 columns:
// an operation takes precharge 1 + evaluate 1 + merge 1 + write-out 1 + read-out 2 = 6 cycles.
ChipParams small_chip() {
  ChipParams c;
  c.macro.rows = 16;
  c.macro.cols = 8;
  c.macro.hierarchy = {4, 4};
  c.macro.gate_cols = 4;
  c.readout.share = 2;
  c.macros["cim3x3"] = 0;
  return c;
}

}  // namespace

TEST_CASE("macros sharing one input buffer port take at least total bits / width cycles", "[components][buffer]") {
  // A dense 64 -> 8 layer on 16-row macros: 4 row tiles, one per macro (all loaded, so partial
  // sums meet in the accumulators). Every operation reads its 16 input bits through the port.
  std::mt19937 rng(3);
  test::NetBuilder b({64}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, true, rng);
  const auto x = test::random_inputs(b.net, 20, 0.5, rng);
  ChipParams chip = small_chip();
  chip.macros["cim1x1"] = 4;
  chip.input_buffer.width_bits = 4;
  const ChipRun narrow = run_chip(chip, b.net, x).run;
  check_outputs(b.net, x, narrow);
  const LayerRun& l = step(narrow, "layer0");
  CHECK(l.counters[Act::BufferReadBit] == 20 * 64);
  // 20 samples x 64 bits through 4 bits per cycle: at least 320 cycles after the weights
  // (16 rows written after 2 cycles of wake-up), however the four macros interleave. Here the
  // port is busy from cycle 18 to 338 without a gap (each macro's 6-cycle operations hide under
  // the others' transfers); the last sample's 8 output bits take one more cycle.
  CHECK(l.cycles >= 18 + 20 * 64 / 4);
  CHECK(l.cycles == 18 + 20 * 64 / 4 + 1);
  CHECK(l.counters[Stat::StallBuffer] > 0);
  // With a port wide enough the macros work in parallel: 20 operations of 6 cycles each, the
  // wake-ups of gated domains, and the last output write.
  chip.input_buffer.width_bits = 256;
  const ChipRun wide = run_chip(chip, b.net, x).run;
  const LayerRun& w = step(wide, "layer0");
  CHECK(w.counters[Stat::StallBuffer] == 0);
  CHECK(w.cycles <= 18 + 20 * 6 + 20 * 2 + 1);
  CHECK(wide.outputs == narrow.outputs);
}

TEST_CASE("the default workload on four macros behind a 4-bit input buffer", "[components][buffer]") {
  // 300 samples x 784 input bits of the first dense layer through a 4-bit port: >= 58,800 cycles.
  RunConfig cfg = load_config(default_config_path(),
                              {"", "", {"arch.macros.cim1x1=4", "arch.buffers.input.width_bits=4"}});
  const Workload w = load_workload(cfg.workload_dir, cfg.samples);
  const RunResult r = simulate(cfg, w);
  for (const auto& l : r.report.layers)
    if (l.name == "/fcs.0/MatMul") CHECK(l.cycles >= 300 * 784 / 4);
  CHECK(r.report.function.outputs_match_reference);
}

TEST_CASE("a digital step streams its elements through the vector unit and the buffer ports", "[components][digital]") {
  // A 3x3 convolution with real outputs (16-bit operands), then a 2x2 average pool of its
  // 4 x 6 x 6 output: 144 elements per sample.
  std::mt19937 rng(9);
  test::NetBuilder b({2, 8, 8}, ValueKind::Bits);
  b.layer(LayerKind::Conv3x3, 4, BitCode::Signed, 1, false, rng);
  b.pool(DigitalOp::AvgPool, 2, 2);
  const auto x = test::random_inputs(b.net, 5, 0.5, rng);
  ChipParams chip = small_chip();
  chip.macro.rows = 32;
  chip.macro.hierarchy = {4, 8};
  chip.macros["cim3x3"] = 1;
  chip.overlap = false;  // the pool alone, after the convolution
  chip.digital_lanes = 16;
  chip.input_buffer.width_bits = 1 << 20;
  chip.output_buffer.width_bits = 1 << 20;
  const ChipRun run = run_chip(chip, b.net, x).run;
  check_outputs(b.net, x, run);
  const LayerRun& pool = run.layers.back();
  // 144 elements / 16 lanes = 9 cycles per sample, 5 samples; each sample's buffer traffic takes
  // one cycle of the (very wide) ports, within the 9.
  CHECK(pool.cycles == 5 * 9);
  CHECK(pool.counters[Act::DigitalAddBit] == 5 * 144 * 16);
  CHECK(pool.counters[Act::BufferReadBit] == 5 * 144 * 16);
  CHECK(pool.counters[Act::BufferWriteBit] == 5 * 36 * 16);
  // A 64-bit input port: 2304 bits per sample take 36 cycles; the step waits 27 per sample.
  chip.input_buffer.width_bits = 64;
  const ChipRun slow = run_chip(chip, b.net, x).run;
  CHECK(slow.layers.back().cycles == 5 * 36);
  CHECK(slow.layers.back().counters[Stat::StallBuffer] == 5 * 27);
}

TEST_CASE("partial sums stay in the accumulators unless row tiles must take turns on a macro", "[components][psum]") {
  // Dense 40 -> 20 on 16 x 8 macros: 3 row tiles (16, 16, 8 rows) x 3 column tiles (8, 8, 4).
  // Accumulator width: a dot product over 40 rows spans [-40, 40]: 7 bits.
  std::mt19937 rng(4);
  test::NetBuilder b({40}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 20, BitCode::Signed, 1, true, rng);
  const auto x = test::random_inputs(b.net, 6, 0.5, rng);
  ChipParams chip = small_chip();
  const ChipRun one = run_chip(chip, b.net, x).run;  // one macro: the tiles take turns
  check_outputs(b.net, x, one);
  const LayerRun& l1 = step(one, "layer0");
  // Per sample and column tile of nc outputs: row tiles 0 and 1 spill nc x 7 bits, tiles 1 and
  // 2 read them back: 2 x (8 + 8 + 4) x 7 = 280 bits each way. Inputs: 40 bits per column tile.
  // The 20 output bits are written once per sample.
  CHECK(l1.counters[Act::BufferWriteBit] == 6 * (280 + 20));
  CHECK(l1.counters[Act::BufferReadBit] == 6 * (280 + 3 * 40));
  // Nine macros hold every tile at once: the row tiles' sums meet beside the macros.
  chip.macros["cim1x1"] = 9;
  const ChipRun nine = run_chip(chip, b.net, x).run;
  CHECK(nine.outputs == one.outputs);
  CHECK(step(nine, "layer0").counters[Act::BufferWriteBit] == 6 * 20);
  CHECK(step(nine, "layer0").counters[Act::BufferReadBit] == 6 * 3 * 40);
  // Three macros: tiles dealt round-robin put each column block's three row tiles on macros
  // 0, 1, 2 at the same place in their lists, so they run at once and their sums meet too.
  chip.macros["cim1x1"] = 3;
  const ChipRun three = run_chip(chip, b.net, x).run;
  CHECK(three.outputs == one.outputs);
  CHECK(step(three, "layer0").counters[Act::BufferWriteBit] == 6 * 20);
  // Two macros: block 0's third row tile comes second on macro 0, after the others finished
  // their first tile: its sums must wait in the output buffer.
  chip.macros["cim1x1"] = 2;
  const ChipRun two = run_chip(chip, b.net, x).run;
  CHECK(two.outputs == one.outputs);
  CHECK(step(two, "layer0").counters[Act::BufferWriteBit] == 6 * (280 + 20));
  // Weights are read where they come from, the weight path: each of the 9 tiles is written once
  // (the 6 samples are one batch chunk), rows x columns of every tile: 40 x 20 bits.
  CHECK(l1.weight_writes == 9);
  CHECK(l1.counters[Act::WeightReadBit] == 40 * 20);
}

TEST_CASE("overlapping steps: a layer starts on the samples its producer has finished", "[components][schedule]") {
  // A 3x3 convolution (cim3x3 macro) feeding a dense layer (cim1x1 macro): with overlap the
  // dense layer works on sample s while the convolution computes sample s + 1.
  std::mt19937 rng(12);
  test::NetBuilder b({2, 6, 6}, ValueKind::Bits);
  b.layer(LayerKind::Conv3x3, 4, BitCode::Signed, 1, true, rng, 1, 1);
  b.flatten();
  b.layer(LayerKind::Dense, 10, BitCode::Signed, 1, false, rng);
  const auto x = test::random_inputs(b.net, 8, 0.5, rng);
  ChipParams chip;
  chip.macro.rows = 64;
  chip.macro.cols = 16;
  chip.macro.hierarchy = {4, 16};
  chip.macro.gate_cols = 4;
  chip.overlap = false;
  const ChipRun seq = run_chip(chip, b.net, x).run;
  chip.overlap = true;
  const ChipRun ovl = run_chip(chip, b.net, x).run;
  check_outputs(b.net, x, seq);
  CHECK(ovl.outputs == seq.outputs);
  const LayerRun &conv_s = step(seq, "layer0"), &dense_s = step(seq, "layer1");
  const LayerRun &conv_o = step(ovl, "layer0"), &dense_o = step(ovl, "layer1");
  // Sequential: one step after the other, and the run is their sum.
  CHECK(dense_s.start >= conv_s.end);
  uint64_t sum = 0;
  for (const auto& l : seq.layers) sum += l.cycles;
  CHECK(seq.cycles == sum);
  // Overlap: the dense layer starts before the convolution ends, and the run is shorter.
  CHECK(dense_o.start < conv_o.end);
  CHECK(ovl.cycles < seq.cycles);
  // The same operations are counted either way.
  CHECK(ovl.total[Stat::Ops] == seq.total[Stat::Ops]);
  CHECK(ovl.total[Act::AdcConversion] == seq.total[Act::AdcConversion]);
}

namespace {

struct DcimDriver : sc_core::sc_module {
  sc_core::sc_port<MacroIf> macro;
  std::vector<uint8_t> bits, needed;
  BitVec input{16};
  std::vector<int64_t> out = std::vector<int64_t>(4);
  uint64_t write_cycles = 0, op_cycles = 0;
  sc_core::sc_time period;
  SC_HAS_PROCESS(DcimDriver);
  DcimDriver(sc_core::sc_module_name n, sc_core::sc_time p) : sc_module(n), macro("macro"), period(p) { SC_THREAD(run); }
  void run() {
    write_cycles = macro->write_weights(bits, 16, 4, needed);
    wait(period * double(write_cycles));
    op_cycles = macro->operate(input.data(), out);
  }
};

}  // namespace

TEST_CASE("dcim: a digital macro's adder trees, worked by hand", "[components][dcim]") {
  const test::Context context;
  // 16 rows x 4 columns, adder subtrees of 4 rows (4 per column), domains of 4 rows x 2 columns.
  DcimParams p;
  p.rows = 16;
  p.cols = 4;
  p.domain_rows = 4;
  p.gate_cols = 2;
  const sc_core::sc_time period(2, sc_core::SC_NS);
  DcimMacro macro("dcim", p, period);
  DcimDriver drv("drv", period);
  drv.macro.bind(macro.op_target);
  // Columns 0 and 1 store 1 in every row, column 2 stores nothing, column 3 stores 1 in rows 0-3.
  drv.bits.assign(16 * 4, 0);
  for (int c = 0; c < 2; ++c)
    for (int r = 0; r < 16; ++r) drv.bits[std::size_t(c * 16 + r)] = 1;
  for (int r = 0; r < 4; ++r) drv.bits[std::size_t(3 * 16 + r)] = 1;
  drv.needed.assign(4, 1);
  // Inputs on rows 0, 1 (subtree 0) and 5 (subtree 1).
  for (int r : {0, 1, 5}) drv.input.set(std::size_t(r), true);
  sc_core::sc_start();

  CHECK(drv.out == std::vector<int64_t>{3, 3, 0, 2});
  const MacroCounters& c = macro.stats();
  // Active domains (subtree x column group): group 0 has subtrees 0 and 1 (inputs, weights);
  // group 1 only subtree 0 (column 3's weights). 3 of 8 evaluated, 5 gated.
  CHECK(c[Stat::DomainEvals] == 8);
  CHECK(c[Stat::DomainSkips] == 5);
  // Input lines: 2 ones x 2 columns (g0 s0) + 1 x 2 (g0 s1) + 2 x 2 (g1 s0) = 10 gate drives.
  CHECK(c[Act::InputLineCell] == 10);
  // Products of 1: 3 + 3 + 0 + 2.
  CHECK(c[Act::AndEval] == 8);
  // Full adders: a 4-leaf subtree has 2 x 1 + 1 x 2 = 4; above it, level 1 adds two 3-bit sums
  // (3 full adders) and the root two 4-bit sums (4). Group 0's columns: 2 subtrees + the level-1
  // node over them + the root = 8 + 3 + 4 = 15 each; group 1's: 4 + 3 + 4 = 11 each.
  CHECK(adder_tree_fa(4) == 4);
  CHECK(adder_tree_fa(16) == 26);  // 8 x 1 + 4 x 2 + 2 x 3 + 1 x 4, the whole tree
  CHECK(c[Act::AdderTreeBit] == 2 * 15 + 2 * 11);
  CHECK(c[Act::AdcConversion] == 0);
  CHECK(c.precharge.empty());
  // Cycles: the write wakes every domain (2) and writes 16 rows (16); the operation takes one
  // cycle: the pipelined tree accepts one bit plane per cycle.
  CHECK(drv.write_cycles == 18);
  CHECK(drv.op_cycles == 1);
  CHECK(c[Act::CellWrite] == 16 * 4);
}

TEST_CASE("dcim: a chip of digital macros runs a network exactly and prices its adder trees", "[components][dcim]") {
  std::mt19937 rng(21);
  test::NetBuilder b({2, 5, 5}, ValueKind::UInt, BitCode::Unsigned01, 3, 1.0 / 7);
  LayerSpec& L = b.layer(LayerKind::Conv3x3, 6, BitCode::Unsigned01, 2, true, rng, 1, 1);
  for (auto& s : L.scale) s = 1.0 / 7;
  b.flatten();
  b.layer(LayerKind::Dense, 5, BitCode::Signed, 1, false, rng);
  const auto x = test::random_inputs(b.net, 4, 0.5, rng);
  ChipParams chip;
  chip.macros = {{"cim1x1", 0}, {"cim3x3", 0}, {"dcim", 2}};
  auto& d = std::any_cast<DcimParams&>(chip.kind_params.at("dcim"));
  d.rows = 64;
  d.cols = 32;
  const ChipRun run = run_chip(chip, b.net, x).run;
  check_outputs(b.net, x, run);
  for (const auto& l : run.layers) {
    if (l.macro == "periphery") continue;
    CHECK(l.macro == "dcim");
    // One cycle per operation (a bit plane); no conversions, no bit-line precharge.
    CHECK(l.counters[Stat::Ops] > 0);
    CHECK(l.counters[Act::AdcConversion] == 0);
    CHECK(l.counters[Act::AdderTreeBit] > 0);
  }
  // The report prices the dcim's adder-tree bits at the technology's full-adder energy.
  RunConfig cfg = load_config(default_config_path(), {"", "", {"arch.macros.cim1x1=0", "arch.macros.cim3x3=0",
                                                               "arch.macros.dcim=1"}});
  const auto tables = run_prices(cfg, false);
  REQUIRE(tables.front().first == "dcim");
  for (const Price& pr : tables.front().second)
    if (pr.action == "adder_tree_bit") CHECK(pr.pj == Approx(cfg.tech[Tech::DigitalAddBit] * 1e-3));
}

TEST_CASE("every parameter is declared once: defaults, config and docs agree", "[components][config]") {
  // An empty architecture resolves to the declared defaults of a default-made ChipParams.
  const auto dir = test::temp_dir("decl");
  std::ofstream(dir / "run.yaml") << "workload: .\narch: {tech: " << (test::source_dir() / "configs/tech/65nm.yaml").string()
                                  << "}\n";
  const RunConfig cfg = load_config(dir / "run.yaml", {});
  const ChipParams def;
  CHECK(cfg.chip.clock_mhz == def.clock_mhz);
  CHECK(cfg.chip.macro.hierarchy == std::vector<int64_t>{256});
  CHECK(cfg.chip.macro.hierarchy == def.macro.hierarchy);
  CHECK(cfg.chip.readout.share == def.readout.share);
  CHECK(cfg.chip.macros == def.macros);
  CHECK(cfg.chip.overlap == def.overlap);
  CHECK(cfg.chip.weight_buffer.width_bits == def.weight_buffer.width_bits);
  CHECK(cfg.ttfs.window_cycles == TtfsParams().window_cycles);
  CHECK(cfg.ttfs_circuit.comparator_fj == TtfsCircuit().comparator_fj);
  // Every key the reference lists is one the resolved config holds.
  const std::string ref = config_reference();
  for (const char* key : {"arch.ttfs.comparator_fj", "arch.dcim.domain_rows", "arch.schedule", "arch.buffers.weight.width_bits",
                          "arch.macros.dcim", "arch.ttfs.e_rev", "mapping.force"}) {
    CHECK(ref.find(std::string("`") + key + "`") != std::string::npos);
    CHECK(cfg.resolved_yaml.find(std::string(key).substr(std::string(key).rfind('.') + 1) + ":") != std::string::npos);
  }
}

TEST_CASE("docs/config.md holds the reference the declarations generate", "[components][config][docs]") {
  const auto file = test::source_dir() / "docs" / "config.md";
  INFO("docs/config.md is stale: run ./build/cimsim config-reference --write docs/config.md");
  CHECK(with_config_reference(file) == test::slurp(file));
}
