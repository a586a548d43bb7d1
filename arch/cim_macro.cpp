#include "arch/cim_macro.hpp"

#include <fmt/format.h>

#include "workloads/bits.hpp"

namespace cimsim {

CimMacro::CimMacro(sc_core::sc_module_name name, const MacroParams& p, const IReadout& readout,
                   sc_core::sc_time period)
    : sc_core::sc_module(name),
      op_target("op_target"),
      m_p(p),
      m_readout(readout),
      m_h(p),
      m_period(period),
      m_words_per_col(words_for(std::size_t(p.rows))),
      m_cells(m_words_per_col * std::size_t(p.cols), 0),
      m_weight_zero(std::size_t(m_h.domains()), 1),
      m_group_discarded(std::size_t(m_h.col_groups()), 1),
      m_col_needed(std::size_t(p.cols), 0),
      m_domains(std::size_t(m_h.domains())),
      m_domain_skips(std::size_t(m_h.domains()), 0),
      m_count(std::size_t(m_h.levels())),
      m_row_any(std::size_t(m_h.row_domains())),
      m_active(std::size_t(m_h.domains())),
      m_row_ones(std::size_t(m_h.row_domains())),
      m_group_active_rows(std::size_t(m_h.col_groups())),
      m_op_precharge(std::size_t(m_h.levels())) {
  op_target.bind(*this);
}

uint64_t CimMacro::now_cycles() const {
  return uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
}

void CimMacro::set_domain(std::size_t d, PowerDomain::State s, uint64_t now, bool& woke) {
  if (!m_domains[d].set_state(s, now)) return;
  if (s == PowerDomain::State::On) {
    ++m_count[Act::WakeEvent];
    woke = true;
    trace_change(now, int(d), 2);
    trace_change(now + uint64_t(m_p.cycles.wakeup), int(d), 0);
  } else {
    ++m_count[Act::GateEvent];
    trace_change(now, int(d), 1);
  }
}

void CimMacro::enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) {
  m_tracing = true;
  m_trace_from = from;
  m_trace_to = to;
  // Signals made after elaboration of the module are top-level objects: prefix the macro's name.
  const std::string prefix = basename();
  m_phase_sig = std::make_unique<sc_core::sc_signal<int>>((prefix + "_phase").c_str(), 0);
  sc_core::sc_trace(tf, *m_phase_sig, std::string(name()) + ".phase");
  const int64_t G = m_h.col_groups();
  for (std::size_t d = 0; d < m_domains.size(); ++d) {
    const std::string n = fmt::format("domain_r{:03d}_g{:03d}", int64_t(d) / G, int64_t(d) % G);
    m_domain_sig.push_back(std::make_unique<sc_core::sc_signal<int>>((prefix + "_" + n).c_str(), 0));
    sc_core::sc_trace(tf, *m_domain_sig.back(), std::string(name()) + "." + n);
  }
  sc_core::sc_spawn([this] { tracer(); });
}

void CimMacro::trace_change(uint64_t cycle, int signal, int value) {
  if (!m_tracing || cycle < m_trace_from || cycle > m_trace_to) return;
  m_trace_queue.push({cycle, m_trace_seq++, signal, value});
  m_trace_ev.notify(sc_core::SC_ZERO_TIME);
}

void CimMacro::trace_phases(uint64_t start, std::initializer_list<std::pair<Phase, uint64_t>> phases) {
  if (!m_tracing) return;
  for (const auto& [phase, cycles] : phases) {
    if (cycles == 0) continue;
    trace_change(start, -1, phase);
    start += cycles;
  }
  trace_change(start, -1, Idle);
}

// Writes the queued changes at their cycles; before the window all signals read 0, at its start
// every domain's state is written once.
void CimMacro::tracer() {
  if (m_trace_from > 0) wait(m_period * double(m_trace_from));
  for (std::size_t d = 0; d < m_domains.size(); ++d)
    m_domain_sig[d]->write(m_domains[d].state() == PowerDomain::State::Gated ? 1 : 0);
  for (;;) {
    while (m_trace_queue.empty()) wait(m_trace_ev);
    const TraceEvent e = m_trace_queue.top();
    const uint64_t now = now_cycles();
    if (e.cycle > now) {
      wait(m_period * double(e.cycle - now));
      continue;  // an earlier change may have been queued meanwhile
    }
    m_trace_queue.pop();
    (e.signal < 0 ? *m_phase_sig : *m_domain_sig[std::size_t(e.signal)]).write(e.value);
  }
}

uint64_t CimMacro::write_weights(const std::vector<uint8_t>& bits, int64_t rows_used,
                                 int64_t cols_used, const std::vector<uint8_t>& needed) {
  const uint64_t now = now_cycles();
  if (!m_in_use) {  // the time before the first write is idle, not part of the gated fractions
    m_in_use = true;
    for (auto& d : m_domains) {
      d.checkpoint(now);
      m_idle_gated += d.cycles_gated();
    }
  }
  // Writing drives every column's bit line: all domains must be on.
  bool woke = false;
  for (std::size_t d = 0; d < m_domains.size(); ++d) set_domain(d, PowerDomain::State::On, now, woke);

  std::fill(m_cells.begin(), m_cells.end(), 0);
  for (int64_t c = 0; c < cols_used; ++c) {
    uint64_t* col = &m_cells[std::size_t(c) * m_words_per_col];
    for (int64_t r = 0; r < rows_used; ++r)
      if (bits[std::size_t(c * rows_used + r)]) col[r >> 6] |= uint64_t{1} << (r & 63);
  }
  for (int64_t c = 0; c < m_p.cols; ++c) m_col_needed[c] = c < cols_used && needed[c];

  const int64_t S = m_h.domain_rows(), G = m_h.col_groups();
  for (int64_t g = 0; g < G; ++g) {
    bool discarded = true;
    for (int64_t c = g * m_p.gate_cols; c < g * m_p.gate_cols + m_h.group_cols(g); ++c)
      if (m_col_needed[c]) discarded = false;
    m_group_discarded[g] = discarded;
    for (int64_t r = 0; r < m_h.row_domains(); ++r) {
      bool zero = true;
      for (int64_t c = g * m_p.gate_cols; zero && c < g * m_p.gate_cols + m_h.group_cols(g); ++c)
        zero = !any_in_range(&m_cells[std::size_t(c) * m_words_per_col], std::size_t(r * S),
                             std::size_t((r + 1) * S));
      m_weight_zero[std::size_t(r * G + g)] = zero;
    }
  }

  // Every row of the macro is written (unused rows are cleared so no stale weight remains).
  m_count[Act::CellWrite] += uint64_t(m_p.rows * m_p.cols);
  const uint64_t wake = woke ? uint64_t(m_p.cycles.wakeup) : 0;
  const uint64_t write = uint64_t(m_p.rows * m_p.cycles.write_row);
  trace_phases(now, {{Wakeup, wake}, {Write, write}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::StallWeightWrite] += write;
  m_count[Stat::Cycles] += wake + write;
  return wake + write;
}

uint64_t CimMacro::operate(const uint64_t* input, std::vector<int64_t>& column_out) {
  return evaluate(&input, &column_out, 1, 1, false);
}

uint64_t CimMacro::operate_planes(const std::vector<const uint64_t*>& planes,
                                  std::vector<std::vector<int64_t>>& column_out, int64_t combine) {
  return evaluate(planes.data(), column_out.data(), planes.size(), combine, true);
}

uint64_t CimMacro::evaluate(const uint64_t* const* planes, std::vector<int64_t>* column_out, std::size_t B,
                            int64_t combine, bool analog) {
  const uint64_t now = now_cycles();
  const int64_t S = m_h.domain_rows(), R = m_h.row_domains(), G = m_h.col_groups();
  const int L = m_h.levels(), GL = m_h.gating_level();
  ++m_count[Stat::Ops];

  // Activation sparsity per row node of the gating level: a node is driven when any plane has a
  // 1 on its rows; plane b drives its rows' lines with 2^b pulses (one pulse when digital).
  for (int64_t r = 0; r < R; ++r) {
    m_row_ones[r] = 0;
    m_row_any[r] = false;
    for (std::size_t b = 0; b < B; ++b) {
      const int64_t ones = popcount_range(planes[b], std::size_t(r * S), std::size_t((r + 1) * S));
      m_row_ones[r] += ones << b;
      m_row_any[r] = m_row_any[r] || ones != 0;
    }
  }
  // Gating rule: a domain evaluates only if some input bit on its rows is 1, some stored bit is
  // 1 and some of its columns' outputs are kept.
  bool woke = false;
  std::fill(m_group_active_rows.begin(), m_group_active_rows.end(), 0);
  std::fill(m_op_precharge.begin(), m_op_precharge.end(), 0);
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t g = 0; g < G; ++g) {
      const std::size_t d = std::size_t(r * G + g);
      const bool active = m_row_any[r] && !m_weight_zero[d] && !m_group_discarded[g];
      m_active[d] = active;
      ++m_count[Stat::DomainEvals];
      if (!active) {
        ++m_count[Stat::DomainSkips];
        ++m_domain_skips[d];
        set_domain(d, PowerDomain::State::Gated, now, woke);
        continue;
      }
      set_domain(d, PowerDomain::State::On, now, woke);
      const uint64_t gc = uint64_t(m_h.group_cols(g));
      // Every segment at or below the gating level inside an active domain is precharged.
      for (int l = 0; l <= GL; ++l) m_op_precharge[l] += uint64_t(S / m_h.span(l)) * gc;
      m_count[Act::InputLineCell] += uint64_t(m_row_ones[r]) * gc;
      m_group_active_rows[g] += S;
    }
  }
  // Segments above the gating level are precharged when any domain beneath them is active.
  for (int l = GL + 1; l < L; ++l) {
    const int64_t per_node = m_h.span(l) / S;
    for (int64_t n = 0; n < m_h.nodes(l); ++n) {
      for (int64_t g = 0; g < G; ++g) {
        bool any = false;
        for (int64_t r = n * per_node; !any && r < (n + 1) * per_node; ++r) any = m_active[std::size_t(r * G + g)];
        if (any) m_op_precharge[l] += uint64_t(m_h.group_cols(g));
      }
    }
  }
  // Each precharged segment below the root merges into its parent (a flat line has no merges).
  for (int l = 0; l < L; ++l) {
    m_count.precharge[l] += m_op_precharge[l];
    if (l + 1 < L) m_count.merge[l] += m_op_precharge[l];
  }

  // Column accumulation: the AND popcount of the stored column and each plane's input; every
  // pulse of a product of 1 discharges its cell. One conversion per column (digital), or per
  // group of `combine` columns after charge sharing (analog).
  for (int64_t c = 0; c < m_p.cols; ++c) {
    const int64_t g = c / m_p.gate_cols;
    if (!m_col_needed[c] || m_group_active_rows[g] == 0) {
      for (std::size_t b = 0; b < B; ++b) column_out[b][c] = 0;  // nothing evaluated: the count is known to be 0
      continue;
    }
    const uint64_t* col = &m_cells[std::size_t(c) * m_words_per_col];
    for (std::size_t b = 0; b < B; ++b) {
      int64_t p = 0;
      for (std::size_t w = 0; w < m_words_per_col; ++w) p += __builtin_popcountll(col[w] & planes[b][w]);
      m_count[Act::AndEval] += uint64_t(p) << b;
      column_out[b][c] = analog ? p : m_readout.read(p);
    }
    if (c % combine == 0) m_readout.count(m_count, m_group_active_rows[g]);
  }

  const uint64_t wake = woke ? uint64_t(m_p.cycles.wakeup) : 0;
  const uint64_t cycles = wake + uint64_t(m_p.cycles.precharge + m_p.cycles.evaluate +
                                          m_p.cycles.merge_per_level * (L - 1) + m_p.cycles.writeout) +
                          m_readout.cycles();
  trace_phases(now, {{Wakeup, wake},
                     {Precharge, uint64_t(m_p.cycles.precharge)},
                     {Evaluate, uint64_t(m_p.cycles.evaluate)},
                     {Merge, uint64_t(m_p.cycles.merge_per_level * (L - 1))},
                     {Readout, m_readout.cycles()},
                     {Writeout, uint64_t(m_p.cycles.writeout)}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::StallReadout] += m_readout.share_stall();
  m_count[Stat::Cycles] += cycles;
  return cycles;
}

const MacroCounters& CimMacro::stats() {
  const uint64_t now = now_cycles();
  uint64_t on = 0, gated = 0;
  for (auto& d : m_domains) {
    d.checkpoint(now);
    on += d.cycles_on();
    gated += d.cycles_gated();
  }
  m_count[Stat::DomainCyclesOn] = on;
  m_count[Stat::DomainCyclesGated] = m_in_use ? gated - m_idle_gated : 0;
  m_count[Stat::DomainCyclesIdle] = m_in_use ? m_idle_gated : gated;
  return m_count;
}

}  // namespace cimsim
