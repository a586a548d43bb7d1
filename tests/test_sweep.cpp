// Sweeps: the hierarchy generator against hand-listed factorizations, spec errors, and results
// that do not depend on the number of worker processes.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "power/sweep_report.hpp"
#include "sim/sweep.hpp"
#include "workloads/errors.hpp"

using namespace cimsim;
namespace fs = std::filesystem;

namespace {
using test::slurp;
}  // namespace

TEST_CASE("hierarchy patterns: every ordered factorization, hand-listed", "[sweep]") {
  using P = std::vector<std::vector<int64_t>>;
  CHECK(hierarchy_patterns(16, 4, 2) == P{{16}, {2, 8}, {4, 4}, {8, 2}, {2, 2, 4}, {2, 4, 2}, {4, 2, 2}, {2, 2, 2, 2}});
  CHECK(hierarchy_patterns(12, 3, 3) == P{{12}, {3, 4}, {4, 3}});
  CHECK(hierarchy_patterns(12, 3, 2) == P{{12}, {2, 6}, {3, 4}, {4, 3}, {6, 2}, {2, 2, 3}, {2, 3, 2}, {3, 2, 2}});
  CHECK(hierarchy_patterns(7, 2, 2) == P{{7}});  // a prime has one pattern
  // 256 = 2^8 into k factors >= 2 is a composition of 8 into k parts: 1 + 7 + 21 + 35.
  CHECK(hierarchy_patterns(256, 4, 2).size() == 64);
}

TEST_CASE("the shipped hierarchy sweep covers every pattern at every gating level", "[sweep]") {
  const SweepSpec s = load_sweep(test::source_dir() / "configs/sweeps/hierarchy_256.yaml");
  CHECK(s.columns == std::vector<std::string>{"arch.macro.hierarchy", "arch.macro.gating.level", "arch.readout.kind"});
  CHECK(s.points.size() == (1 + 2 * 7 + 3 * 21 + 4 * 35) * 2);  // 218 (pattern, level) pairs x 2 read-outs
  CHECK(s.points[0].sets[0].value == "[256]");
}

TEST_CASE("the shipped hierarchy study: chosen patterns at every gating level, root and leaf read-out", "[sweep]") {
  const SweepSpec s = load_sweep(test::source_dir() / "configs/sweeps/hierarchy_study.yaml");
  CHECK(s.columns == std::vector<std::string>{"workload", "arch.macro.hierarchy", "arch.macro.gating.level",
                                              "arch.readout.level", "arch.readout.kind", "mapping.stationary"});
  // 2 workloads x (1 + 2 + 3 + 4) (pattern, gating level) pairs x 2 read-out levels x 2 kinds x 2 mappings.
  CHECK(s.points.size() == 2 * 10 * 2 * 2 * 2);
  CHECK(s.points[0].sets[1].value == "[256]");
}

TEST_CASE("sweep spec errors name the file and the key", "[sweep]") {
  const fs::path dir = test::temp_dir("spec");
  auto err = [&](const std::string& text) {
    std::ofstream(dir / "s.yaml") << text;
    try {
      load_sweep(dir / "s.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  const std::string base = "base: " + (test::source_dir() / "configs/default.yaml").string() + "\n";
  CHECK_THAT(err(base + "axes:\n  - generator: spiral\n"), Catch::Contains("axes[0].generator") && Catch::Contains("spiral"));
  CHECK_THAT(err(base + "axes:\n  - key: arch.macro.rows\n"), Catch::Contains("axes[0].values"));
  CHECK_THAT(err(base + "axes:\n  - key: a\n    values: [1]\n    valeus: [2]\n"), Catch::Contains("axes[0].valeus") && Catch::Contains("unknown key"));
  CHECK_THAT(err(base + "combine: zip\naxes:\n  - key: a\n    values: [1, 2]\n  - key: b\n    values: [1]\n"), Catch::Contains("equal length"));
  CHECK_THAT(err("axes: []\n"), Catch::Contains("key 'base'"));
  CHECK_THAT(err(base + "axes:\n  - generator: hierarchy\n    patterns: [[16, 15]]\n"),
             Catch::Contains("axes[0].patterns[0]") && Catch::Contains("[16, 15] is not a pattern of 256 rows"));
  CHECK_THAT(err(base + "axes:\n  - generator: hierarchy\n    patterns: [[a]]\n"),
             Catch::Contains("axes[0].patterns[0]") && Catch::Contains("list of integers"));
}

TEST_CASE("sweep results do not depend on the number of worker processes", "[sweep][determinism]") {
  const SweepSpec s = load_sweep(test::source_dir() / "configs/sweeps/smoke.yaml");
  const fs::path dir = test::temp_dir("jobs");
  SweepOptions one, two;
  one.quiet = two.quiet = true;
  two.jobs = 2;
  CHECK(run_sweep(s, dir / "one", one) == 0);
  CHECK(run_sweep(s, dir / "two", two) == 0);
  CHECK(slurp(dir / "one/sweep.csv") == slurp(dir / "two/sweep.csv"));
  CHECK(slurp(dir / "one/sweep.html") == slurp(dir / "two/sweep.html"));
  REQUIRE(s.points.size() == 41);
  for (const char* p : {"points/000000", "points/000017", "points/000040"}) {
    const std::string a = slurp(dir / "one" / p / "report.json");
    CHECK(a.size() > 1000);
    CHECK(a == slurp(dir / "two" / p / "report.json"));
    // A point folder holds the report, the resolved config and point.json; the rest on request.
    for (const char* f : {"resolved.yaml", "point.json"}) CHECK(fs::exists(dir / "one" / p / f));
    for (const char* f : {"report.html", "layers.csv", "components.csv", "outputs"}) CHECK_FALSE(fs::exists(dir / "one" / p / f));
  }
  SweepOptions full = one;
  full.full_reports = true;
  CHECK(run_sweep(s, dir / "full", full) == 0);
  CHECK(slurp(dir / "full/sweep.csv") == slurp(dir / "one/sweep.csv"));
  for (const char* f : {"report.html", "layers.csv", "components.csv", "outputs"}) CHECK(fs::exists(dir / "full/points/000017" / f));
  CHECK(slurp(dir / "full/points/000017/report.json") == slurp(dir / "one/points/000017/report.json"));
  // Without --resume a finished sweep folder is not overwritten.
  CHECK_THROWS_AS(run_sweep(s, dir / "one", one), InputError);
}

TEST_CASE("the Pareto front keeps exactly the non-dominated points", "[sweep]") {
  std::vector<SweepRow> rows(4);
  auto set = [](SweepRow& r, double e, uint64_t c, double a) {
    r.status = "ok";
    r.energy_pj = e;
    r.cycles = c;
    r.area_um2 = a;
  };
  set(rows[0], 10, 100, 5);  // front: least energy
  set(rows[1], 20, 50, 5);   // front: fewest cycles
  set(rows[2], 20, 100, 5);  // dominated by both
  set(rows[3], 30, 200, 1);  // front: least area
  mark_pareto(rows);
  CHECK(rows[0].pareto);
  CHECK(rows[1].pareto);
  CHECK_FALSE(rows[2].pareto);
  CHECK(rows[3].pareto);
}
