// Config loading: defaults, overrides, and error messages that name the file, the key path and
// what was expected.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "helpers.hpp"
#include "sim/config.hpp"
#include "workloads/errors.hpp"

using namespace cimsim;
namespace fs = std::filesystem;

namespace {

fs::path write(const fs::path& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir / name) << text;
  return dir / name;
}

// The error message of loading `file` with `o`, or "" when it loads.
std::string error_of(const fs::path& file, const Overrides& o = {}) {
  try {
    load_config(file, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const std::string kArchRef = "arch: " + (test::source_dir() / "configs/arch/default.yaml").string() + "\n";

}  // namespace

TEST_CASE("the shipped default config resolves with its documented defaults", "[config]") {
  const RunConfig c = load_config(default_config_path(), {});
  CHECK(c.chip.macro.rows == 256);
  CHECK(c.chip.macro.hierarchy == std::vector<int64_t>{16, 4, 4});
  CHECK(c.chip.period_ps() == 2000);
  CHECK(c.tech.name == "65nm");
  for (const auto& k : tech_keys()) CHECK_FALSE(c.tech.source[std::size_t(k.key)].empty());
  CHECK(c.resolved_yaml.find("hierarchy: [16, 4, 4]") != std::string::npos);
  CHECK(c.workload_dir.filename() == "fmnist_bnn_mlp");
}

TEST_CASE("set overrides any key and the resolved config reloads to the same parameters", "[config]") {
  const fs::path dir = test::temp_dir("cfg");
  const RunConfig c = load_config(default_config_path(),
                                  {"", "", {"arch.macro.hierarchy=[16, 16]", "arch.macro.gating.cols=4", "arch.tech.vdd=0.9"}});
  CHECK(c.chip.macro.hierarchy == std::vector<int64_t>{16, 16});
  CHECK(c.chip.macro.gate_cols == 4);
  CHECK(c.tech[Tech::Vdd] == 0.9);
  CHECK(c.tech.source[std::size_t(Tech::Vdd)] == "set on the command line");
  const fs::path resolved = write(dir, "resolved.yaml", c.resolved_yaml);
  const RunConfig again = load_config(resolved, {});
  CHECK(again.chip.macro.hierarchy == c.chip.macro.hierarchy);
  CHECK(again.tech.value == c.tech.value);
  CHECK(again.workload_dir == c.workload_dir);
  CHECK(again.resolved_yaml == c.resolved_yaml);
}

namespace {
// Two trees are the same YAML: same kinds, same scalars, same keys in the same order.
bool same_tree(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) return a.Scalar() == b.Scalar();
  if (a.IsSequence()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_tree(a[i], b[i])) return false;
    return true;
  }
  if (a.IsMap()) {
    if (a.size() != b.size()) return false;
    auto ib = b.begin();
    for (auto ia = a.begin(); ia != a.end(); ++ia, ++ib)
      if (ia->first.Scalar() != ib->first.Scalar() || !same_tree(ia->second, ib->second)) return false;
    return true;
  }
  return true;
}
}  // namespace

TEST_CASE("emit_yaml writes a tree that reads back as the same tree, quoting what plain text would change", "[config]") {
  YAML::Node t(YAML::NodeType::Map);
  const std::vector<std::string> tricky = {"plain words", "a: b", "a:b", "x #y", "#x", " lead", "trail ", "-", "-1.5",
                                           "- item", "[x]", "{x}", "x, y", "null", "~", "", "it's", "say \"hi\"",
                                           "back\\slash", "tab\there", "two\nlines", "é 65 µm", "*alias", "&anchor",
                                           "!tag", "|", ">", "%", "@", "`", "?", "1e-4", "true", "ends:"};
  for (std::size_t i = 0; i < tricky.size(); ++i) t["k" + std::to_string(i)] = tricky[i];
  t["nested"]["deeper"]["v"] = "a: b";
  t["nested"]["list"] = std::vector<std::string>{"a, b", "c", "[d]"};
  t["nested"]["list"].SetStyle(YAML::EmitterStyle::Flow);
  t["empty"] = YAML::Node(YAML::NodeType::Map);
  t["nothing"] = YAML::Node(YAML::NodeType::Null);
  t["key: with colon"] = 3;
  const std::string text = emit_yaml(t);
  INFO(text);
  CHECK(same_tree(YAML::Load(text), t));
  // Plain where plain is safe, so resolved.yaml stays readable.
  CHECK_THAT(text, Catch::Contains("k0: plain words\n") && Catch::Contains("k2: a:b\n") &&
                       Catch::Contains("k8: -1.5\n") && Catch::Contains("empty: {}\n"));
  // The shipped default's resolved tree, through a file, loads to the same parameters and text.
  const RunConfig c = load_config(default_config_path(), {});
  CHECK(same_tree(YAML::Load(c.resolved_yaml), YAML::Load(emit_yaml(YAML::Load(c.resolved_yaml)))));
}

TEST_CASE("config errors name the file, the key path and what was expected", "[config]") {
  const fs::path dir = test::temp_dir("cfgerr");
  SECTION("unknown key") {
    const auto f = write(dir, "a.yaml", "workload: x\n" + kArchRef + "run:\n  sampels: 3\n");
    const std::string e = error_of(f);
    CHECK_THAT(e, Catch::Contains(f.string()) && Catch::Contains("run.sampels") && Catch::Contains("unknown key"));
  }
  SECTION("wrong type") {
    const auto f = write(dir, "b.yaml", "workload: x\n" + kArchRef + "run:\n  samples: many\n");
    CHECK_THAT(error_of(f), Catch::Contains("run.samples") && Catch::Contains("'many' is not an integer (samples)"));
  }
  SECTION("out of range, in the architecture file") {
    const auto arch = write(dir, "arch.yaml", "macro:\n  rows: 256\n  hierarchy: [256]\n  gating:\n    cols: 0\n");
    const auto f = write(dir, "c.yaml", "workload: x\narch: arch.yaml\n");
    const std::string e = error_of(f);
    CHECK_THAT(e, Catch::Contains(arch.string()) && Catch::Contains("arch.macro.gating.cols") &&
                      Catch::Contains("out of range"));
  }
  SECTION("hierarchy whose product is not the row count") {
    const auto f = write(dir, "d.yaml", "workload: x\narch:\n  macro:\n    rows: 256\n    hierarchy: [16, 4, 2]\n");
    CHECK_THAT(error_of(f), Catch::Contains("arch.macro.hierarchy") && Catch::Contains("product of [16, 4, 2] is 128") &&
                                Catch::Contains("must equal arch.macro.rows = 256"));
  }
  SECTION("gating level deeper than the hierarchy") {
    const auto f = write(dir, "e.yaml", "workload: x\narch:\n  macro:\n    hierarchy: [16, 16]\n    gating:\n      level: 2\n");
    CHECK_THAT(error_of(f), Catch::Contains("arch.macro.gating.level") && Catch::Contains("[0, 1]"));
  }
  SECTION("read-out level deeper than the hierarchy") {
    const std::string e = error_of(default_config_path(), {"", "", {"arch.readout.level=3"}});
    CHECK_THAT(e, Catch::Contains("arch.readout.level") && Catch::Contains("not a level of arch.macro.hierarchy [16, 4, 4]"));
  }
  SECTION("a technology number without a source") {
    const auto tech = write(dir, "tech.yaml", "vdd:\n  value: 1.0\n  unit: V\n");
    const auto f = write(dir, "f.yaml", "workload: x\narch:\n  tech: " + tech.string() + "\n");
    CHECK_THAT(error_of(f), Catch::Contains(tech.string()) && Catch::Contains("arch.tech.vdd.source"));
  }
  SECTION("a --set override is named as the origin") {
    const std::string e = error_of(default_config_path(), {"", "", {"arch.readout.kind=pipeline"}});
    CHECK_THAT(e, Catch::Contains("--set arch.readout.kind") &&
                      Catch::Contains("'pipeline' is not one of sar, flash, sense, adc, digital"));
  }
  SECTION("read-out circuits and divider cells") {
    CHECK_THAT(error_of(default_config_path(), {"", "", {"arch.readout.kind=sense", "arch.readout.bits=2"}}),
               Catch::Contains("arch.readout.bits") && Catch::Contains("a sense amplifier resolves 1 bit, not 2"));
    CHECK_THAT(error_of(default_config_path(), {"", "", {"arch.macro.cell=xnor", "arch.readout.accumulate=analog"}}),
               Catch::Contains("arch.readout.accumulate") && Catch::Contains("arch.macro.cell xnor"));
    CHECK_THAT(error_of(default_config_path(), {"", "", {"arch.macro.cell=nand"}}),
               Catch::Contains("arch.macro.cell") && Catch::Contains("not one of and, divider, xnor"));
    // A table without the comparator's width cannot price a SAR's decisions.
    std::ifstream in(test::source_dir() / "configs" / "tech" / "65nm.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text = text.substr(0, text.find("comparator_width:")) + text.substr(text.find("dac_unit_cap:"));
    const auto t = write(dir, "nocmp.yaml", text);
    const auto f = write(dir, "g.yaml", "workload: x\narch:\n  tech: " + t.string() + "\n  readout: {kind: sar}\n");
    CHECK_THAT(error_of(f), Catch::Contains("arch.tech.comparator_width") && Catch::Contains("arch.readout.kind sar"));
    const auto g = write(dir, "h.yaml", "workload: x\narch:\n  tech: " + t.string() + "\n  readout: {kind: adc}\n");
    CHECK(error_of(g).empty());
  }
  SECTION("mapping keys") {
    CHECK_THAT(error_of(default_config_path(), {"", "", {"mapping.stationary=output"}}),
               Catch::Contains("mapping.stationary") && Catch::Contains("not one of weight, input"));
    CHECK_THAT(error_of(default_config_path(), {"", "", {"mapping.force={fc1: cim5x5}"}}),
               Catch::Contains("mapping.force.fc1") && Catch::Contains("not one of cim1x1, cim3x3"));
    CHECK_THAT(error_of(default_config_path(), {"", "", {"arch.macros.cim1x1=0", "arch.macros.cim3x3=0"}}),
               Catch::Contains("arch.macros") && Catch::Contains("at least one macro"));
  }
  SECTION("malformed --set") {
    CHECK_THAT(error_of(default_config_path(), {"", "", {"arch.macro.rows"}}), Catch::Contains("expected key.path=value"));
  }
  SECTION("YAML syntax error with line number") {
    const auto f = write(dir, "g.yaml", "workload: x\nrun: [1,\n");
    CHECK_THAT(error_of(f), Catch::Contains(f.string() + ":"));
  }
  SECTION("missing file") { CHECK_THAT(error_of(dir / "nope.yaml"), Catch::Contains("file not found")); }
  SECTION("missing workload") {
    const auto f = write(dir, "h.yaml", kArchRef);
    CHECK_THAT(error_of(f), Catch::Contains("key 'workload'") && Catch::Contains("missing"));
  }
}

TEST_CASE("a config file read again is parsed again when its bytes changed, and overrides never reach the next read",
          "[config]") {
  // The process keeps each parsed file: a rewrite of the same size within the file system's
  // time resolution must still be seen, and a --set on one load must not stay in the kept tree.
  const fs::path dir = test::temp_dir("cfgcache");
  const std::string wl = "workload: " + (test::source_dir() / "models/fmnist_bnn_mlp").string() + "\n";
  const fs::path f = write(dir, "c.yaml", wl + kArchRef + "run:\n  samples: 5\n");
  CHECK(load_config(f, {}).samples == 5);
  CHECK(load_config(f, {"", "", {"run.samples=7"}}).samples == 7);
  CHECK(load_config(f, {}).samples == 5);
  write(dir, "c.yaml", wl + kArchRef + "run:\n  samples: 6\n");
  CHECK(load_config(f, {}).samples == 6);
}
