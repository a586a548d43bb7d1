#include "sim/reprice.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "power/report.hpp"
#include "arch/macro_kinds.hpp"
#include "power/tech.hpp"
#include "sim/config_reference.hpp"
#include "sim/driver.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read", p.string()));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The breakdown's components in the order the report lists them, at zero.
EnergyBreakdown zeros_like(const Json& breakdown) {
  EnergyBreakdown e;
  for (auto it = breakdown.begin(); it != breakdown.end(); ++it) e.items.emplace_back(it.key(), 0.0);
  return e;
}

Json breakdown_json(const EnergyBreakdown& e) {
  Json j = Json::object();
  for (const auto& [k, v] : e.items) j[k] = v;
  return j;
}

}  // namespace

void reprice(const fs::path& run_dir, const Overrides& o, const fs::path& out) {
  Json j = read_report(run_dir);
  const fs::path resolved = run_dir / "resolved.yaml";
  if (!fs::exists(resolved)) throw InputError(fmt::format("{}: no resolved.yaml beside the report", run_dir.string()));
  if (!j.contains("actions") || !j.contains("prices"))
    throw InputError(fmt::format("{}: the report holds no action counts (written by an older cimsim); simulate again",
                                 (run_dir / "report.json").string()));
  const RunConfig before = load_config(resolved, {});
  const RunConfig after = load_config(resolved, {"", o.arch, o.sets});
  // Only price-only keys may change: anything else would change what was counted.
  const std::set<std::string> price_keys = price_only_keys();
  for (const ConfigDifference& d : config_differences(before.resolved_yaml, after.resolved_yaml)) {
    bool price = false;
    for (const auto& p : price_keys) price = price || d.key == p || d.key.rfind(p + ".", 0) == 0;
    if (!price)
      throw InputError(fmt::format("key '{}': {} -> {} changes the run's timing, function or counted actions, not only "
                                   "its prices; simulate it again with cimsim run (price-only keys: docs/config.md)",
                                   d.key, d.a, d.b));
  }
  const bool ttfs = j.contains("ttfs") && !j["ttfs"].is_null();
  // A price-only key may still move the phase timing the line's RC gives (circuit timing) of the
  // analog macros a run used: then it is not a price change either.
  bool analog = false;
  for (const auto& k : macro_kinds()) analog = analog || (k.adc_readout && before.chip.count(k.name) > 0);
  const MacroParams &m0 = before.chip.macro, &m1 = after.chip.macro;
  if (!ttfs && analog &&
      (m0.cycles.precharge != m1.cycles.precharge || m0.cycles.evaluate != m1.cycles.evaluate ||
       m0.merge_cycles != m1.merge_cycles)) {
    std::string keys;
    for (const ConfigDifference& d : config_differences(before.resolved_yaml, after.resolved_yaml))
      if (d.key.size() < 7 || d.key.compare(d.key.size() - 7, 7, ".source") != 0) keys += (keys.empty() ? "" : ", ") + d.key;
    throw InputError(fmt::format("{}: the new values change the analog macros' phase timing (precharge {} -> {}, "
                                 "evaluate {} -> {}, merges [{}] -> [{}] cycles), not only prices; simulate it again "
                                 "with cimsim run",
                                 keys, m0.cycles.precharge, m1.cycles.precharge, m0.cycles.evaluate, m1.cycles.evaluate,
                                 fmt::join(m0.merge_cycles, ", "), fmt::join(m1.merge_cycles, ", ")));
  }
  const auto prices = run_prices(after, ttfs);
  double layer_energy = 0;
  for (auto& l : j["layers"]) {
    const EnergyBreakdown e = price_groups(groups_from_json(l["actions"]), prices, zeros_like(l["energy_breakdown_pj"]));
    l["energy_breakdown_pj"] = breakdown_json(e);
    l["energy_pj"] = e.total();
    layer_energy += e.total();
  }
  const EnergyBreakdown total = price_groups(groups_from_json(j["actions"]), prices, zeros_like(j["energy_breakdown_pj"]));
  Json& t = j["totals"];
  t["energy_pj"] = total.total();
  t["unattributed_energy_pj"] = total.total() - layer_energy;
  const double macs = t["macs"].get<double>();
  t["tops_per_w"] = total.total() > 0 ? 2.0 * macs / total.total() : 0.0;
  j["energy_breakdown_pj"] = breakdown_json(total);
  if (!ttfs) {  // the table the run is now priced with, and the signal it gives at the supply and swing
    j["arch"]["tech"] = after.tech.name;
    Json& m = j["arch"]["macro"];
    m["lsb_mv"] = lsb_per_level_mv(after.tech, after.chip.macro);
    m["segment_cap_ff"] = derive_prices(after.tech, after.chip.macro, 1).segment_cap_ff;
    // The phase times under the new values (their cycles are unchanged: checked above).
    const PhaseTimes pt = derive_phase_times(after.tech, after.chip.macro);
    Json& tm = m["timing"];
    tm["precharge_ns"] = pt.precharge_ns;
    tm["evaluate_ns"] = pt.evaluate_ns;
    tm["merge_ns"] = pt.merge_ns;
    tm["settle_time_constants"] = pt.n_tau;
    tm["precharge_driver_kohm"] = pt.r_precharge_kohm;
    tm["merge_switch_kohm"] = pt.r_switch_kohm;
  }
  j["prices"] = prices_json(prices);

  std::vector<std::pair<std::string, std::string>> files = {{"report.json", j.dump(2) + "\n"},
                                                            {"layers.csv", layers_csv(j)},
                                                            {"components.csv", components_csv(j)},
                                                            {"report.html", report_html(j)},
                                                            {"resolved.yaml", after.resolved_yaml}};
  // The hardware's outputs do not change with prices: copied as they are.
  if (fs::is_directory(run_dir / "outputs"))
    for (const auto& e : fs::recursive_directory_iterator(run_dir / "outputs"))
      if (e.is_regular_file()) files.emplace_back(fs::relative(e.path(), run_dir).string(), slurp(e.path()));
  std::error_code ec;
  if (fs::exists(out) && fs::equivalent(run_dir, out, ec))
    throw InputError(fmt::format("--out {}: is the run being re-priced; choose another folder", out.string()));
  write_folder_atomic(out, files, {"report.json", "resolved.yaml"});
}

}  // namespace cimsim
