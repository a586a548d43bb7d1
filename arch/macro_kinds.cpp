#include "arch/macro_kinds.hpp"

#include "arch/cim_macro.hpp"
#include "arch/dcim_macro.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace cimsim {

namespace {

// The analog macros share arch.macro and arch.readout; they differ in how a layer is laid out.
MacroKind analog(const char* name, const char* what, bool aligned, std::function<bool(const LayerSpec&)> natural) {
  MacroKind k;
  k.name = name;
  k.what = what;
  k.default_count = 1;
  k.geometry = [](const ChipParams& c) { return c.macro; };
  k.aligned_taps = aligned;
  k.analog_accumulation = true;
  k.adc_readout = true;
  k.natural = std::move(natural);
  k.make = [](const char* n, const ChipParams& c, sc_core::sc_time period) -> std::unique_ptr<MacroModule> {
    return std::make_unique<CimMacro>(n, c.macro, c.readout, period);
  };
  k.describe = [](const ChipParams& c) {
    const auto ro = make_readout(c.readout, c.macro);
    const int root = int(c.macro.hierarchy.size()) - 1;
    const std::string where =
        c.macro.readout_at() == root
            ? fmt::format("{} read-out ({} bits)", ro->kind(), ro->resolution_bits())
            : fmt::format("{} read-outs at level {} ({} rows, {} bits each, summed digitally)", ro->kind(),
                          c.macro.readout_at(), c.macro.readout_rows(), ro->resolution_bits());
    return fmt::format("{}x{}, bit line [{}], gating level {} x {} columns, {}", c.macro.rows, c.macro.cols,
                       fmt::join(c.macro.hierarchy, ", "), c.macro.gating_level, c.macro.gate_cols, where);
  };
  return k;
}

std::vector<MacroKind> registered() {
  std::vector<MacroKind> kinds;
  kinds.push_back(analog("cim1x1", "analog macros for 1x1 convolutions and dense layers (rows packed)", false,
                         [](const LayerSpec& L) { return !(L.kernel == 3 && L.kw() == 3 && L.dilation == 1); }));
  kinds.push_back(analog("cim3x3", "analog macros for 3x3 and depthwise 3x3 convolutions, with a line buffer", true,
                         [](const LayerSpec& L) { return L.kernel == 3 && L.kw() == 3 && L.dilation == 1; }));
  MacroKind dcim;
  dcim.name = "dcim";
  dcim.what = "all-digital macros (bit-serial inputs, an adder tree per column, no ADC); take any layer";
  dcim.section = "dcim";
  dcim.section_what = "the all-digital macro kind (arch.macros.dcim)";
  dcim.natural = [](const LayerSpec&) { return true; };
  kinds.push_back(macro_kind_with_params<DcimMacro, DcimParams>(dcim));
  return kinds;
}

}  // namespace

const std::vector<MacroKind>& macro_kinds() {
  static const std::vector<MacroKind> kinds = registered();
  return kinds;
}

const MacroKind* find_macro_kind(const std::string& name) {
  for (const auto& k : macro_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

std::string describe_macros(const ChipParams& chip) {
  std::vector<std::pair<std::string, std::string>> groups;  // description -> "1 cim1x1 + 1 cim3x3"
  for (const auto& k : macro_kinds()) {
    if (chip.count(k.name) == 0) continue;
    const std::string d = k.describe(chip), n = fmt::format("{} {}", chip.count(k.name), k.name);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == d; });
    if (it == groups.end()) groups.emplace_back(d, n);
    else it->second += " + " + n;
  }
  std::string s;
  for (const auto& [d, n] : groups) s += fmt::format("{}{} macros of {}", s.empty() ? "" : "; ", n, d);
  return s;
}

}  // namespace cimsim
