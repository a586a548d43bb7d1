#include "power/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "workloads/errors.hpp"

namespace cimsim {

namespace {

nlohmann::ordered_json breakdown_json(const EnergyBreakdown& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : e.items) j[k] = v;
  return j;
}

nlohmann::ordered_json stalls_json(const Stalls& s) {
  return {{"wakeup", s.wakeup}, {"readout_share", s.readout_share}, {"buffer", s.buffer}, {"weight_write", s.weight_write},
          {"memory", s.memory}};
}

template <class T>
nlohmann::ordered_json opt(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

// CSV numbers: shortest round-trip form, so that the same run gives the same bytes.
std::string num(double v) { return fmt::format("{}", v); }

std::string field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Json groups_json(const ActionGroups& groups) {
  Json j = Json::object();
  for (const auto& [table, counts] : groups) {
    Json c = Json::object();
    for (const auto& [action, n] : counts) c[action] = n;
    j[table] = c;
  }
  return j;
}

ActionGroups groups_from_json(const Json& j) {
  ActionGroups g;
  for (auto it = j.begin(); it != j.end(); ++it) {
    Counts c;
    for (auto a = it.value().begin(); a != it.value().end(); ++a) c.emplace_back(a.key(), a.value().get<double>());
    g.emplace_back(it.key(), std::move(c));
  }
  return g;
}

Json prices_json(const std::vector<std::pair<std::string, PriceTable>>& prices) {
  Json j = Json::object();
  for (const auto& [name, table] : prices) {
    Json t = Json::array();
    for (const Price& p : table) t.push_back({{"action", p.action}, {"component", p.component}, {"pj", p.pj}, {"source", p.source}});
    j[name] = t;
  }
  return j;
}

std::vector<std::pair<std::string, PriceTable>> prices_from_json(const Json& j) {
  std::vector<std::pair<std::string, PriceTable>> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    PriceTable t;
    for (const auto& p : it.value())
      t.push_back({p["action"].get<std::string>(), p["component"].get<std::string>(), p["pj"].get<double>(),
                   p["source"].get<std::string>()});
    out.emplace_back(it.key(), std::move(t));
  }
  return out;
}

EnergyBreakdown price_groups(const ActionGroups& groups, const std::vector<std::pair<std::string, PriceTable>>& prices,
                             EnergyBreakdown e) {
  for (const auto& [table, counts] : groups)
    for (const auto& [name, t] : prices)
      if (name == table) charge(e, counts, t);
  return e;
}

Json read_report(const std::filesystem::path& dir) {
  const auto file = dir / "report.json";
  std::ifstream f(file);
  if (!f) throw InputError(fmt::format("{}: no report.json (expected the --out folder of a cimsim run)", dir.string()));
  try {
    Json j = Json::parse(f);
    if (j.value("schema", "") != "cimsim.report/1") throw InputError(fmt::format("{}: not a cimsim.report/1 report", file.string()));
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: not a valid report: {}", file.string(), e.what()));
  }
}

AccuracyStats accuracy_stats(const std::vector<double>& a) {
  AccuracyStats s;
  if (a.empty()) return s;
  double sum = 0, sq = 0;
  s.min = a[0];
  for (double x : a) {
    sum += x;
    s.min = std::min(s.min, x);
  }
  s.mean = sum / double(a.size());
  for (double x : a) sq += (x - s.mean) * (x - s.mean);
  s.sigma = a.size() > 1 ? std::sqrt(sq / double(a.size() - 1)) : 0.0;  // sample standard deviation
  return s;
}

namespace {
Json read_errors_json(const ReadErrors& e) {
  return {{"reads", e.reads}, {"reads_wrong", e.reads_wrong}, {"mean_lsb", e.mean_lsb}, {"sigma_lsb", e.sigma_lsb}};
}
}  // namespace

std::string report_json(const Report& r) {
  nlohmann::ordered_json j;
  j["schema"] = "cimsim.report/1";
  j["workload"] = r.workload;
  j["arch"] = {{"tech", r.arch.tech},
               {"clock_mhz", r.arch.clock_mhz},
               {"macro", {{"rows", r.arch.rows},
                          {"cols", r.arch.cols},
                          {"hierarchy", r.arch.hierarchy},
                          {"lsb_mv", r.arch.lsb_mv},
                          {"segment_cap_ff", r.arch.segment_cap_ff},
                          {"timing", {{"mode", r.arch.timing},
                                      {"precharge_cycles", r.arch.precharge_cycles},
                                      {"evaluate_cycles", r.arch.evaluate_cycles},
                                      {"merge_cycles", r.arch.merge_cycles},
                                      {"precharge_ns", r.arch.phase_times.precharge_ns},
                                      {"evaluate_ns", r.arch.phase_times.evaluate_ns},
                                      {"merge_ns", r.arch.phase_times.merge_ns},
                                      {"settle_time_constants", r.arch.phase_times.n_tau},
                                      {"precharge_driver_kohm", r.arch.phase_times.r_precharge_kohm},
                                      {"merge_switch_kohm", r.arch.phase_times.r_switch_kohm}}},
                          {"gating_level", r.arch.gating_level},
                          {"gate_cols", r.arch.gate_cols},
                          {"domains", r.arch.domains}}},
               {"macros", [&] {
                  Json m = Json::object();
                  for (const auto& [k, n] : r.arch.macros) m[k] = n;
                  return m;
                }()},
               {"chip", r.arch.chip},
               {"schedule", r.arch.schedule},
               {"weights_resident", r.arch.weights_resident},
               {"reorder_channels", r.arch.reorder_channels},
               {"readout", {{"kind", r.arch.readout}, {"bits", r.arch.readout_bits}, {"share", r.arch.adc_share}, {"level", r.arch.readout_level}, {"converters_per_macro", r.arch.converters}, {"range", r.arch.readout_range}, {"range_percentile", r.arch.range_percentile > 0 ? Json(r.arch.range_percentile) : Json(nullptr)}, {"range_samples", r.arch.range_percentile > 0 ? Json(r.arch.range_samples) : Json(nullptr)}}}};
  j["totals"] = {{"cycles", r.cycles},
                 {"time_ns", r.time_ns},
                 {"energy_pj", r.energy_pj},
                 {"macs", r.macs},
                 {"tops_per_w", r.tops_per_w},
                 {"gated_fraction_ops", r.gated_fraction_ops},
                 {"gated_fraction_time", r.gated_fraction_time},
                 {"utilisation", r.utilisation},
                 {"gated_fraction_data", r.gated_fraction_data},
                 {"gated_fraction_ops_without_reorder", opt(r.gated_fraction_ops_without_reorder)},
                 {"gated_fraction_time_without_reorder", opt(r.gated_fraction_time_without_reorder)},
                 {"stall_cycles", stalls_json(r.stalls)},
                 {"unattributed_energy_pj", r.unattributed_pj},
                 {"area_mm2", r.area ? Json(r.area->mm2()) : Json(nullptr)},
                 {"tops_per_mm2", r.area ? Json(r.tops_per_mm2) : Json(nullptr)}};
  if (r.area) {
    Json blocks = Json::array();
    for (const auto& b : r.area->blocks) {
      Json parts = Json::array();
      for (const auto& p : b.parts)
        parts.push_back({{"name", p.name}, {"count", p.count}, {"each_um2", p.each_um2}, {"um2", p.um2()}});
      blocks.push_back({{"name", b.name}, {"count", b.count}, {"each_um2", b.each_um2()}, {"um2", b.um2()}, {"parts", parts}});
    }
    j["area"] = {{"chip_mm2", r.area->mm2()}, {"blocks", blocks}};
  } else {
    j["area"] = nullptr;
  }
  if (r.memory) {
    const MemoryReport& m = *r.memory;
    j["memory"] = {{"kind", m.kind}, {"pj_per_bit", m.pj_per_bit}, {"gb_per_s", m.gb_per_s},
                   {"bits_per_cycle", m.bits_per_cycle}, {"input_read_bits", m.input_read_bits},
                   {"output_write_bits", m.output_write_bits}, {"weight_fetch_bits", m.weight_fetch_bits},
                   {"weight_load_bits", m.weight_load_bits}, {"traffic_energy_pj", m.traffic_pj},
                   {"one_time_energy_pj", m.one_time_pj}, {"busy_cycles", m.busy_cycles},
                   {"stall_cycles", m.stall_cycles}};
  } else {
    j["memory"] = nullptr;
  }
  j["energy_breakdown_pj"] = breakdown_json(r.energy);
  j["actions"] = groups_json(r.actions);
  j["prices"] = prices_json(r.prices);
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& l : r.layers) {
    layers.push_back({{"name", l.name},
                      {"kind", l.kind},
                      {"op_type", l.op_type},
                      {"macro", l.macro},
                      {"tiles", {{"rows", l.row_tiles}, {"cols", l.col_tiles}}},
                      {"ops", l.ops},
                      {"weight_writes", l.weight_writes},
                      {"cycles", l.cycles},
                      {"start_cycle", l.start_cycle},
                      {"end_cycle", l.end_cycle},
                      {"macro_busy_cycles", l.macro_busy_cycles},
                      {"stall_cycles", stalls_json(l.stalls)},
                      {"energy_pj", l.energy_pj},
                      {"energy_breakdown_pj", breakdown_json(l.energy)},
                      {"macs", l.macs},
                      {"gated_fraction_ops", l.gated_fraction_ops},
                      {"gated_fraction_time", l.gated_fraction_time},
                      {"utilisation", l.utilisation},
                      {"gated_fraction_data", l.gated_fraction_data},
                      {"events", {{"gate", l.gate_events}, {"wake", l.wake_events}}},
                      {"gating_map", l.gating_map.empty() ? nlohmann::ordered_json(nullptr)
                                                           : nlohmann::ordered_json{{"rows", l.gating_rows},
                                                                                    {"cols", l.gating_cols},
                                                                                    {"gated_fraction", l.gating_map}}},
                      {"read_errors", l.read_errors ? read_errors_json(*l.read_errors) : Json(nullptr)},
                      {"flipped", l.flipped ? Json(*l.flipped) : Json(nullptr)},
                      {"actions", groups_json(l.actions)}});
  }
  j["layers"] = layers;
  if (r.ttfs) {
    const TtfsSummary& t = *r.ttfs;
    nlohmann::ordered_json tl = nlohmann::ordered_json::array();
    for (const auto& l : t.layers)
      tl.push_back({{"name", l.name}, {"neurons", l.neurons}, {"spikes", l.spikes}, {"spikes_per_neuron", l.spikes_per_neuron},
                    {"synaptic_events", l.synaptic_events}, {"raster_first_sample", l.raster}});
    j["ttfs"] = {{"solver", t.solver}, {"dstd_steps", t.dstd_steps},
                 {"e_rev_pos", std::isinf(t.e_rev_pos) ? nlohmann::ordered_json("inf") : nlohmann::ordered_json(t.e_rev_pos)},
                 {"e_rev_neg", std::isinf(t.e_rev_neg) ? nlohmann::ordered_json("-inf") : nlohmann::ordered_json(t.e_rev_neg)},
                 {"pipelined", t.pipelined}, {"arrays_needed", t.arrays_needed}, {"spikes", t.spikes},
                 {"spikes_per_neuron", t.spikes_per_neuron}, {"spikes_per_hidden_neuron", t.spikes_per_hidden_neuron},
                 {"synaptic_events", t.synaptic_events}, {"layers", tl}};
  } else {
    j["ttfs"] = nullptr;
  }
  const auto& f = r.function;
  j["function"] = {{"samples", f.samples},
                   {"outputs_match_reference", f.outputs_match_reference},
                   {"mismatched_samples", f.mismatched_samples},
                   {"max_abs_error", f.max_abs_error},
                   {"tolerance", f.tolerance},
                   {"accuracy", opt(f.accuracy)},
                   {"reference_accuracy", opt(f.reference_accuracy)},
                   {"reference_ties", f.reference_ties ? Json(*f.reference_ties) : Json(nullptr)},
                   {"readout_lossless", f.readout_lossless},
                   {"noise", nullptr}};
  if (f.noise) {
    const auto& n = *f.noise;
    j["function"]["noise"] = {{"seed", n.chip.seed},
                              {"sigma_lsb", {{"thermal", n.chip.thermal_lsb}, {"comparator", n.chip.comparator_lsb},
                                             {"offset", n.chip.offset_lsb}}},
                              {"cell_sigma", n.chip.cell_sigma},
                              {"droop_lsb_per_ns", n.chip.droop_lsb_ns},
                              {"droop_max_lsb", n.chip.droop_max_lsb},
                              {"outputs_match_reference", n.outputs_match_reference},
                              {"mismatched_samples", n.mismatched_samples},
                              {"accuracy", opt(n.accuracy)},
                              {"read_errors", read_errors_json(n.reads)},
                              {"flip_samples", n.flip_samples},
                              {"flipped", n.flipped},
                              {"chips", nullptr}};
    if (n.chip_mismatched.size() > 1) {
      Json chips = {{"count", n.chip_mismatched.size()}, {"mismatched_samples", n.chip_mismatched}};
      if (!n.chip_accuracy.empty()) {
        const AccuracyStats a = accuracy_stats(n.chip_accuracy);
        chips["accuracy"] = n.chip_accuracy;
        chips["accuracy_mean"] = a.mean;
        chips["accuracy_sigma"] = a.sigma;
        chips["accuracy_min"] = a.min;
      }
      j["function"]["noise"]["chips"] = chips;
    }
  }
  return j.dump(2) + "\n";
}

std::string layers_csv(const Json& j) {
  const auto& layers = j["layers"];
  std::string out = "name,kind,op_type,macro,row_tiles,col_tiles,ops,weight_writes,cycles,stall_wakeup,"
                    "stall_readout_share,stall_buffer,stall_weight_write,macs,energy_pj,gated_fraction_ops,gated_fraction_time,"
                    "utilisation,gated_fraction_data";
  if (!layers.empty())
    for (auto it = layers[0]["energy_breakdown_pj"].begin(); it != layers[0]["energy_breakdown_pj"].end(); ++it)
      out += ",energy_" + it.key() + "_pj";
  out += "\n";
  for (const auto& l : layers) {
    const auto& st = l["stall_cycles"];
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", field(l["name"].get<std::string>()),
                       l["kind"].get<std::string>(), l["op_type"].get<std::string>(), l["macro"].get<std::string>(),
                       l["tiles"]["rows"].get<int>(), l["tiles"]["cols"].get<int>(), l["ops"].get<uint64_t>(),
                       l["weight_writes"].get<uint64_t>(), l["cycles"].get<uint64_t>(), st["wakeup"].get<uint64_t>(),
                       st["readout_share"].get<uint64_t>(), st["buffer"].get<uint64_t>(), st["weight_write"].get<uint64_t>(),
                       l["macs"].get<uint64_t>(), num(l["energy_pj"].get<double>()), num(l["gated_fraction_ops"].get<double>()),
                       num(l["gated_fraction_time"].get<double>()), num(l.value("utilisation", 0.0)),
                       num(l.value("gated_fraction_data", 0.0)));
    for (auto it = l["energy_breakdown_pj"].begin(); it != l["energy_breakdown_pj"].end(); ++it) out += "," + num(it.value().get<double>());
    out += "\n";
  }
  return out;
}

std::string components_csv(const Json& j) {
  std::string out = "step,kind,component,energy_pj,share_of_step,share_of_run\n";
  const double total = j["totals"]["energy_pj"].get<double>();
  for (const auto& l : j["layers"]) {
    const double le = l["energy_pj"].get<double>();
    for (auto it = l["energy_breakdown_pj"].begin(); it != l["energy_breakdown_pj"].end(); ++it) {
      const double e = it.value().get<double>();
      out += fmt::format("{},{},{},{},{},{}\n", field(l["name"].get<std::string>()), l["kind"].get<std::string>(), it.key(), num(e),
                         num(le > 0 ? e / le : 0.0), num(total > 0 ? e / total : 0.0));
    }
  }
  return out;
}

}  // namespace cimsim
