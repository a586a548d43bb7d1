#include "arch/cim_macro.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "workloads/bits.hpp"

namespace cimsim {

CimMacro::CimMacro(sc_core::sc_module_name name, const MacroParams& p, const IReadout& readout,
                   sc_core::sc_time period)
    : CimMacro(name, p, nullptr, &readout, period) {}

CimMacro::CimMacro(sc_core::sc_module_name name, const MacroParams& p, const ReadoutParams& rp,
                   sc_core::sc_time period)
    : CimMacro(name, p, make_readout(rp, p), nullptr, period) {
  if (rp.collect_counts) m_hist.assign(std::size_t(m_ro_span + 1), 0);
}

CimMacro::CimMacro(sc_core::sc_module_name name, const MacroParams& p, std::unique_ptr<IReadout> own,
                   const IReadout* readout, sc_core::sc_time period)
    : MacroModule(name, period),
      m_own_readout(std::move(own)),
      m_p(p),
      m_readout(readout ? *readout : *m_own_readout),
      m_h(p),
      m_cells(p.rows, p.cols, m_h.domain_rows(), p.gate_cols),
      m_count(std::size_t(m_h.levels())),
      m_bank(std::size_t(m_h.domains()), p.cycles.wakeup, m_trace),
      m_cand(std::size_t(m_h.domains())),
      m_cand_cols(std::size_t(m_h.row_domains())),
      m_cand_count(std::size_t(m_h.row_domains())),
      m_cand_groups(std::size_t(m_h.row_domains())),
      m_prev_row_any(std::size_t(m_h.row_domains())),
      m_row_on_ops(std::size_t(m_h.row_domains())),
      m_upper_precharge(std::size_t(m_h.levels())),
      m_upper_active(std::size_t(m_h.levels())),
      m_row_any(std::size_t(m_h.row_domains())),
      m_active(std::size_t(m_h.domains())),
      m_row_ones(std::size_t(m_h.row_domains())),
      m_group_active_rows(std::size_t(m_h.col_groups())),
      m_op_precharge(std::size_t(m_h.levels())),
      m_ro_level(p.readout_at()),
      m_ro_nodes(m_h.nodes(m_ro_level)),
      m_ro_span(m_h.span(m_ro_level)),
      m_ro_converters((p.cols + m_readout.columns_per_converter() - 1) / m_readout.columns_per_converter()),
      // A column's read-outs are summed by an adder tree as wide as the sum of all of them.
      m_acc_bits(m_readout.resolution_bits() + lossless_bits(m_ro_nodes - 1)),
      m_node_rows(std::size_t(m_ro_nodes * m_h.col_groups())),
      m_noise(p.noise, std::string(this->name()), m_ro_nodes * m_ro_converters, p.rows * p.cols),
      m_noisy(p.noise.on && std::string(m_readout.kind()) != "digital"),
      m_divider(p.divider()) {
  m_conversions.resize(std::size_t(m_ro_nodes * m_ro_converters));
  m_row_nodes_per.assign(std::size_t(m_h.levels()), 1);
  for (int l = m_h.gating_level() + 1; l <= m_ro_level; ++l) {
    m_upper_active[std::size_t(l)].assign(std::size_t(m_h.nodes(l) * m_h.col_groups()), 0);
    m_row_nodes_per[std::size_t(l)] = m_h.span(l) / m_h.domain_rows();
  }
  // Droop per stored 1 of a column, by its position among its converter's shared columns.
  const double period_ns = double(period.value()) / double(sc_core::sc_time(1.0, sc_core::SC_NS).value());
  for (int64_t k = 0; k < m_readout.columns_per_converter(); ++k)
    m_droop_per_one.push_back(p.noise.droop_lsb_ns * readout_hold_ns(p, m_readout, k, period_ns));
}

void CimMacro::enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) {
  const int64_t G = m_h.col_groups();
  std::vector<std::string> names;
  for (std::size_t d = 0; d < m_bank.size(); ++d)
    names.push_back(fmt::format("domain_r{:03d}_g{:03d}", int64_t(d) / G, int64_t(d) % G));
  const auto& domains = m_bank.domains();
  m_trace.enable(tf, name(), basename(), names,
                 [&domains](std::size_t d) { return domains[d].state() == PowerDomain::State::Gated ? 1 : 0; }, from, to);
}

uint64_t CimMacro::write_weights(const PackedColumns& tile, const std::vector<uint8_t>& needed) {
  const uint64_t now = now_cycles();
  flush_skips();
  m_fresh = true;
  // Writing drives every column's bit line: all domains must be on.
  const uint64_t wake = m_bank.wake_all(now, m_count);
  m_cells.store(tile, needed);
  // Every row of the macro is written (unused rows are cleared so no stale weight remains).
  m_count[Act::CellWrite] += uint64_t(m_p.rows * m_p.cols);
  const uint64_t write = uint64_t(m_p.rows * m_p.cycles.write_row);
  m_trace.phases(now, {{Waveform::Wakeup, wake}, {Waveform::Write, write}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::StallWeightWrite] += write;
  m_count[Stat::Cycles] += wake + write;
  return wake + write;
}

void CimMacro::preload(const PackedColumns& tile, const std::vector<uint8_t>& needed) {
  flush_skips();
  m_fresh = true;
  MacroCounters uncounted(m_count.precharge.size());
  m_bank.wake_all(now_cycles(), uncounted);
  m_cells.store(tile, needed);
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
  const int L = m_h.levels(), GL = m_h.gating_level(), RO = m_ro_level;
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
  domain_pass(now, woke);
  std::fill(m_op_precharge.begin(), m_op_precharge.end(), 0);
  // Every segment at or below the gating level (and the read-out level) inside an active domain
  // is precharged; the input lines drive the active domains' cells.
  for (int l = 0; l <= std::min(GL, RO); ++l) m_op_precharge[l] = uint64_t(S / m_h.span(l)) * uint64_t(m_active_cols);
  for (int64_t r = 0; r < R; ++r)
    if (m_row_any[r]) m_count[Act::InputLineCell] += uint64_t(m_row_ones[r]) * uint64_t(m_cand_cols[std::size_t(r)]);
  // Pulse-count inputs (analog accumulation): each driven row's generator steps once per pulse.
  if (analog)
    for (int64_t r = 0; r < R; ++r)
      if (m_row_any[r] && m_cand_count[std::size_t(r)] > 0) m_count[Act::InputPulse] += uint64_t(m_row_ones[r]);
  // Segments above the gating level, up to the read-out level, are precharged when any domain
  // beneath them is active (nothing above the read-out level is built).
  for (int l = GL + 1; l <= RO; ++l) m_op_precharge[l] = m_upper_precharge[std::size_t(l)];
  // Each precharged segment below the read-out level merges into its parent.
  for (int l = 0; l < L; ++l) {
    m_count.precharge[l] += m_op_precharge[l];
    if (l < RO) m_count.merge[l] += m_op_precharge[l];
  }
  // The rows evaluated beneath each read-out node: a node inside a domain is read when its domain
  // is active; a node above the gating level when any domain beneath it is.
  if (RO == L - 1) {
    for (int64_t g = 0; g < G; ++g) m_node_rows[std::size_t(g)] = m_group_active_rows[g];
  } else {
    for (int64_t n = 0; n < m_ro_nodes; ++n) {
      for (int64_t g = 0; g < G; ++g) {
        int64_t rows = 0;
        if (RO <= GL) {
          rows = m_active[std::size_t((n * m_ro_span / S) * G + g)] ? m_ro_span : 0;
        } else {
          for (int64_t r = n * (m_ro_span / S); r < (n + 1) * (m_ro_span / S); ++r) rows += m_active[std::size_t(r * G + g)] ? S : 0;
        }
        m_node_rows[std::size_t(n * G + g)] = rows;
      }
    }
  }

  // Column accumulation: the AND popcount of the stored column and each plane's input; every
  // pulse of a product of 1 discharges its cell. One conversion per read-out node of a column
  // (digital), or of a group of `combine` columns after charge sharing (analog), and only for
  // kept columns and nodes with an active domain beneath: the busiest shared converter sets the
  // read-out phase. Read-outs below the root are summed digitally (adder tree per bit).
  const int64_t share = m_readout.columns_per_converter();
  const bool exact = m_readout.lossless();
  std::fill(m_conversions.begin(), m_conversions.end(), 0);
  uint64_t divider = 0;  // divider cells: this operation's k (n - k) / n, fixed point
  // The common case, one plane read exactly by one read-out per column with nothing recorded:
  // the same counts without the per-column branches.
  const bool plain = B == 1 && !analog && exact && !m_noisy && m_hist.empty() && !m_divider && m_ro_nodes == 1;
  if (plain) {
    const uint64_t* in = planes[0];
    std::vector<int64_t>& out = column_out[0];
    uint64_t ands = 0;
    // The converter of column c is c / share: its conversions are summed as the columns pass.
    int64_t conv = 0, conv_end = share, conv_n = 0;
    for (int64_t g = 0; g < G; ++g) {
      const int64_t c0 = m_cells.group_begin(g), c1 = m_cells.group_end(g);
      if (m_group_active_rows[g] == 0) {
        std::fill(out.begin() + c0, out.begin() + c1, 0);
        continue;
      }
      uint64_t converted = 0;
      for (int64_t c = c0; c < c1; ++c) {
        if (!m_cells.needed(c)) {
          out[std::size_t(c)] = 0;
          continue;
        }
        while (c >= conv_end) {
          m_conversions[std::size_t(conv)] += conv_n;
          conv_n = 0;
          ++conv;
          conv_end += share;
        }
        const int64_t p = m_cells.and_popcount(c, in);
        out[std::size_t(c)] = p;
        ands += uint64_t(p);
        ++conv_n;
        ++converted;
      }
      if (converted) m_readout.count(m_count, m_node_rows[std::size_t(g)], converted);
    }
    if (conv_n) m_conversions[std::size_t(conv)] += conv_n;
    m_count[Act::AndEval] += ands;
  }
  for (int64_t c = 0; !plain && c < m_p.cols; ++c) {
    const int64_t g = c / m_p.gate_cols;
    if (!m_cells.needed(c) || m_group_active_rows[g] == 0) {
      for (std::size_t b = 0; b < B; ++b) column_out[b][c] = 0;  // nothing evaluated: the count is known to be 0
      continue;
    }
    for (std::size_t b = 0; b < B; ++b) {
      const int64_t p = m_cells.and_popcount(c, planes[b]);
      m_count[Act::AndEval] += uint64_t(p) << b;
      if (m_divider) divider += divider_units(c, planes[b], g, p);
      if (!m_hist.empty()) record_counts(c, planes[b], g, p);
      if (m_noisy && !analog) {
        column_out[b][c] = read_noisy(c, planes[b], g, p);
      } else if (analog || exact) {
        column_out[b][c] = p;
      } else {  // each read-out node quantises its own count
        int64_t v = 0;
        for (int64_t n = 0; n < m_ro_nodes; ++n)
          if (m_node_rows[std::size_t(n * G + g)] > 0)
            v += m_readout.read(node_count(c, planes[b], n, p));
        column_out[b][c] = v;
      }
    }
    if (c % combine == 0) {
      int64_t reads = 0;
      for (int64_t n = 0; n < m_ro_nodes; ++n) {
        const int64_t rows = m_node_rows[std::size_t(n * G + g)];
        if (rows == 0) continue;
        m_readout.count(m_count, rows);
        ++m_conversions[std::size_t(n * m_ro_converters + c / share)];
        ++reads;
      }
      if (reads > 1) m_count[Act::AdderTreeBit] += uint64_t((reads - 1) * m_acc_bits);
    }
  }
  // Analog accumulation: each converted group's charge-shared value is quantised as one.
  if (analog) {
    for (int64_t c = 0; c < m_p.cols; c += combine) {
      const int64_t g = c / m_p.gate_cols;
      if (m_cells.needed(c) && m_group_active_rows[g] != 0) quantise_combined(c, planes, column_out, B, combine, g);
    }
  }
  const int64_t conversions = *std::max_element(m_conversions.begin(), m_conversions.end());
  // A divider line holds its value only while its rows drive it: they stay on from the evaluate
  // through the merges until the last column sharing a converter is sampled, as its conversion
  // starts (readout_hold_ns).
  if (divider > 0)
    m_count[Act::DividerUnits] +=
        divider * (uint64_t(m_p.cycles.evaluate + m_p.merge_total()) + m_readout.cycles(std::max<int64_t>(0, conversions - 1)));

  // Zero-skipping: an operation whose every domain is gated has nothing to precharge, evaluate
  // or read: it takes no slot (its outputs are known to be 0).
  if (m_active_cols == 0) return 0;
  const uint64_t wake = woke ? uint64_t(m_p.cycles.wakeup) : 0;
  // Read-outs below the root: their sums take the adder tree's latency.
  const uint64_t readout =
      m_readout.cycles(conversions) + (RO < L - 1 && conversions > 0 ? m_readout.accumulate_cycles() : 0);
  const uint64_t merges = uint64_t(m_p.merge_total());
  const uint64_t cycles = wake + uint64_t(m_p.cycles.precharge + m_p.cycles.evaluate + m_p.cycles.writeout) + merges +
                          readout;
  m_trace.phases(now, {{Waveform::Wakeup, wake},
                       {Waveform::Precharge, uint64_t(m_p.cycles.precharge)},
                       {Waveform::Evaluate, uint64_t(m_p.cycles.evaluate)},
                       {Waveform::Merge, merges},
                       {Waveform::Readout, readout},
                       {Waveform::Writeout, uint64_t(m_p.cycles.writeout)}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::StallReadout] += m_readout.share_stall(conversions);
  m_count[Stat::Cycles] += cycles;
  return cycles;
}

void CimMacro::full_domain_pass(uint64_t now, bool& woke) {
  const int64_t R = m_h.row_domains(), G = m_h.col_groups();
  m_used_domains = 0;
  for (int64_t r = 0; r < R; ++r) {
    m_cand_cols[std::size_t(r)] = m_cand_count[std::size_t(r)] = 0;
    m_cand_groups[std::size_t(r)].clear();
    for (int64_t g = 0; g < G; ++g) {
      const std::size_t d = std::size_t(r * G + g);
      m_cand[d] = !m_cells.weight_zero(d) && !m_cells.discarded(g);
      m_used_domains += m_cells.used(d);
      if (m_cand[d]) {
        m_cand_cols[std::size_t(r)] += m_h.group_cols(g);
        ++m_cand_count[std::size_t(r)];
        m_cand_groups[std::size_t(r)].push_back(int32_t(g));
      }
      m_active[d] = m_bank.evaluate(d, m_row_any[r] && m_cand[d], m_cells.used(d), now, m_count, woke);
    }
  }
}

void CimMacro::domain_pass(uint64_t now, bool& woke) {
  const int64_t R = m_h.row_domains(), G = m_h.col_groups();
  if (m_fresh) {
    full_domain_pass(now, woke);
    derive_active();
    m_fresh = false;
  } else {
    // The stored tile fixes which domains can be active; a row node's input decides the rest.
    int64_t active = 0;
    for (int64_t r = 0; r < R; ++r) {
      if (m_row_any[r]) {
        active += m_cand_count[std::size_t(r)];
        ++m_row_on_ops[std::size_t(r)];
      }
      if (m_row_any[r] == m_prev_row_any[std::size_t(r)]) continue;
      const bool on = m_row_any[r] != 0;
      for (int32_t g : m_cand_groups[std::size_t(r)]) {
        const std::size_t d = std::size_t(r * G + g);
        m_active[d] = on;
        m_bank.set(d, on ? PowerDomain::State::On : PowerDomain::State::Gated, now, m_count, woke);
        toggle_active(r, g, on);
      }
    }
    ++m_epoch_ops;
    const uint64_t all = uint64_t(R * G);
    m_count[Stat::DomainEvals] += all;
    m_count[Stat::DomainEvalsUsed] += uint64_t(m_used_domains);
    m_count[Stat::DomainSkips] += all - uint64_t(active);
    m_count[Stat::DomainSkipsUsed] += uint64_t(m_used_domains - active);  // a candidate is a used domain
  }
  for (int64_t r = 0; r < R; ++r) m_prev_row_any[std::size_t(r)] = m_row_any[r];
}

void CimMacro::derive_active() {
  const int64_t R = m_h.row_domains(), G = m_h.col_groups();
  std::fill(m_group_active_rows.begin(), m_group_active_rows.end(), 0);
  std::fill(m_upper_precharge.begin(), m_upper_precharge.end(), 0);
  for (auto& counts : m_upper_active) std::fill(counts.begin(), counts.end(), 0);
  m_active_cols = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t g = 0; g < G; ++g)
      if (m_active[std::size_t(r * G + g)]) toggle_active(r, g, true);
}

void CimMacro::toggle_active(int64_t r, int64_t g, bool on) {
  // Domain (r, g) switched on or off: the rows its column group evaluates, the active columns,
  // and each segment above the gating level that has it beneath (precharged while any does).
  const int64_t S = m_h.domain_rows(), G = m_h.col_groups(), gc = m_h.group_cols(g);
  const int64_t sign = on ? 1 : -1;
  m_group_active_rows[g] += sign * S;
  m_active_cols += sign * gc;
  for (int l = m_h.gating_level() + 1; l <= m_ro_level; ++l) {
    int64_t& n = m_upper_active[std::size_t(l)][std::size_t(r / m_row_nodes_per[std::size_t(l)] * G + g)];
    n += sign;
    if (on && n == 1) m_upper_precharge[std::size_t(l)] += uint64_t(gc);
    if (!on && n == 0) m_upper_precharge[std::size_t(l)] -= uint64_t(gc);
  }
}

void CimMacro::flush_skips() {
  // A domain was gated in every bulk operation but those in which its row node had input and it
  // could be active.
  if (m_epoch_ops == 0) return;
  const int64_t R = m_h.row_domains(), G = m_h.col_groups();
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t g = 0; g < G; ++g) {
      const std::size_t d = std::size_t(r * G + g);
      m_bank.add_skips(d, m_epoch_ops - (m_cand[d] ? m_row_on_ops[std::size_t(r)] : 0));
    }
    m_row_on_ops[std::size_t(r)] = 0;
  }
  m_epoch_ops = 0;
}

void CimMacro::quantise_combined(int64_t c, const uint64_t* const* planes, std::vector<int64_t>* column_out,
                                 std::size_t B, int64_t combine, int64_t g) {
  // One conversion per read-out node of the charge-shared group c .. c + combine - 1: plane b's
  // 2^b pulses and slice j's binary weight 2^j add up to M = sum 2^(b+j) count[b][c+j], of full
  // scale (the read-out's range for one plane) x (2^B - 1) x (2^combine - 1). The converter's quantisation error of M is carried
  // by the group's least significant count (plane 0, slice 0), whose weight in the output is 1.
  //
  // Noise (arch.analog.noise): the combined full scale spans the same voltage as one plane's
  // count range, so one count of signal is `scale` = full / (one plane's full scale) units of M
  // smaller: the conversion's noise and offset, in counts, weigh `scale` units; each product's
  // cell deviation weighs its pulses and slice, 2^(b+j). (Droop is not applied here.)
  const int64_t G = m_h.col_groups(), share = m_readout.columns_per_converter();
  const int64_t last = std::min<int64_t>(c + combine, m_p.cols);
  const int64_t full = m_readout.full_scale() * ((int64_t{1} << B) - 1) * ((int64_t{1} << (last - c)) - 1);
  const double scale = double(full) / double(std::max<int64_t>(1, m_readout.full_scale()));
  int64_t err = 0;
  for (int64_t n = 0; n < m_ro_nodes; ++n) {
    if (m_node_rows[std::size_t(n * G + g)] == 0) continue;
    const int64_t r0 = n * m_ro_span, r1 = r0 + m_ro_span;
    int64_t m = 0;
    double dev = 0;
    for (int64_t j = c; j < last; ++j) {
      if (!m_cells.needed(j)) continue;
      for (std::size_t b = 0; b < B; ++b) {
        const int64_t p = node_count(j, planes[b], n, column_out[b][j]);
        m += p << (int64_t(b) + (j - c));
        if (m_noisy)
          dev += double(int64_t{1} << (int64_t(b) + (j - c))) *
                 m_cells.and_sum(j, planes[b], r0, r1, m_noise.cell_deltas() + std::size_t(j * m_p.rows));
      }
    }
    double x = double(m);
    if (m_noisy) x += dev + scale * (m_noise.dynamic() + m_noise.offset(std::size_t(n * m_ro_converters + c / share)));
    const int64_t q = m_readout.quantise(x, full);
    err += q - m;
    if (m_noisy) count_read_error(std::llround(double(q - m) / scale), q != m);  // in counts of one plane's signal
  }
  column_out[0][c] += err;
}

uint64_t CimMacro::divider_units(int64_t c, const uint64_t* input, int64_t g, int64_t exact) const {
  // The rows beneath a read-out node that an active domain holds: of those, a divider cell drives
  // its line when its input bit is 1 (n = the input's ones, k = its AND count pull up); an xnor
  // cell drives on every row (n = the rows, k = the matches of input and stored bit: n - ones
  // of the input - ones stored + 2 x the AND count). Between k cells pulling up and n - k
  // pulling down through equal paths the line draws V / R_cell x k (n - k) / n.
  const int64_t S = m_h.domain_rows(), G = m_h.col_groups();
  const bool xnor = m_p.cell == "xnor";
  uint64_t units = 0;
  for (int64_t n = 0; n < m_ro_nodes; ++n) {
    const int64_t rows = m_node_rows[std::size_t(n * G + g)];
    if (rows == 0) continue;
    const int64_t r0 = n * m_ro_span, r1 = r0 + m_ro_span;
    int64_t in_ones = 0, stored = 0;
    // The node's rows in steps of a gating domain (or the node itself, inside one).
    const int64_t step = std::min(S, m_ro_span);
    for (int64_t r = r0; r < r1; r += step) {
      if (!m_active[std::size_t((r / S) * G + g)]) continue;
      in_ones += popcount_range(input, std::size_t(r), std::size_t(r + step));
      if (xnor) stored += m_cells.ones_rows(c, r, r + step);
    }
    const int64_t ands = node_count(c, input, n, exact);
    const int64_t driven = xnor ? rows : in_ones;
    const int64_t up = xnor ? rows - in_ones - stored + 2 * ands : ands;
    if (driven > 0 && up > 0 && up < driven)
      units += uint64_t(std::llround(double(kDividerUnit) * double(up) * double(driven - up) / double(driven)));
  }
  return units;
}

void CimMacro::record_counts(int64_t c, const uint64_t* input, int64_t g, int64_t exact) {
  const int64_t G = m_h.col_groups();
  for (int64_t n = 0; n < m_ro_nodes; ++n)
    if (m_node_rows[std::size_t(n * G + g)] > 0)
      ++m_hist[std::size_t(node_count(c, input, n, exact))];
}

int64_t CimMacro::read_noisy(int64_t c, const uint64_t* input, int64_t g, int64_t exact) {
  // Each read-out node converts its own analog value: its count, each product's cell deviation,
  // the conversion's noise and its converter's offset, all in counts of the node's signal.
  const int64_t G = m_h.col_groups(), share = m_readout.columns_per_converter();
  const float* delta = m_noise.cell_deltas() + std::size_t(c * m_p.rows);
  int64_t v = 0;
  for (int64_t n = 0; n < m_ro_nodes; ++n) {
    if (m_node_rows[std::size_t(n * G + g)] == 0) continue;
    const int64_t r0 = n * m_ro_span, r1 = r0 + m_ro_span;
    const int64_t count = node_count(c, input, n, exact);
    const double droop = m_droop_per_one[std::size_t(c % share)];
    const double x = double(count) + m_cells.and_sum(c, input, r0, r1, delta) +
                     (droop > 0 ? droop * double(m_cells.ones_rows(c, r0, r1)) : 0.0) + m_noise.dynamic() +
                     m_noise.offset(std::size_t(n * m_ro_converters + c / share));
    v += m_readout.read_analog(x);
  }
  count_read_error(v - exact, v != exact);
  return v;
}

void CimMacro::count_read_error(int64_t e, bool wrong) {
  ++m_count[Stat::ReadChecks];
  m_count[e > 0 ? Stat::ReadErrPos : Stat::ReadErrNeg] += uint64_t(e > 0 ? e : -e);
  m_count[Stat::ReadErrSq] += uint64_t(e * e);
  m_count[Stat::ReadErrNonzero] += wrong;
}

const MacroCounters& CimMacro::stats() {
  m_bank.residency(now_cycles(), m_count);
  return m_count;
}

}  // namespace cimsim
