// Area estimate of what a bit-line hierarchy and its power gating add to the cell array: segment
// precharge drivers, merge switches, and per gating domain a header switch and two control-line
// drivers. For comparing hierarchy patterns in a sweep, not a layout.
#pragma once
#include "arch/params.hpp"
#include "power/tech.hpp"

namespace cimsim {

struct HierarchyArea {
  double precharge_um2 = 0, switches_um2 = 0, gating_um2 = 0, wires_um2 = 0;
  double total_um2() const { return precharge_um2 + switches_um2 + gating_um2 + wires_um2; }
  int64_t segments = 0, switches = 0, domains = 0;
};

HierarchyArea hierarchy_area(const TechTable& tech, const MacroParams& macro);

}  // namespace cimsim
