// `cimsim validate`: presets of published macros, their `published` sections, and the arithmetic
// of predicted against published efficiency.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/config.hpp"
#include "sim/validate.hpp"
#include "workloads/errors.hpp"

using namespace cimsim;
namespace fs = std::filesystem;

TEST_CASE("every shipped preset names its paper and simulates with the macro energy priced", "[validate]") {
  int presets = 0;
  for (const auto& e : fs::directory_iterator(data_dir() / "configs" / "arch" / "published")) {
    if (e.path().extension() != ".yaml") continue;
    ++presets;
    INFO(e.path().string());
    const ValidationRow r = validate_preset(e.path(), 4, 1);
    CHECK(!r.pub.citation.empty());
    CHECK(r.pub.tops_per_w > 0);
    CHECK(r.macs > 0);
    CHECK(r.predicted_tops_per_w > 0);
    // The ratio is predicted over published, and TOPS/W is 2 ops per MAC over the energy.
    CHECK(r.ratio == Approx(r.predicted_tops_per_w / r.pub.tops_per_w));
    CHECK(r.predicted_tops_per_w == Approx(2000.0 / r.energy_per_mac_fj));
    double share = 0;
    for (const auto& [k, v] : r.energy_share) share += v;
    CHECK(share == Approx(1.0));
  }
  CHECK(presets >= 4);
}

TEST_CASE("the preset whose operating point is all from its paper is predicted within a factor of 1.5", "[validate]") {
  // `cimsim validate` defaults (64 vectors, seed 1). Dong et al. (7 nm): supply, clock, array,
  // converters and their sharing are the paper's; nothing in the tables is fitted to it. The
  // 65 nm presets rest on estimated operating points and are outside 1.5x (docs/validate.md).
  const ValidationRow r = validate_preset(data_dir() / "configs" / "arch" / "published" / "dong2020.yaml", 64, 1);
  CHECK(r.ratio <= 1.5);
  CHECK(r.ratio >= 1.0 / 1.5);
  CHECK(r.gops_ratio <= 1.5);
  CHECK(r.gops_ratio >= 1.0 / 1.5);
  // Area: the paper's three parts (0.002556 mm^2) against one macro from its parts. The model
  // undercounts this macro (3.76x in TOPS/mm^2; docs/area.md says which parts), so no bound is
  // asserted on the ratio, only that it is the predicted over the published figure.
  CHECK(r.pub.area_mm2 == Approx(0.002556));
  CHECK(r.published_tops_per_mm2 == Approx(372.4e-3 / 0.002556));
  CHECK(r.predicted_tops_per_mm2 == Approx(r.predicted_gops * 1e-3 / r.predicted_area_mm2));
  CHECK(r.area_ratio == Approx(r.predicted_tops_per_mm2 / r.published_tops_per_mm2));
}

TEST_CASE("a preset without a published area predicts one but sets no ratio", "[validate]") {
  const ValidationRow r = validate_preset(data_dir() / "configs" / "arch" / "published" / "khwa2018.yaml", 8, 1);
  CHECK(r.pub.area_mm2 == 0);
  CHECK(r.predicted_area_mm2 > 0);
  CHECK(r.area_ratio == 0);
}

TEST_CASE("divider-cell macros spend most of their energy in the static current of their lines", "[validate]") {
  // Khwa et al. (6T cells pulling the bit line both ways) and XNOR-SRAM (every row drives): the
  // divider's current over the evaluate phase, not the line's charge, is their largest term.
  for (const char* name : {"khwa2018.yaml", "yin2020_xnor_sram.yaml"}) {
    INFO(name);
    const ValidationRow r = validate_preset(data_dir() / "configs" / "arch" / "published" / name, 16, 1);
    double cell = 0, largest = 0;
    for (const auto& [k, v] : r.energy_share) {
      if (k == "cell_current") cell = v;
      largest = std::max(largest, v);
    }
    CHECK(cell > 0.5);
    CHECK(cell == largest);
  }
}

TEST_CASE("validation is deterministic for a seed", "[validate]") {
  const fs::path p = data_dir() / "configs" / "arch" / "published" / "khwa2018.yaml";
  const ValidationRow a = validate_preset(p, 8, 3), b = validate_preset(p, 8, 3);
  CHECK(validation_csv({a}) == validation_csv({b}));
  // 8 vectors x 64 rows x 64 columns of MACs.
  CHECK(a.macs == 8u * 64u * 64u);
}

TEST_CASE("a preset's published section is checked key by key", "[validate]") {
  const auto dir = fs::temp_directory_path() / fmt::format("cimsim-validate-{}", ::getpid());
  fs::create_directories(dir);
  const auto file = dir / "bad.yaml";
  auto expect = [&](const std::string& text, const std::string& needle) {
    std::ofstream(file) << text;
    try {
      read_published(file);
      FAIL("accepted: " << text);
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
      CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    }
  };
  expect("macro: {rows: 4}\n", "key 'published': missing");
  expect("published: {citation: x, node: 65nm, input: signed, weights: signed}\n", "published.tops_per_w': missing");
  expect("published: {citation: x, node: 65nm, tops_per_w: -3, input: signed, weights: signed}\n", "outside");
  expect("published: {citation: x, node: 65nm, tops_per_w: 3, input: ternary, weights: signed}\n", "not one of binary01");
  expect("published: {citation: x, node: 65nm, tops_per_w: 3, input: signed, weights: int}\n", "weight_bits': missing");
  expect("published: {citation: x, node: 65nm, tops_per_w: 3, input: signed, weights: signed, colour: red}\n",
         "published.colour': unknown key");
  fs::remove_all(dir);
}

TEST_CASE("analog accumulation needs an ADC and the weight-stationary mapping", "[validate][config]") {
  auto refused = [](std::vector<std::string> sets, const std::string& needle) {
    Overrides o;
    o.workload = "unused";
    o.sets = std::move(sets);
    try {
      load_config(default_config_path(), o);
      FAIL("accepted");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
  };
  refused({"arch.readout.accumulate=analog", "arch.readout.kind=digital"}, "arch.readout.accumulate");
  refused({"arch.readout.accumulate=analog", "mapping.stationary=input"}, "mapping.stationary");
  refused({"arch.readout.accumulate=sometimes"}, "arch.readout.accumulate");
  refused({"arch.readout.levels=1"}, "arch.readout.levels");
  refused({"arch.readout.bits=3", "arch.readout.levels=11"}, "do not fit");
}
