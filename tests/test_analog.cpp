// The read-out's non-idealities (arch.analog.noise, docs/analog.md): the noise statistics, kT/C
// by hand, chip instances drawn from the seed, a converter offset through a macro, and the noisy
// pass beside the exact path in a run.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/cim_macro.hpp"
#include "helpers.hpp"
#include "power/report.hpp"
#include "power/tech.hpp"
#include "sim/config.hpp"
#include "sim/driver.hpp"
#include "workloads/bundle.hpp"

using namespace cimsim;

TEST_CASE("a read-out decision with Gaussian noise errs at the rate of the Gaussian tail", "[analog]") {
  // A lossless read-out of a count of 3 with 0.5 LSB of noise reads 3 unless |noise| > 0.5 LSB,
  // i.e. beyond one sigma: probability erfc(1 / sqrt(2)) = 0.3173.
  NoiseParams p;
  p.on = true;
  p.comparator_lsb = 0.5;
  ReadNoise noise(p, "macro", 1, 1);
  ReadoutParams rp;
  auto readout = make_readout(rp, 16);
  REQUIRE(readout->lossless());
  const int n = 200000;
  int wrong = 0, high = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t v = readout->read_analog(3.0 + noise.dynamic());
    wrong += v != 3;
    high += v > 3;
  }
  const double rate = std::erfc(1.0 / std::sqrt(2.0));
  const double se = std::sqrt(rate * (1 - rate) / n);
  CHECK(std::fabs(double(wrong) / n - rate) < 3 * se);
  // Symmetric: half of the errors read high.
  const double se_half = std::sqrt(rate / 2 * (1 - rate / 2) / n);
  CHECK(std::fabs(double(high) / n - rate / 2) < 3 * se_half);
}

TEST_CASE("kT/C noise of the read-out node, worked by hand", "[analog][tech]") {
  // 1.380649e-23 J/K x 300 K / 101.592 fF = 4.0770e-8 V^2: 0.2019 mV rms. 101.592 fF is the
  // default [16, 4, 4] column merged at its root (docs/tech.md), whose count signal is 1.6863 mV.
  CHECK(thermal_noise_mv(101.592) == Approx(0.20192).epsilon(1e-4));
  CHECK(thermal_noise_mv(1.0) == Approx(2.0352).epsilon(1e-4));
  RunConfig cfg = load_config(default_config_path(), {"", "", {"arch.analog.noise=on"}});
  const MacroParams& m = cfg.chip.macro;
  CHECK(readout_node_cap_ff(cfg.tech, m) == Approx(101.592).epsilon(1e-4));
  CHECK(m.noise.thermal_lsb == Approx(0.20192 / 1.68628).epsilon(1e-3));
  // The comparator's 1.0 mV and its offset sigma in counts of the same signal.
  CHECK(m.noise.comparator_lsb == Approx(cfg.tech[Tech::ComparatorNoise] / 1.68628).epsilon(1e-3));
  CHECK(m.noise.offset_lsb == Approx(cfg.tech[Tech::ComparatorOffset] / 1.68628).epsilon(1e-3));
  CHECK(m.noise.cell_sigma == cfg.tech[Tech::CellSigma]);
  // At the leaf the node is one 16-cell segment with the read-out input (4.552 fF) and a count
  // moves 1/16 of its swing: 62.5 mV per count, 0.954 mV of kT/C noise.
  cfg = load_config(default_config_path(), {"", "", {"arch.analog.noise=on", "arch.readout.level=0"}});
  CHECK(cfg.chip.macro.noise.thermal_lsb == Approx(thermal_noise_mv(16 * 0.1595 + 2.0) / 62.5).epsilon(1e-3));
  // Charge-domain cells: capacitor mismatch scales as 1 / sqrt(C).
  cfg = load_config(default_config_path(), {"", "", {"arch.analog.noise=on", "arch.macro.cell_cap_ff=4"}});
  CHECK(cfg.chip.macro.noise.cell_sigma == Approx(cfg.tech[Tech::CapMismatch] / 2.0));
}

TEST_CASE("a chip instance is drawn from the seed: same seed, same offsets and mismatch", "[analog][determinism]") {
  NoiseParams p;
  p.on = true;
  p.offset_lsb = 2.0;
  p.cell_sigma = 0.1;
  p.seed = 7;
  const ReadNoise a(p, "chip.cim1x1_0", 32, 1024), b(p, "chip.cim1x1_0", 32, 1024), other(p, "chip.cim1x1_1", 32, 1024);
  p.seed = 8;
  const ReadNoise c(p, "chip.cim1x1_0", 32, 1024);
  int same = 0, differ_seed = 0, differ_macro = 0;
  double sum2 = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    same += a.offset(i) == b.offset(i);
    differ_seed += a.offset(i) != c.offset(i);
    differ_macro += a.offset(i) != other.offset(i);
    sum2 += a.offset(i) * a.offset(i);
  }
  CHECK(same == 32);
  CHECK(differ_seed == 32);
  CHECK(differ_macro == 32);
  CHECK(std::sqrt(sum2 / 32) == Approx(2.0).epsilon(0.35));  // the drawn offsets have about the set sigma
  for (std::size_t i = 0; i < 1024; ++i) REQUIRE(a.cell_deltas()[i] == b.cell_deltas()[i]);
  CHECK(a.cell_deltas()[0] != c.cell_deltas()[0]);
}

namespace {
struct OneOp : sc_core::sc_module {
  sc_core::sc_port<MacroIf> macro;
  std::vector<int64_t> out = std::vector<int64_t>(8);
  sc_core::sc_time period;
  SC_HAS_PROCESS(OneOp);
  OneOp(sc_core::sc_module_name n, sc_core::sc_time p) : sc_module(n), macro("macro"), period(p) { SC_THREAD(run); }
  void run() {
    // Column c stores 1 on rows 0..2c; the input drives every row: counts 1, 3, 5, ..., 15.
    std::vector<uint8_t> bits(16 * 8, 0), needed(8, 1);
    for (int c = 0; c < 8; ++c)
      for (int r = 0; r <= 2 * c; ++r) bits[std::size_t(c * 16 + r)] = 1;
    wait(period * double(macro->write_weights(bits, 16, 8, needed)));
    BitVec x(16);
    for (int r = 0; r < 16; ++r) x.set(std::size_t(r), true);
    macro->operate(x.data(), out);
  }
};
// One 16-row, 8-column macro of a single segment and gating domain per column group, noise on.
MacroParams one_segment_macro() {
  MacroParams p;
  p.rows = 16;
  p.cols = 8;
  p.hierarchy = {16};
  p.gating_level = 0;
  p.gate_cols = 8;
  p.noise.on = true;
  return p;
}
}  // namespace

TEST_CASE("a converter's offset shifts every column it reads by the same rounded amount", "[analog][macro]") {
  const test::Context context;
  MacroParams p = one_segment_macro();
  p.noise.offset_lsb = 1.3;  // sigma; the drawn offset is what the test reads back
  ReadoutParams rp;
  rp.share = 4;  // two converters: columns 0-3 and 4-7
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, rp, period);
  OneOp drv("drv", period);
  drv.macro.bind(macro.op_target);
  sc_core::sc_start();
  // The offsets the macro drew (same name, seed and sizes: the same chip instance).
  const ReadNoise chip(p.noise, "macro", 2, 16 * 8);
  for (int c = 0; c < 8; ++c) {
    const int64_t exact = 2 * c + 1;
    // Clipped to the read-out's full scale, the 16 rows.
    const int64_t want = std::llround(std::clamp(double(exact) + chip.offset(std::size_t(c / 4)), 0.0, 16.0));
    CHECK(drv.out[std::size_t(c)] == want);
  }
  const MacroCounters& k = macro.stats();
  CHECK(k[Stat::ReadChecks] == 8);
  const int64_t shift0 = std::llround(chip.offset(0)), shift1 = std::llround(chip.offset(1));
  CHECK(int64_t(k[Stat::ReadErrSq]) == 4 * shift0 * shift0 + 4 * shift1 * shift1);
}

TEST_CASE("droop: a node leaks by its stored ones for as long as it waits for its shared converter", "[analog][macro]") {
  const test::Context context;
  MacroParams p = one_segment_macro();
  p.cycles.evaluate = 1;
  p.noise.droop_lsb_ns = 0.05;  // counts per stored 1 per ns; no other error
  ReadoutParams rp;
  rp.share = 4;  // columns 0-3 and 4-7, converted in turn, 1 cycle each
  const sc_core::sc_time period(2, sc_core::SC_NS);
  CimMacro macro("macro", p, rp, period);
  OneOp drv("drv", period);
  drv.macro.bind(macro.op_target);
  sc_core::sc_start();
  int differ = 0;
  for (int c = 0; c < 8; ++c) {
    // Column c holds 2c + 1 ones (all driven); it is converted after the 1-cycle evaluate and
    // the c % 4 conversions before it: (1 + c % 4) x 2 ns.
    const int64_t exact = 2 * c + 1;
    const double droop = 0.05 * (2.0 * (1 + c % 4)) * double(exact);
    const int64_t want = std::llround(std::min(double(exact) + droop, 16.0));
    CHECK(drv.out[std::size_t(c)] == want);
    differ += want != exact;
  }
  CHECK(differ >= 6);  // the rule shows: only column 0 (0.1 counts) and a clipped column read exact
  // From the technology: I_off x W_and over the charge of one count at the default root.
  const RunConfig cfg = load_config(default_config_path(), {"", "", {"arch.analog.noise=on"}});
  CHECK(cfg.chip.macro.noise.droop_lsb_ns ==
        Approx(cfg.tech[Tech::OffCurrentN] * cfg.tech[Tech::AndWidth] / (1.68628e-3 * 101.592)).epsilon(1e-3));
}

TEST_CASE("noise on: the exact path is unchanged and the noisy pass is reported beside it", "[analog][report]") {
  const RunConfig off = load_config(default_config_path(), {"", "", {"run.samples=60"}});
  const Workload w = load_workload(off.workload_dir, 60);
  const RunResult a = simulate(off, w);
  const RunConfig on = load_config(default_config_path(), {"", "", {"run.samples=60", "arch.analog.noise=on"}});
  const RunResult b = simulate(on, w);
  CHECK(b.report.energy_pj == a.report.energy_pj);
  CHECK(b.report.cycles == a.report.cycles);
  CHECK(b.report.function.outputs_match_reference);
  CHECK_FALSE(a.report.function.noise.has_value());
  REQUIRE(b.report.function.noise.has_value());
  const auto& n = *b.report.function.noise;
  CHECK(n.reads.reads > 0);
  // At the root of 256 rows one count is 1.69 mV: the comparator's offset alone is several LSB,
  // so most reads are off.
  CHECK(n.reads.reads_wrong > n.reads.reads / 2);
  // Read at the leaves (62.5 mV per count) the same circuits get far fewer reads wrong.
  const RunConfig leaf =
      load_config(default_config_path(), {"", "", {"run.samples=60", "arch.analog.noise=on", "arch.readout.level=0"}});
  const RunResult c = simulate(leaf, w);
  const auto& nl = *c.report.function.noise;
  CHECK(double(nl.reads.reads_wrong) / double(nl.reads.reads) < 0.5 * double(n.reads.reads_wrong) / double(n.reads.reads));
  CHECK(nl.reads.sigma_lsb < n.reads.sigma_lsb);
  // Same seed, same report; another seed, another chip.
  const RunResult again = simulate(on, w);
  CHECK(report_json(again.report) == report_json(b.report));
  const RunConfig seed2 = load_config(default_config_path(), {"", "", {"run.samples=60", "arch.analog.noise=on", "arch.analog.seed=2"}});
  const RunResult d = simulate(seed2, w);
  CHECK(d.report.function.noise->reads.sigma_lsb != n.reads.sigma_lsb);
  // Digital popcount read-outs see no analog error.
  const RunConfig dig = load_config(default_config_path(), {"", "", {"run.samples=60", "arch.analog.noise=on", "arch.readout.kind=digital"}});
  const RunResult e = simulate(dig, w);
  CHECK(e.report.function.noise->reads.reads == 0);
  CHECK(e.report.function.noise->outputs_match_reference);
}

TEST_CASE("Monte Carlo over chip instances: instance i is the chip of seed + i", "[analog][determinism]") {
  const RunConfig mc = load_config(default_config_path(), {"", "", {"run.samples=40", "arch.analog.noise=on", "arch.analog.chips=3",
                                                                    "arch.analog.seed=5"}});
  const Workload w = load_workload(mc.workload_dir, 40);
  const RunResult r = simulate(mc, w);
  REQUIRE(r.report.function.noise.has_value());
  const auto& n = *r.report.function.noise;
  REQUIRE(n.chip_accuracy.size() == 3);
  REQUIRE(n.chip_mismatched.size() == 3);
  CHECK(n.chip_accuracy[0] == *n.accuracy);
  for (int i = 1; i < 3; ++i) {
    const RunConfig one = load_config(default_config_path(), {"", "", {"run.samples=40", "arch.analog.noise=on",
                                                                       fmt::format("arch.analog.seed={}", 5 + i)}});
    const RunResult s = simulate(one, w);
    CHECK(n.chip_accuracy[std::size_t(i)] == *s.report.function.noise->accuracy);
    CHECK(n.chip_mismatched[std::size_t(i)] == s.report.function.noise->mismatched_samples);
  }
  const AccuracyStats a = accuracy_stats(n.chip_accuracy);
  CHECK(a.min == *std::min_element(n.chip_accuracy.begin(), n.chip_accuracy.end()));
  CHECK(a.mean == Approx((n.chip_accuracy[0] + n.chip_accuracy[1] + n.chip_accuracy[2]) / 3));
  // The same seed gives the same report, byte for byte.
  CHECK(report_json(simulate(mc, w).report) == report_json(r.report));
}

TEST_CASE("accuracy statistics over chips: mean, sample sigma, minimum", "[analog]") {
  const AccuracyStats a = accuracy_stats({0.8, 0.9, 0.7});
  CHECK(a.mean == Approx(0.8));
  CHECK(a.sigma == Approx(0.1));  // sqrt((0.01 + 0.01 + 0) / 2)
  CHECK(a.min == 0.7);
}

TEST_CASE("a percentile of the counts read, worked by hand", "[analog][range]") {
  // Conversions: 5 read 0, 3 read 1, 2 read 2.
  const std::vector<uint64_t> h = {5, 3, 2};
  CHECK(percentile_count(h, 50) == 0);
  CHECK(percentile_count(h, 50.1) == 1);
  CHECK(percentile_count(h, 80) == 1);
  CHECK(percentile_count(h, 80.1) == 2);
  CHECK(percentile_count(h, 100) == 2);
  CHECK(percentile_count({}, 99) == 0);
  CHECK(percentile_count({0, 0, 4, 0}, 100) == 2);  // the largest count read, not the histogram's size
}

TEST_CASE("a range derived from the data: the 100th percentile is the largest count, exactly enough", "[analog][range]") {
  const std::vector<std::string> base = {"run.samples=40", "arch.readout.range_samples=40"};
  auto with = [&](std::vector<std::string> more) {
    more.insert(more.begin(), base.begin(), base.end());
    return load_config(default_config_path(), {"", "", more});
  };
  const RunConfig p100 = with({"arch.readout.range_percentile=100"});
  const Workload w = load_workload(p100.workload_dir, 40);
  const RunResult a = simulate(p100, w);
  const int64_t range = a.report.arch.readout_range;
  CHECK(a.report.arch.range_percentile == 100);
  CHECK(a.report.arch.range_samples == 40);
  // Calibrated on the same samples, the largest count read: the outputs are exact, with fewer
  // bits than the 256 rows need.
  CHECK(range > 0);
  CHECK(range < 256);
  CHECK(a.report.arch.readout_bits == lossless_bits(range));
  CHECK(a.report.arch.readout_bits < 9);
  CHECK(a.report.function.outputs_match_reference);
  // It is the largest count any conversion reads over the samples (a tight clip level).
  ChipParams chip = p100.chip;
  chip.readout.range_percentile = 0;
  chip.readout.collect_counts = true;
  std::vector<std::vector<double>> inputs;
  for (int64_t s = 0; s < 40; ++s)
    inputs.emplace_back(w.inputs.begin() + s * w.net.input_numel(), w.inputs.begin() + (s + 1) * w.net.input_numel());
  const ChipOutcome o = run_chip(chip, w.net, inputs);
  int64_t largest = 0;
  for (std::size_t c = 0; c < o.count_histogram.size(); ++c)
    if (o.count_histogram[c] > 0) largest = int64_t(c);
  CHECK(largest == range);
  // The same clip level set by hand gives the same run; a lower percentile clips lower.
  const RunResult hand = simulate(with({fmt::format("arch.readout.range={}", range)}), w);
  CHECK(hand.report.energy_pj == a.report.energy_pj);
  CHECK(hand.chip.outputs == a.chip.outputs);
  const RunResult p50 = simulate(with({"arch.readout.range_percentile=50"}), w);
  CHECK(p50.report.arch.readout_range < range);
  CHECK_THROWS_WITH(with({"arch.readout.range_percentile=50", "arch.readout.range=100"}),
                    Catch::Contains("not both"));
}

TEST_CASE("binary activations flipped by the noise: none without error, counted against the exact chip", "[analog][flips]") {
  const std::vector<std::string> quiet = {"run.samples=30", "arch.analog.noise=on", "arch.tech.comparator_noise=0",
                                          "arch.tech.comparator_offset=0", "arch.tech.cell_sigma=0", "arch.tech.off_current_n=0",
                                          "arch.readout.level=0"};  // kT/C of a leaf: 0.015 LSB
  const RunConfig q = load_config(default_config_path(), {"", "", quiet});
  const Workload w = load_workload(q.workload_dir, 30);
  // Without any error but kT/C (33 sigma from a wrong read) the noisy chip is the exact one: no read off, no activation flipped.
  const RunResult a = simulate(q, w);
  const auto& na = *a.report.function.noise;
  CHECK(na.reads.reads > 0);
  CHECK(na.reads.reads_wrong == 0);
  CHECK(na.flip_samples == 30);
  CHECK(na.flipped == 0.0);
  int binarized = 0;
  for (const auto& l : a.report.layers) {
    const bool bin = std::any_of(w.net.layers.begin(), w.net.layers.end(),
                                 [&](const LayerSpec& L) { return L.name == l.name && L.binarized; });
    CHECK(l.flipped.has_value() == bin);
    binarized += bin;
    if (l.flipped) CHECK(*l.flipped == 0.0);
  }
  CHECK(binarized == 2);
  // With the default errors: the share is the XOR of the two chips' binary outputs.
  const RunConfig on = load_config(default_config_path(), {"", "", {"run.samples=30", "arch.analog.noise=on"}});
  const RunResult b = simulate(on, w);
  std::vector<std::vector<double>> inputs;
  for (int64_t s = 0; s < 30; ++s)
    inputs.emplace_back(w.inputs.begin() + s * w.net.input_numel(), w.inputs.begin() + (s + 1) * w.net.input_numel());
  ChipParams exact = on.chip, noisy = on.chip;
  exact.macro.noise.on = false;
  exact.record_samples = noisy.record_samples = 30;
  const ChipOutcome e = run_chip(exact, w.net, inputs), n = run_chip(noisy, w.net, inputs);
  uint64_t flips = 0, outputs = 0;
  for (std::size_t i = 0; i < e.run.layers.size(); ++i) {
    const auto& x = e.run.layers[i].out_bits;
    const auto& y = n.run.layers[i].out_bits;
    REQUIRE(x.size() == y.size());
    uint64_t f = 0;
    for (std::size_t k = 0; k < x.size(); ++k) f += uint64_t(__builtin_popcountll(x[k] ^ y[k]));
    if (x.empty()) continue;
    CHECK(*b.report.layers[i].flipped == Approx(double(f) / double(30 * e.run.layers[i].out_numel)));
    flips += f;
    outputs += 30 * e.run.layers[i].out_numel;
  }
  CHECK(flips > 0);
  CHECK(b.report.function.noise->flipped == Approx(double(flips) / double(outputs)));
}
