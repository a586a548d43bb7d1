// Sample chunks (run.chunk) and worker processes (--jobs): what a chunked run is (the chunks one
// after another on the chip, resident weights kept, counts added), and that its results do not
// depend on how many workers simulate the chunks.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "arch/analog_noise.hpp"
#include "sim/chunks.hpp"
#include "sim/driver.hpp"
#include "workloads/errors.hpp"

using namespace cimsim;

namespace {

RunConfig config(std::vector<std::string> sets, const std::string& workload = "") {
  return load_config(default_config_path(), {workload, "", std::move(sets)});
}

// simulate() with `workers` worker processes; the setting is restored after.
RunResult run_with(const RunConfig& cfg, const Workload& w, int workers) {
  set_chip_workers(workers);
  RunResult r = simulate(cfg, w);
  set_chip_workers(0);
  return r;
}

uint64_t weight_writes(const ChipRun& r) {
  uint64_t n = 0;
  for (const auto& l : r.layers) n += l.weight_writes;
  return n;
}

}  // namespace

TEST_CASE("sample chunks cover the samples in order, the last one short", "[chunks]") {
  const auto c = sample_chunks(300, 128);
  REQUIRE(c.size() == 3);
  CHECK(c[0].s0 == 0);
  CHECK(c[0].s1 == 128);
  CHECK(c[1].s0 == 128);
  CHECK(c[2].s0 == 256);
  CHECK(c[2].s1 == 300);
  CHECK(c[2].index == 2);
  CHECK(sample_chunks(300, 0).size() == 1);  // 0: all samples in one chunk
  CHECK(sample_chunks(300, 300).size() == 1);
}

TEST_CASE("reports are byte-identical whatever the number of worker processes", "[chunks][determinism]") {
  SECTION("binary network, noise on, two chip instances, reordering on") {
    const RunConfig cfg = config({"run.samples=120", "run.chunk=50", "arch.analog.noise=on", "arch.analog.chips=2",
                                  "mapping.reorder_channels=true"});
    const Workload w = load_workload(cfg.workload_dir, cfg.samples);
    const RunResult one = run_with(cfg, w, 1);
    const std::string want = report_json(one.report);
    for (int workers : {2, 3}) {
      INFO("workers " << workers);
      const RunResult r = run_with(cfg, w, workers);
      CHECK(report_json(r.report) == want);
      CHECK(r.chip.outputs == one.chip.outputs);
    }
  }
  SECTION("TTFS network") {
    const RunConfig cfg = load_config(default_config_path(), {(test::source_dir() / "models" / "fmnist_ttfs_sky130").string(),
                                                              (test::source_dir() / "configs" / "arch" / "ttfs_sky130.yaml").string(),
                                                              {"run.samples=90", "run.chunk=40"}});
    const Workload w = load_workload(cfg.workload_dir, cfg.samples);
    const RunResult one = run_with(cfg, w, 1);
    const RunResult two = run_with(cfg, w, 2);
    CHECK(report_json(two.report) == report_json(one.report));
    CHECK(two.chip.outputs == one.chip.outputs);
  }
}

TEST_CASE("a chunked run is its chunks one after another: same outputs, cycles and counts add", "[chunks]") {
  // The default MLP on one cim1x1 macro: its six tiles take turns, so weights are not resident.
  const RunConfig whole = config({"run.samples=100", "run.chunk=0"});
  const RunConfig halves = config({"run.samples=100", "run.chunk=50"});
  const Workload w = load_workload(whole.workload_dir, whole.samples);
  const RunResult a = run_with(whole, w, 1), b = run_with(halves, w, 1);
  REQUIRE_FALSE(a.chip.weights_resident);
  CHECK(b.chip.outputs == a.chip.outputs);  // the function does not depend on the chunks
  CHECK(b.report.macs == a.report.macs);
  // Every chunk writes the tiles it uses again (one batch of 100 fits the default buffers).
  CHECK(weight_writes(a.chip) == 6);
  CHECK(weight_writes(b.chip) == 2 * weight_writes(a.chip));

  // The two halves simulated on their own add up to the chunked run: cycles, every action, and
  // each step's span from its first chunk's start to its last chunk's end.
  std::vector<std::vector<double>> x0, x1;
  const int64_t n = w.net.input_numel();
  for (int64_t s = 0; s < 100; ++s)
    (s < 50 ? x0 : x1).emplace_back(w.inputs.begin() + s * n, w.inputs.begin() + (s + 1) * n);
  const ChipRun first = run_chip(halves.chip, w.net, x0).run;
  ChipParams later = halves.chip;
  later.weights_loaded = true;
  const ChipRun second = run_chip(later, w.net, x1).run;
  CHECK(b.chip.cycles == first.cycles + second.cycles);
  for (std::size_t i = 0; i < kActs; ++i) CHECK(b.chip.total.act[i] == first.total.act[i] + second.total.act[i]);
  for (std::size_t i = 0; i < kStats; ++i) CHECK(b.chip.total.stat[i] == first.total.stat[i] + second.total.stat[i]);
  REQUIRE(b.chip.layers.size() == first.layers.size());
  for (std::size_t l = 0; l < first.layers.size(); ++l) {
    CHECK(b.chip.layers[l].start == first.layers[l].start);
    CHECK(b.chip.layers[l].end == first.cycles + second.layers[l].end);
    CHECK(b.chip.layers[l].counters[Act::CellWrite] ==
          first.layers[l].counters[Act::CellWrite] + second.layers[l].counters[Act::CellWrite]);
  }
}

TEST_CASE("resident weights are written once for the whole run, not once per chunk", "[chunks]") {
  // Six cim1x1 macros hold the MLP's six tiles: weights stay resident.
  const RunConfig whole = config({"run.samples=100", "run.chunk=0", "arch.macros.cim1x1=6"});
  const RunConfig chunked = config({"run.samples=100", "run.chunk=30", "arch.macros.cim1x1=6"});
  const Workload w = load_workload(whole.workload_dir, whole.samples);
  const RunResult a = run_with(whole, w, 1), b = run_with(chunked, w, 2);
  REQUIRE(a.chip.weights_resident);
  CHECK(weight_writes(a.chip) == 6);
  CHECK(weight_writes(b.chip) == 6);
  CHECK(b.chip.total[Act::CellWrite] == a.chip.total[Act::CellWrite]);
  CHECK(b.chip.total[Act::WeightReadBit] == a.chip.total[Act::WeightReadBit]);
  CHECK(b.chip.total[Stat::StallWeightWrite] == a.chip.total[Stat::StallWeightWrite]);
  CHECK(b.chip.outputs == a.chip.outputs);
}

TEST_CASE("each chunk draws its own conversion noise on the same chip instance", "[chunks][analog]") {
  NoiseParams p;
  p.on = true;
  p.thermal_lsb = 1.0;
  p.offset_lsb = 2.0;
  p.cell_sigma = 0.1;
  p.seed = 5;
  ReadNoise a(p, "chip.cim1x1_0", 8, 256), again(p, "chip.cim1x1_0", 8, 256);
  p.stream = 1;
  ReadNoise b(p, "chip.cim1x1_0", 8, 256);
  // The chip (offsets, mismatch) is the seed's alone.
  for (std::size_t i = 0; i < 8; ++i) CHECK(b.offset(i) == a.offset(i));
  for (std::size_t i = 0; i < 256; ++i) REQUIRE(b.cell_deltas()[i] == a.cell_deltas()[i]);
  // The conversions' draws: the same for the same chunk, others for another.
  int same = 0, differ = 0;
  for (int i = 0; i < 64; ++i) {
    const double x = a.dynamic(), y = again.dynamic(), z = b.dynamic();
    same += x == y;
    differ += x != z;
  }
  CHECK(same == 64);
  CHECK(differ == 64);
}
