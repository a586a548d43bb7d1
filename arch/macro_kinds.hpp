// The registry of macro kinds. A kind is its module class, its params struct and one
// registration line in macro_kinds.cpp; the chip's config (`arch.macros.<kind>: N`), the
// controller's choice of kind per layer, the mapper's layout and the price table all read it
// from here. Layers go to the first kind (in registration order) that takes them naturally and
// that the chip has, else to the first kind the chip has; `mapping.force` overrides per layer.
#pragma once
#include <systemc>
#include <any>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "arch/macro.hpp"
#include "arch/params.hpp"
#include "workloads/mapping.hpp"
#include "workloads/network.hpp"

namespace cimsim {

struct MacroKind {
  std::string name;
  std::string what;            // one line for the config reference
  int64_t default_count = 0;   // arch.macros.<name>
  // Params the kind declares itself under arch.<section>; empty: it uses arch.macro and arch.readout.
  std::string section;
  std::string section_what;
  std::function<std::any()> make_params;
  std::function<void(ParamVisitor&, std::any&)> declare_params;
  // Geometry the mapper and the price table see (rows, cols, hierarchy, gating domains).
  std::function<MacroParams(const ChipParams&)> geometry;
  bool aligned_taps = false;       // each tap's channels start at a gating-domain boundary; a line buffer feeds it
  bool analog_accumulation = false;  // honours arch.readout.accumulate: analog
  bool adc_readout = false;          // priced with the configured read-out (arch.readout)
  std::function<bool(const LayerSpec&)> natural;
  // What one macro of the kind is, for reports ("256x256, bit line [16, 4, 4], ...").
  std::function<std::string(const ChipParams&)> describe;
  std::function<std::unique_ptr<MacroModule>(const char* name, const ChipParams&, sc_core::sc_time period)> make;

  MacroShape shape(const ChipParams& c) const {
    const MacroParams g = geometry(c);
    return {g.rows, g.cols, g.domain_rows(), aligned_taps};
  }
};

const std::vector<MacroKind>& macro_kinds();
// The chip's macros in words: kinds with the same description grouped, e.g.
// "1 cim1x1 + 1 cim3x3 macros of 256x256, bit line [16, 4, 4], ...; 2 dcim macros of ...".
std::string describe_macros(const ChipParams& chip);
// nullptr when no kind has that name.
const MacroKind* find_macro_kind(const std::string& name);

// A kind with its own params struct P (declared under arch.<section>) and module M(name, const P&, period).
template <class M, class P>
MacroKind macro_kind_with_params(MacroKind k) {
  k.make_params = [] { return std::any(P()); };
  k.declare_params = [](ParamVisitor& v, std::any& a) { std::any_cast<P&>(a).declare(v); };
  const std::string key = k.name;
  k.geometry = [key](const ChipParams& c) { return std::any_cast<const P&>(c.kind_params.at(key)).geometry(); };
  k.make = [key](const char* name, const ChipParams& c, sc_core::sc_time period) -> std::unique_ptr<MacroModule> {
    return std::make_unique<M>(name, std::any_cast<const P&>(c.kind_params.at(key)), period);
  };
  k.describe = [key](const ChipParams& c) { return std::any_cast<const P&>(c.kind_params.at(key)).describe(); };
  return k;
}

}  // namespace cimsim
