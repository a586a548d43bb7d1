#include "sim/validate.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "sim/config.hpp"
#include "sim/driver.hpp"
#include "workloads/builder.hpp"
#include "workloads/errors.hpp"
#include "workloads/reference.hpp"

namespace cimsim {

namespace fs = std::filesystem;

Published read_published(const fs::path& file) {
  const YAML::Node root = load_yaml(file);
  const YAML::Node p = root["published"];
  if (!p || !p.IsMap())
    throw InputError(fmt::format("{}: key 'published': missing (a preset names the paper and its measured figures)",
                                 file.string()));
  auto fail = [&](const std::string& key, const std::string& what) {
    throw InputError(fmt::format("{}: key 'published.{}': {}", file.string(), key, what));
  };
  auto text = [&](const std::string& key, bool required) -> std::string {
    const YAML::Node n = p[key];
    if (!n || n.IsNull()) {
      if (required) fail(key, "missing");
      return "";
    }
    if (!n.IsScalar()) fail(key, "expected a string");
    return n.Scalar();
  };
  auto number = [&](const std::string& key, double def, double lo, double hi) -> double {
    const YAML::Node n = p[key];
    if (!n || n.IsNull()) {
      if (std::isnan(def)) fail(key, "missing");
      return def;
    }
    double v = 0;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception&) {
      fail(key, fmt::format("expected a number, got '{}'", n.IsScalar() ? n.Scalar() : "a structure"));
    }
    if (!(v >= lo && v <= hi)) fail(key, fmt::format("{} is outside [{}, {}]", v, lo, hi));
    return v;
  };
  static const std::vector<std::string> known = {"citation", "node", "tops_per_w", "gops", "input", "input_bits",
                                                 "weights", "weight_bits", "input_density", "area_mm2",
                                                 "area_source", "notes"};
  for (const auto& kv : p) {
    if (!kv.first.IsScalar()) fail("(keys)", "a key that is not a plain name");
    const std::string k = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), k) == known.end()) fail(k, "unknown key (see docs/validate.md)");
  }
  Published pub;
  pub.citation = text("citation", true);
  pub.node = text("node", true);
  pub.tops_per_w = number("tops_per_w", std::nan(""), 1e-3, 1e6);
  pub.gops = number("gops", 0.0, 0.0, 1e9);
  pub.input = text("input", true);
  if (pub.input != "binary01" && pub.input != "signed" && pub.input != "uint")
    fail("input", fmt::format("'{}' is not one of binary01, signed, uint", pub.input));
  pub.input_bits = int64_t(number("input_bits", 1, 1, 16));
  pub.weights = text("weights", true);
  if (pub.weights != "binary01" && pub.weights != "signed" && pub.weights != "int")
    fail("weights", fmt::format("'{}' is not one of binary01, signed, int", pub.weights));
  pub.weight_bits = int64_t(number("weight_bits", pub.weights == "int" ? std::nan("") : 1.0, 1, 8));
  if (pub.weights == "int" && pub.weight_bits < 2) fail("weight_bits", "int weights need at least 2 bits");
  pub.input_density = number("input_density", 0.5, 0.0, 1.0);
  pub.area_mm2 = number("area_mm2", 0.0, 0.0, 1e4);
  pub.area_source = text("area_source", pub.area_mm2 > 0);
  pub.notes = text("notes", false);
  return pub;
}

ValidationRow validate_preset(const fs::path& preset, int64_t samples, uint64_t seed, const std::vector<std::string>& sets) {
  ValidationRow row;
  row.preset = preset.stem().string();
  row.file = preset;
  row.pub = read_published(preset);
  const Published& pub = row.pub;
  Overrides o;
  o.arch = preset.string();
  o.workload = "validate";  // synthetic: never read from disk
  o.sets = sets;
  const RunConfig cfg = load_config(default_config_path(), o);
  const MacroParams& m = cfg.chip.macro;

  // A fully connected layer that fills the macro: every row an input, every column group an output.
  const bool uint_in = pub.input == "uint";
  const BitCode in_code = pub.input == "signed" ? BitCode::Signed : BitCode::Unsigned01;
  const BitCode w_code = pub.weights == "signed" ? BitCode::Signed : BitCode::Unsigned01;
  const int64_t w_bits = pub.weights == "int" ? pub.weight_bits : 1;
  const int64_t slices = w_code == BitCode::Signed ? 1 : w_bits;
  if (m.cols < slices)
    throw InputError(fmt::format("{}: {} weight slices do not fit in arch.macro.cols = {}", preset.string(), slices, m.cols));
  std::mt19937 rng(static_cast<uint32_t>(seed));
  NetBuilder b({m.rows}, uint_in ? ValueKind::UInt : ValueKind::Bits, in_code, uint_in ? pub.input_bits : 1, 1.0);
  b.layer(LayerKind::Dense, m.cols / slices, w_code, w_bits, false, rng);
  b.net.layers.back().name = row.preset;

  Workload w;
  w.dir = preset;
  w.name = row.preset;
  w.net = b.net;
  w.samples = samples;
  std::bernoulli_distribution one(pub.input_density);
  for (int64_t s = 0; s < samples; ++s) {
    std::vector<double> x(std::size_t(m.rows));
    for (auto& e : x) {
      if (uint_in) {  // each bit of the level at 1 with the input density
        int64_t level = 0;
        for (int64_t k = 0; k < pub.input_bits; ++k) level |= int64_t(one(rng)) << k;
        e = double(level);
      } else {
        e = one(rng) ? 1.0 : (in_code == BitCode::Signed ? -1.0 : 0.0);
      }
    }
    const std::vector<double> ref = reference_forward(w.net, x);
    w.inputs.insert(w.inputs.end(), x.begin(), x.end());
    w.references.insert(w.references.end(), ref.begin(), ref.end());
  }

  const RunResult r = simulate(cfg, w);
  const LayerReport* L = nullptr;
  for (const auto& l : r.report.layers)
    if (l.name == row.preset) L = &l;
  if (!L) throw SimulationError(fmt::format("{}: the validation layer is missing from the report", preset.string()));
  double e_macro = 0;
  for (const auto& [k, v] : L->energy.items)
    if (k != "buffer" && k != "digital" && k != "weight_write") {  // weights load once, before the measurement
      e_macro += v;
      row.energy_share.emplace_back(k, v);
    }
  for (auto& [k, v] : row.energy_share) v = e_macro > 0 ? v / e_macro : 0;
  std::stable_sort(row.energy_share.begin(), row.energy_share.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  row.macs = L->macs;
  // The macro's throughput: the cycles it spent on the layer's operations and waiting for their
  // inputs (one macro), not the output writes queued behind it (the step's elapsed cycles end
  // with the last of them).
  row.cycles = L->macro_busy_cycles + L->stalls.buffer - L->stalls.weight_write;
  const double period_ns = double(cfg.chip.period_ps()) * 1e-3;
  row.predicted_tops_per_w = e_macro > 0 ? 2.0 * double(row.macs) / e_macro : 0;  // ops per pJ = TOPS/W
  row.predicted_gops = row.cycles > 0 ? 2.0 * double(row.macs) / (double(row.cycles) * period_ns) : 0;
  row.ratio = row.predicted_tops_per_w / pub.tops_per_w;
  row.gops_ratio = pub.gops > 0 ? row.predicted_gops / pub.gops : 0;
  row.energy_per_mac_fj = row.macs > 0 ? e_macro * 1e3 / double(row.macs) : 0;
  // Area: one macro of the kind the layer ran on, from its parts; no buffers or periphery (the
  // published macro figures exclude them).
  if (r.report.area)
    for (const auto& b : r.report.area->blocks)
      if (b.name == L->macro) row.predicted_area_mm2 = b.each_um2() * 1e-6;
  row.predicted_tops_per_mm2 = row.predicted_area_mm2 > 0 ? row.predicted_gops * 1e-3 / row.predicted_area_mm2 : 0;
  row.published_tops_per_mm2 = pub.area_mm2 > 0 && pub.gops > 0 ? pub.gops * 1e-3 / pub.area_mm2 : 0;
  row.area_ratio = row.published_tops_per_mm2 > 0 ? row.predicted_tops_per_mm2 / row.published_tops_per_mm2 : 0;
  return row;
}

std::string validation_table(const std::vector<ValidationRow>& rows) {
  std::string s = fmt::format("  {:<20} {:>5}  {:>10} {:>10} {:>6}   {:>10} {:>10} {:>6}   {:>10} {:>10} {:>6}   {}\n",
                              "preset", "node", "TOPS/W pub", "predicted", "ratio", "GOPS pub", "predicted", "ratio",
                              "TOPS/mm2 p", "predicted", "ratio", "largest macro energy");
  for (const auto& r : rows) {
    std::string top;
    for (std::size_t i = 0; i < std::min<std::size_t>(2, r.energy_share.size()); ++i)
      top += fmt::format("{}{} {:.0f}%", i ? ", " : "", r.energy_share[i].first, 100 * r.energy_share[i].second);
    const bool area = r.published_tops_per_mm2 > 0;
    s += fmt::format("  {:<20} {:>5}  {:>10.4g} {:>10.4g} {:>6.2f}   {:>10} {:>10.4g} {:>6}   {:>10} {:>10.4g} {:>6}   {}\n",
                     r.preset, r.pub.node, r.pub.tops_per_w, r.predicted_tops_per_w, r.ratio,
                     r.pub.gops > 0 ? fmt::format("{:.4g}", r.pub.gops) : "-", r.predicted_gops,
                     r.pub.gops > 0 ? fmt::format("{:.2f}", r.gops_ratio) : "-",
                     area ? fmt::format("{:.4g}", r.published_tops_per_mm2) : "-", r.predicted_tops_per_mm2,
                     area ? fmt::format("{:.2f}", r.area_ratio) : "-", top);
  }
  return s;
}

std::string validation_csv(const std::vector<ValidationRow>& rows) {
  std::string s = "preset,node,citation,published_tops_per_w,predicted_tops_per_w,ratio,published_gops,predicted_gops,"
                  "gops_ratio,energy_per_mac_fj,macs,cycles,published_area_mm2,predicted_area_mm2,published_tops_per_mm2,"
                  "predicted_tops_per_mm2,tops_per_mm2_ratio\n";
  for (const auto& r : rows)
    s += fmt::format("{},{},\"{}\",{:.6g},{:.6g},{:.4f},{},{:.6g},{},{:.6g},{},{},{},{:.6g},{},{:.6g},{}\n", r.preset,
                     r.pub.node, r.pub.citation, r.pub.tops_per_w, r.predicted_tops_per_w, r.ratio,
                     r.pub.gops > 0 ? fmt::format("{:.6g}", r.pub.gops) : "", r.predicted_gops,
                     r.pub.gops > 0 ? fmt::format("{:.4f}", r.gops_ratio) : "", r.energy_per_mac_fj, r.macs, r.cycles,
                     r.pub.area_mm2 > 0 ? fmt::format("{:.6g}", r.pub.area_mm2) : "", r.predicted_area_mm2,
                     r.published_tops_per_mm2 > 0 ? fmt::format("{:.6g}", r.published_tops_per_mm2) : "",
                     r.predicted_tops_per_mm2, r.published_tops_per_mm2 > 0 ? fmt::format("{:.4f}", r.area_ratio) : "");
  return s;
}

std::string validation_json(const std::vector<ValidationRow>& rows, int64_t samples, uint64_t seed) {
  nlohmann::ordered_json j;
  j["samples"] = samples;
  j["seed"] = seed;
  j["presets"] = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json e;
    e["preset"] = r.preset;
    e["file"] = r.file.filename().string();
    e["citation"] = r.pub.citation;
    e["node"] = r.pub.node;
    e["published"] = {{"tops_per_w", r.pub.tops_per_w}, {"gops", r.pub.gops > 0 ? nlohmann::ordered_json(r.pub.gops) : nullptr}};
    e["predicted"] = {{"tops_per_w", r.predicted_tops_per_w}, {"gops", r.predicted_gops}, {"energy_per_mac_fj", r.energy_per_mac_fj}};
    e["ratio"] = {{"tops_per_w", r.ratio}, {"gops", r.pub.gops > 0 ? nlohmann::ordered_json(r.gops_ratio) : nullptr},
                  {"tops_per_mm2", r.published_tops_per_mm2 > 0 ? nlohmann::ordered_json(r.area_ratio) : nullptr}};
    e["published"]["area_mm2"] = r.pub.area_mm2 > 0 ? nlohmann::ordered_json(r.pub.area_mm2) : nullptr;
    e["published"]["area_source"] = r.pub.area_source;
    e["published"]["tops_per_mm2"] = r.published_tops_per_mm2 > 0 ? nlohmann::ordered_json(r.published_tops_per_mm2) : nullptr;
    e["predicted"]["area_mm2"] = r.predicted_area_mm2;
    e["predicted"]["tops_per_mm2"] = r.predicted_tops_per_mm2;
    e["workload"] = {{"input", r.pub.input}, {"input_bits", r.pub.input_bits}, {"weights", r.pub.weights},
                     {"weight_bits", r.pub.weight_bits}, {"input_density", r.pub.input_density},
                     {"macs", r.macs}, {"cycles", r.cycles}};
    nlohmann::ordered_json share = nlohmann::ordered_json::object();
    for (const auto& [k, v] : r.energy_share) share[k] = v;
    e["macro_energy_share"] = share;
    e["notes"] = r.pub.notes;
    j["presets"].push_back(e);
  }
  return j.dump(1) + "\n";
}

}  // namespace cimsim
