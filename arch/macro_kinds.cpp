#include "arch/macro_kinds.hpp"

#include "arch/cim_macro.hpp"
#include "arch/dcim_macro.hpp"

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
  return k;
}

std::vector<MacroKind> registered() {
  std::vector<MacroKind> kinds;
  kinds.push_back(analog("cim1x1", "analog macros for 1x1 convolutions and dense layers (rows packed)", false,
                         [](const LayerSpec& L) { return L.kernel != 3; }));
  kinds.push_back(analog("cim3x3", "analog macros for 3x3 and depthwise 3x3 convolutions, with a line buffer", true,
                         [](const LayerSpec& L) { return L.kernel == 3; }));
  kinds.push_back(macro_kind_with_params<DcimMacro, DcimParams>(
      {"dcim", "all-digital macros (bit-serial inputs, an adder tree per column, no ADC); take any layer", 0, "dcim",
       "the all-digital macro kind (arch.macros.dcim)", {}, {}, {}, false, false, false,
       [](const LayerSpec&) { return true; }, {}}));
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

std::string macro_kind_names() {
  std::string s;
  for (const auto& k : macro_kinds()) s += (s.empty() ? "" : ", ") + k.name;
  return s;
}

}  // namespace cimsim
