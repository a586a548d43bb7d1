// Geometry of the hierarchical bit line and of the power-gating domains on it.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "arch/params.hpp"

namespace cimsim {

class Hierarchy {
 public:
  explicit Hierarchy(const MacroParams& p);

  int levels() const { return int(m_pattern.size()); }
  // Rows under one node (segment) of `level`: product of pattern[0..level].
  int64_t span(int level) const { return m_span[level]; }
  int64_t nodes(int level) const { return m_rows / m_span[level]; }
  // Children of one node of `level` (pattern[level]; cells for the leaf level).
  int64_t fanin(int level) const { return m_pattern[level]; }

  // Gating domains: one node at the gating level x a group of gate_cols adjacent columns.
  int gating_level() const { return m_gating_level; }
  int64_t domain_rows() const { return span(m_gating_level); }
  int64_t row_domains() const { return nodes(m_gating_level); }
  int64_t col_groups() const { return m_col_groups; }
  int64_t domains() const { return row_domains() * m_col_groups; }
  int64_t group_cols(int64_t g) const { return std::min(m_gate_cols, m_cols - g * m_gate_cols); }  // the last may be narrower
  int64_t gate_cols() const { return m_gate_cols; }
  int64_t rows() const { return m_rows; }
  int64_t cols() const { return m_cols; }

 private:
  std::vector<int64_t> m_pattern, m_span;
  int64_t m_rows, m_cols, m_gate_cols, m_col_groups;
  int m_gating_level;
};

}  // namespace cimsim
