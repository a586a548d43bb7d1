#include "power/report.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace cimsim {

namespace {

nlohmann::ordered_json breakdown_json(const EnergyBreakdown& e) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (const auto& [k, v] : e.items) j[k] = v;
  return j;
}

nlohmann::ordered_json stalls_json(const Stalls& s) {
  return {{"wakeup", s.wakeup}, {"readout_share", s.readout_share}, {"buffer", s.buffer}, {"weight_write", s.weight_write}};
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

std::string report_json(const Report& r) {
  nlohmann::ordered_json j;
  j["schema"] = "cimsim.report/1";
  j["workload"] = r.workload;
  j["arch"] = {{"tech", r.arch.tech},
               {"clock_mhz", r.arch.clock_mhz},
               {"macro", {{"rows", r.arch.rows},
                          {"cols", r.arch.cols},
                          {"hierarchy", r.arch.hierarchy},
                          {"gating_level", r.arch.gating_level},
                          {"gate_cols", r.arch.gate_cols},
                          {"domains", r.arch.domains}}},
               {"macros", {{"cim1x1", r.arch.macros_1x1}, {"cim3x3", r.arch.macros_3x3}}},
               {"weights_resident", r.arch.weights_resident},
               {"reorder_channels", r.arch.reorder_channels},
               {"readout", {{"kind", r.arch.readout}, {"bits", r.arch.readout_bits}, {"share", r.arch.adc_share}}}};
  j["totals"] = {{"cycles", r.cycles},
                 {"time_ns", r.time_ns},
                 {"energy_pj", r.energy_pj},
                 {"macs", r.macs},
                 {"tops_per_w", r.tops_per_w},
                 {"gated_fraction_ops", r.gated_fraction_ops},
                 {"gated_fraction_time", r.gated_fraction_time},
                 {"gated_fraction_ops_without_reorder", opt(r.gated_fraction_ops_without_reorder)},
                 {"gated_fraction_time_without_reorder", opt(r.gated_fraction_time_without_reorder)},
                 {"stall_cycles", stalls_json(r.stalls)}};
  j["energy_breakdown_pj"] = breakdown_json(r.energy);
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
                      {"stall_cycles", stalls_json(l.stalls)},
                      {"energy_pj", l.energy_pj},
                      {"energy_breakdown_pj", breakdown_json(l.energy)},
                      {"macs", l.macs},
                      {"gated_fraction_ops", l.gated_fraction_ops},
                      {"gated_fraction_time", l.gated_fraction_time}});
  }
  j["layers"] = layers;
  const auto& f = r.function;
  j["function"] = {{"samples", f.samples},
                   {"outputs_match_reference", f.outputs_match_reference},
                   {"mismatched_samples", f.mismatched_samples},
                   {"max_abs_error", f.max_abs_error},
                   {"tolerance", f.tolerance},
                   {"accuracy", opt(f.accuracy)},
                   {"reference_accuracy", opt(f.reference_accuracy)},
                   {"readout_lossless", f.readout_lossless}};
  return j.dump(2) + "\n";
}

std::string layers_csv(const Report& r) {
  std::string out = "name,kind,op_type,macro,row_tiles,col_tiles,ops,weight_writes,cycles,stall_wakeup,"
                    "stall_readout_share,stall_buffer,stall_weight_write,macs,energy_pj,gated_fraction_ops,gated_fraction_time";
  if (!r.layers.empty())
    for (const auto& [k, v] : r.layers.front().energy.items) out += ",energy_" + k + "_pj";
  out += "\n";
  for (const auto& l : r.layers) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", field(l.name), l.kind, l.op_type, l.macro,
                       l.row_tiles, l.col_tiles, l.ops, l.weight_writes, l.cycles, l.stalls.wakeup,
                       l.stalls.readout_share, l.stalls.buffer, l.stalls.weight_write, l.macs, num(l.energy_pj),
                       num(l.gated_fraction_ops), num(l.gated_fraction_time));
    for (const auto& [k, v] : l.energy.items) out += "," + num(v);
    out += "\n";
  }
  return out;
}

}  // namespace cimsim
