#include "arch/macro.hpp"

#include <stdexcept>
#include <string>

#include "workloads/bits.hpp"

namespace cimsim {

CellArray::CellArray(int64_t rows, int64_t cols, int64_t domain_rows, int64_t gate_cols)
    : m_rows(rows),
      m_cols(cols),
      m_domain_rows(domain_rows),
      m_gate_cols(gate_cols),
      m_row_nodes(rows / domain_rows),
      m_groups((cols + gate_cols - 1) / gate_cols),
      m_words(words_for(std::size_t(rows))),
      m_cells(m_words * std::size_t(cols), 0),
      m_weight_zero(std::size_t(m_row_nodes * m_groups), 1),
      m_discarded(std::size_t(m_groups), 1),
      m_needed(std::size_t(cols), 0),
      m_used(std::size_t(m_row_nodes * m_groups), 0) {}

void CellArray::store(const PackedColumns& tile, const std::vector<uint8_t>& needed) {
  const int64_t rows_used = tile.rows, cols_used = tile.cols;
  if (tile.words > m_words || cols_used > m_cols || rows_used > m_rows)
    throw std::logic_error("a tile of " + std::to_string(rows_used) + " x " + std::to_string(cols_used) +
                           " does not fit a macro of " + std::to_string(m_rows) + " x " + std::to_string(m_cols));
  std::fill(m_cells.begin(), m_cells.end(), 0);
  for (int64_t c = 0; c < cols_used; ++c) std::copy_n(tile.column(c), tile.words, &m_cells[std::size_t(c) * m_words]);
  m_used_words = std::min(m_words, tile.words);
  for (int64_t c = 0; c < m_cols; ++c) m_needed[std::size_t(c)] = c < cols_used && needed[std::size_t(c)];
  const int64_t S = m_domain_rows;
  for (int64_t g = 0; g < m_groups; ++g) {
    bool discarded = true;
    for (int64_t c = group_begin(g); c < group_end(g); ++c) discarded = discarded && !m_needed[std::size_t(c)];
    m_discarded[std::size_t(g)] = discarded;
    for (int64_t r = 0; r < m_row_nodes; ++r) {
      bool zero = true;
      for (int64_t c = group_begin(g); zero && c < group_end(g); ++c)
        zero = !any_in_range(&m_cells[std::size_t(c) * m_words], std::size_t(r * S), std::size_t((r + 1) * S));
      m_weight_zero[std::size_t(r * m_groups + g)] = zero;
      m_used[std::size_t(r * m_groups + g)] = r * S < rows_used && group_begin(g) < cols_used;
    }
  }
}

void DomainBank::change(std::size_t d, PowerDomain::State s, uint64_t now, MacroCounters& c, bool& woke) {
  m_domains[d].set_state(s, now);
  if (s == PowerDomain::State::On) {
    ++c[Act::WakeEvent];
    woke = true;
    m_trace.change(now, int(d), 2);
    m_trace.change(now + uint64_t(m_wakeup), int(d), 0);
  } else {
    ++c[Act::GateEvent];
    m_trace.change(now, int(d), 1);
  }
}

void DomainBank::first_write(uint64_t now) {
  if (m_in_use) return;
  m_in_use = true;
  for (auto& d : m_domains) {
    d.checkpoint(now);
    m_idle_gated += d.cycles_gated();
  }
}

void DomainBank::residency(uint64_t now, MacroCounters& c) {
  uint64_t on = 0, gated = 0;
  for (auto& d : m_domains) {
    d.checkpoint(now);
    on += d.cycles_on();
    gated += d.cycles_gated();
  }
  c[Stat::DomainCyclesOn] = on;
  c[Stat::DomainCyclesGated] = m_in_use ? gated - m_idle_gated : 0;
  c[Stat::DomainCyclesIdle] = m_in_use ? m_idle_gated : gated;
}

}  // namespace cimsim
