#include "power/area.hpp"

#include "arch/hierarchy.hpp"

namespace cimsim {

HierarchyArea hierarchy_area(const TechTable& t, const MacroParams& macro) {
  const Hierarchy h(macro);
  HierarchyArea a;
  // A transistor of width W takes about W x 3 pitches of the cell height's feature size along
  // its gate (gate plus two contacts): estimated as W x (cell_height / 2.5), i.e. W x 3F with the
  // NeuroSim cell height of 7.69 F.
  const double len = t[Tech::CellHeight] / 2.5;
  // Levels above the read-out level are not built.
  const int L = macro.readout_at() + 1;
  for (int l = 0; l < L; ++l) {
    const int64_t segs = h.nodes(l) * macro.cols;
    a.segments += segs;
    a.precharge_um2 += double(segs) * t[Tech::PrechargeWidth] * len;
    if (l + 1 < L) {
      a.switches += segs;
      a.switches_um2 += double(segs) * t[Tech::SwitchWidth] * len;
    }
    // Every level above the leaf runs its own line over the rows it spans: one extra metal track
    // per column, of the cell width's share (a track is taken as 1/4 of the cell width).
    if (l > 0) a.wires_um2 += double(segs) * double(h.span(l)) * t[Tech::CellHeight] * t[Tech::CellWidth] / 4.0;
  }
  // Per domain: a header switch sized at 1/8 of the AND width it supplies, and two control-line
  // drivers (C1, C2) of precharge-driver width.
  a.domains = h.domains();
  const double cells = double(h.domain_rows() * h.gate_cols());
  a.gating_um2 = double(a.domains) * (cells * t[Tech::AndWidth] / 8.0 + 2.0 * t[Tech::PrechargeWidth]) * len;
  return a;
}

}  // namespace cimsim
