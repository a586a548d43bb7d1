// The report contract (schema cimsim.report/1), determinism, atomic results, and the golden
// result of the default run.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "helpers.hpp"
#include "arch/stop.hpp"
#include "power/area.hpp"
#include "sim/driver.hpp"
#include "sim/reprice.hpp"
#include "workloads/errors.hpp"
#include "workloads/tensor.hpp"

using namespace cimsim;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using test::slurp;

struct DefaultRun {
  RunConfig cfg = load_config(default_config_path(), {});
  Workload w = load_workload(cfg.workload_dir, cfg.samples);
  RunResult r = simulate(cfg, w);
};

const DefaultRun& default_run() {
  static const DefaultRun run;
  return run;
}

// Numbers equal to 1e-9 relative, everything else exactly.
void compare_json(const json& got, const json& want, const std::string& path) {
  INFO(path);
  if (want.is_number_float() || (want.is_number() && got.is_number_float())) {
    REQUIRE(got.is_number());
    const double a = got.get<double>(), b = want.get<double>();
    CHECK(a == Approx(b).epsilon(1e-9).margin(1e-12));
  } else if (want.is_object()) {
    REQUIRE(got.is_object());
    CHECK(got.size() == want.size());
    for (auto it = want.begin(); it != want.end(); ++it) {
      REQUIRE(got.contains(it.key()));
      compare_json(got[it.key()], it.value(), path + "." + it.key());
    }
  } else if (want.is_array()) {
    REQUIRE(got.is_array());
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) compare_json(got[i], want[i], path + "[" + std::to_string(i) + "]");
  } else {
    CHECK(got == want);
  }
}

}  // namespace

TEST_CASE("report.json holds the contract and its numbers add up", "[report]") {
  const DefaultRun& d = default_run();
  const fs::path out = test::temp_dir("report") / "run";
  write_results(out, d.cfg, d.w, d.r);
  const json j = json::parse(slurp(out / "report.json"));
  CHECK(j["schema"] == "cimsim.report/1");
  for (const char* k : {"cycles", "time_ns", "energy_pj", "macs", "tops_per_w", "gated_fraction_ops", "gated_fraction_time"})
    CHECK(j["totals"].contains(k));
  double sum = 0;
  for (auto& [k, v] : j["energy_breakdown_pj"].items()) sum += v.get<double>();
  CHECK(sum == Approx(j["totals"]["energy_pj"].get<double>()).epsilon(1e-12));
  uint64_t end = 0, macs = 0;
  double layer_energy = 0;
  REQUIRE(j["layers"].size() == d.w.net.steps.size());  // macro layers and digital steps
  for (const auto& l : j["layers"]) {
    for (const char* k : {"name", "kind", "macro", "cycles", "start_cycle", "end_cycle", "energy_pj", "macs",
                          "gated_fraction_ops", "gated_fraction_time", "actions"})
      CHECK(l.contains(k));
    CHECK(l["cycles"].get<uint64_t>() == l["end_cycle"].get<uint64_t>() - l["start_cycle"].get<uint64_t>());
    end = std::max(end, l["end_cycle"].get<uint64_t>());
    macs += l["macs"].get<uint64_t>();
    layer_energy += l["energy_pj"].get<double>();
    CHECK(l["gated_fraction_ops"].get<double>() >= 0.0);
    CHECK(l["gated_fraction_ops"].get<double>() <= 1.0);
  }
  // The run ends with its last step; steps may overlap, so their cycles need not add up.
  const uint64_t cycles = j["totals"]["cycles"].get<uint64_t>();
  CHECK(end == cycles);
  CHECK(macs == j["totals"]["macs"].get<uint64_t>());
  // The steps' energies and the leakage of macros no step held make the total.
  const double unattributed = j["totals"]["unattributed_energy_pj"].get<double>();
  CHECK(unattributed >= 0.0);
  CHECK(unattributed <= j["energy_breakdown_pj"]["leakage"].get<double>() * (1 + 1e-12));
  CHECK(layer_energy + unattributed == Approx(j["totals"]["energy_pj"].get<double>()).epsilon(1e-9));
  CHECK(j["totals"]["tops_per_w"].get<double>() ==
        Approx(2.0 * double(macs) / j["totals"]["energy_pj"].get<double>()));
  CHECK(j["totals"]["time_ns"].get<double>() == Approx(double(cycles) * 1e3 / d.cfg.chip.clock_mhz));
  const json& f = j["function"];
  CHECK(f["samples"] == d.w.samples);
  CHECK(f["outputs_match_reference"] == true);
  CHECK(f["accuracy"].is_number());
  CHECK(f["accuracy"].get<double>() == Approx(f["reference_accuracy"].get<double>()));
  // The hardware's outputs, in the bundle's layout, equal the reference outputs.
  for (const auto& set : d.w.sets) {
    const Tensor got = read_tensor_file(out / "outputs" / set.dir.filename() / "output_0.pb");
    const Tensor ref = read_tensor_file(set.dir / "output_0.pb");
    REQUIRE(got.shape == ref.shape);
    for (std::size_t i = 0; i < ref.data.size(); ++i) CHECK(got.data[i] == Approx(ref.data[i]).margin(1e-4));
  }
  const std::string csv = slurp(out / "layers.csv");
  CHECK(std::count(csv.begin(), csv.end(), '\n') == int(d.w.net.steps.size()) + 1);
  CHECK(fs::exists(out / "resolved.yaml"));
}

TEST_CASE("the same inputs give byte-identical reports", "[report][determinism]") {
  const DefaultRun& d = default_run();
  const RunResult again = simulate(d.cfg, d.w);
  CHECK(report_json(again.report) == report_json(d.r.report));
  const Json a = Json::parse(report_json(again.report)), b = Json::parse(report_json(d.r.report));
  CHECK(layers_csv(a) == layers_csv(b));
  CHECK(report_html(a) == report_html(b));
}

TEST_CASE("results replace a folder all at once and never a foreign one", "[report][atomic]") {
  const DefaultRun& d = default_run();
  const fs::path base = test::temp_dir("atomic");
  const fs::path out = base / "run";
  write_results(out, d.cfg, d.w, d.r);
  write_results(out, d.cfg, d.w, d.r);  // replacing an earlier result is fine
  CHECK(fs::exists(out / "report.json"));
  std::size_t entries = 0;
  for (auto& e : fs::directory_iterator(base)) entries += e.path().filename().string()[0] != '.' ? 1 : 100;
  CHECK(entries == 1);  // no partial or old folder left behind
  const fs::path foreign = base / "mine";
  fs::create_directories(foreign);
  std::ofstream(foreign / "notes.txt") << "keep me";
  CHECK_THROWS_AS(write_results(foreign, d.cfg, d.w, d.r), InputError);
  CHECK(fs::exists(foreign / "notes.txt"));
  CHECK_FALSE(fs::exists(foreign / "report.json"));
}

TEST_CASE("golden: the default run matches the reviewed reference report", "[report][golden]") {
  // To update after a reviewed change: build/cimsim run --out /tmp/g && cp /tmp/g/report.json
  // tests/golden/default_report.json (docs/testing.md).
  const json want = json::parse(slurp(test::source_dir() / "tests/golden/default_report.json"));
  const json got = json::parse(report_json(default_run().r.report));
  compare_json(got, want, "report");
}

TEST_CASE("analog accumulation with a lossy ADC loses accuracy as digital accumulation does", "[report][readout][analog]") {
  // Regression: analog accumulation used to pass every column's exact count on, so a 5-bit ADC
  // reported matching outputs and the reference accuracy.
  const fs::path bundle = test::source_dir() / "models/fmnist_bnn_se_resnet";
  auto run_with = [&](const std::string& acc) {
    RunConfig cfg = load_config(default_config_path(), {bundle.string(), "", {"arch.readout.bits=5", "arch.readout.accumulate=" + acc}});
    return simulate(cfg, load_workload(cfg.workload_dir, 30)).report.function;
  };
  const FunctionReport d = run_with("digital"), a = run_with("analog");
  CHECK_FALSE(d.outputs_match_reference);
  CHECK_FALSE(a.outputs_match_reference);
  CHECK_FALSE(a.readout_lossless);
  REQUIRE(a.accuracy.has_value());
  CHECK(*a.accuracy < *a.reference_accuracy - 0.3);
  CHECK(*d.accuracy < *d.reference_accuracy - 0.3);
}

TEST_CASE("a lossy ADC shows up in the function check", "[report][readout]") {
  RunConfig cfg = load_config(default_config_path(), {"", "", {"arch.readout.bits=3"}});
  const Workload w = load_workload(cfg.workload_dir, 100);
  const RunResult r = simulate(cfg, w);
  CHECK_FALSE(r.report.function.readout_lossless);
  CHECK_FALSE(r.report.function.outputs_match_reference);
  CHECK(r.report.function.mismatched_samples > 0);
  CHECK(r.report.function.accuracy.has_value());
  // Fewer bits per conversion cost less read-out energy than the lossless 9 bits.
  const RunResult full = simulate(load_config(default_config_path(), {}), w);
  CHECK(r.report.energy.get("readout") < full.report.energy.get("readout"));
}

TEST_CASE("a stop request (SIGINT) abandons the run and writes nothing", "[report][interrupt]") {
  const DefaultRun& d = default_run();
  const fs::path out = test::temp_dir("stop") / "run";
  stop_requested() = true;
  CHECK_THROWS_AS(simulate(d.cfg, d.w), Interrupted);
  CHECK_THROWS_AS(write_results(out, d.cfg, d.w, d.r), Interrupted);
  stop_requested() = false;
  CHECK_FALSE(fs::exists(out));
  std::size_t leftovers = 0;
  for (auto& e : fs::directory_iterator(out.parent_path())) leftovers += e.path().filename().string().rfind(".run", 0) == 0;
  CHECK(leftovers == 0);  // no partial folder either
}

TEST_CASE("the memory estimate grows with samples and layer sizes", "[report][memory]") {
  const DefaultRun& d = default_run();
  const uint64_t one = Controller::estimate_peak_bytes(d.w.net, 1);
  const uint64_t many = Controller::estimate_peak_bytes(d.w.net, 1000);
  CHECK(one > 784 * 8);           // at least the input values of one sample
  CHECK(many > 900 * one);        // proportional to the samples
  CHECK(many < 1100 * one);
}

TEST_CASE("cimsim reprice gives a fresh run's energies under new prices, and refuses other changes", "[report][reprice]") {
  const DefaultRun& d = default_run();
  const fs::path base = test::temp_dir("reprice");
  write_results(base / "run", d.cfg, d.w, d.r);
  for (const std::string set : {"arch.tech.buffer_bit=100", "arch.supply_v=0.8", "arch.macro.bitline_swing=0.3",
                                "arch.tech.dac_unit_cap=2", "arch.tech.comparator_width=4"}) {
    INFO(set);
    reprice(base / "run", {"", "", {set}}, base / "repriced");
    const json got = json::parse(slurp(base / "repriced" / "report.json"));
    const RunConfig cfg = load_config(default_config_path(), {"", "", {set}});
    const RunResult fresh = simulate(cfg, d.w);
    const json want = json::parse(report_json(fresh.report));
    CHECK(got["totals"]["energy_pj"].get<double>() != Approx(d.r.report.energy_pj).epsilon(1e-3));  // prices did change
    compare_json(got, want, "report");
    CHECK(slurp(base / "repriced" / "resolved.yaml") == cfg.resolved_yaml);
    CHECK(slurp(base / "repriced" / "outputs" / "test_data_set_0" / "output_0.pb") ==
          slurp(base / "run" / "outputs" / "test_data_set_0" / "output_0.pb"));
  }
  // Timing, geometry and function are not prices; nor is a technology value that changes the
  // phase timing the line's RC gives (a weaker precharge driver).
  for (const std::string set : {"arch.clock_mhz=400", "arch.macro.hierarchy=[16,16]", "arch.readout.bits=6", "arch.macro.cell=xnor",
                                "arch.tech.on_current_p=50"}) {
    INFO(set);
    try {
      reprice(base / "run", {"", "", {set}}, base / "refused");
      FAIL("accepted " << set);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), (Catch::Contains(set.substr(0, set.find('='))) || Catch::Contains("phase timing")) &&
                               Catch::Contains("simulate it again"));
    }
    CHECK_FALSE(fs::exists(base / "refused"));
  }
}

TEST_CASE("cimsim reprice re-prices a TTFS run's circuit energies", "[report][reprice][ttfs]") {
  const RunConfig cfg = load_config(default_config_path(), {(test::source_dir() / "models/fmnist_ttfs_sky130").string(), "",
                                                            {"run.samples=20"}});
  const Workload w = load_workload(cfg.workload_dir, cfg.samples);
  const RunResult r = simulate(cfg, w);
  // The arrays' area (docs/area.md) and TOPS/mm^2 over the run's time.
  REQUIRE(r.report.area);
  CHECK(r.report.area->um2() == Approx(ttfs_chip_area(cfg.ttfs, cfg.ttfs_circuit).um2()));
  CHECK(r.report.area->blocks.at(0).count == cfg.ttfs.arrays);
  CHECK(r.report.tops_per_mm2 == Approx(2.0 * double(r.report.macs) / r.report.time_ns * 1e-3 / r.report.area->mm2()));
  const fs::path base = test::temp_dir("reprice-ttfs");
  write_results(base / "run", cfg, w, r);
  reprice(base / "run", {"", "", {"arch.ttfs.comparator_fj=40"}}, base / "repriced");
  const RunConfig cfg2 = load_config(default_config_path(), {(test::source_dir() / "models/fmnist_ttfs_sky130").string(), "",
                                                             {"run.samples=20", "arch.ttfs.comparator_fj=40"}});
  const json got = json::parse(slurp(base / "repriced" / "report.json"));
  const json want = json::parse(report_json(simulate(cfg2, w).report));
  compare_json(got, want, "report");
  // Doubling the comparator energy doubles exactly that component.
  const json before = json::parse(report_json(r.report));
  CHECK(got["energy_breakdown_pj"]["ttfs_comparator"].get<double>() ==
        Approx(2 * before["energy_breakdown_pj"]["ttfs_comparator"].get<double>()));
}
