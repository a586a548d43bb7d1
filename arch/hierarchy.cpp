#include "arch/hierarchy.hpp"

#include <algorithm>

namespace cimsim {

Hierarchy::Hierarchy(const MacroParams& p)
    : m_pattern(p.hierarchy),
      m_rows(p.rows),
      m_cols(p.cols),
      m_gate_cols(p.gate_cols),
      m_col_groups((p.cols + p.gate_cols - 1) / p.gate_cols),
      m_gating_level(int(p.gating_level)) {
  int64_t s = 1;
  for (auto f : m_pattern) {
    s *= f;
    m_span.push_back(s);
  }
}

}  // namespace cimsim
