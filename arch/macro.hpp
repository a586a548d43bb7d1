// What every macro kind shares: the interface the controller issues operations through, the
// power-gating domains with their residency and skip counts, and the VCD trace of phases and
// domain states. A macro kind (arch/cim_macro, arch/dcim_macro) is a MacroModule registered in
// arch/macro_kinds.
#pragma once
#include <systemc>
#include <algorithm>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "arch/counters.hpp"
#include "workloads/bits.hpp"
#include "arch/power_domain.hpp"
#include "arch/waveform.hpp"

namespace cimsim {

// What the controller sees of a macro: the operations it can issue.
class MacroIf : public virtual sc_core::sc_interface {
 public:
  // Writes tile weights (its columns' packed bits, rows beyond it cleared); columns whose
  // `needed` flag is false hold outputs that are discarded. Returns the cycles the write takes.
  virtual uint64_t write_weights(const PackedColumns& tile, const std::vector<uint8_t>& needed) = 0;
  // Weights that are already in the cells when the run starts (resident weights, in a later
  // sample chunk of the same run): stored and every domain on, as after a write, but no action
  // counted and no time taken.
  virtual void preload(const PackedColumns& tile, const std::vector<uint8_t>& needed) = 0;
  // The same from one byte a bit: bits[c x rows_used + r].
  uint64_t write_weights(const std::vector<uint8_t>& bits, int64_t rows_used, int64_t cols_used,
                         const std::vector<uint8_t>& needed) {
    return write_weights(pack_columns(bits, rows_used, cols_used), needed);
  }
  // One operation with the input bits of all rows (macro rows, packed). Writes each column's
  // read-out value into `column_out` and returns the operation's cycles.
  virtual uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) = 0;
  // Analog accumulation (readout.accumulate: analog): one operation over all input bit planes,
  // plane b applied as 2^b word-line pulses onto the same precharged bit lines, and each group
  // of `combine` adjacent columns (a multi-bit weight's slices) merged by binary-weighted charge
  // sharing into one conversion. Writes each plane's exact column counts into `column_out[b]`;
  // returns the cycles. Kinds without analog accumulation refuse it.
  virtual uint64_t operate_planes(const std::vector<const uint64_t*>& planes,
                                  std::vector<std::vector<int64_t>>& column_out, int64_t combine) = 0;
  // Counters so far, with each domain's residency brought up to now.
  virtual const MacroCounters& stats() = 0;
  // Operations in which each domain (row node x column group, row-major) was gated so far.
  virtual const std::vector<uint64_t>& domain_skips() = 0;
  virtual int64_t domain_rows() const = 0;  // row nodes at the gating level
  virtual int64_t domain_cols() const = 0;  // column groups
};

// The bit cells of a macro and what the gating rule needs to know of what they store: per
// domain (row node x column group, row-major) whether every stored bit is 0, per column group
// whether every output is discarded.
class CellArray {
 public:
  CellArray(int64_t rows, int64_t cols, int64_t domain_rows, int64_t gate_cols);
  // Stores a tile's packed columns, every other cell cleared; columns whose `needed` flag is
  // false hold outputs that are discarded.
  void store(const PackedColumns& tile, const std::vector<uint8_t>& needed);
  int64_t cols() const { return m_cols; }
  int64_t row_nodes() const { return m_row_nodes; }
  int64_t groups() const { return m_groups; }
  int64_t group_begin(int64_t g) const { return g * m_gate_cols; }
  int64_t group_end(int64_t g) const { return std::min(m_cols, (g + 1) * m_gate_cols); }
  bool needed(int64_t c) const { return m_needed[std::size_t(c)] != 0; }
  bool weight_zero(std::size_t d) const { return m_weight_zero[d] != 0; }
  // The domain holds rows and columns of the stored tile (the rest of the array is unused).
  bool used(std::size_t d) const { return m_used[d] != 0; }
  bool discarded(int64_t g) const { return m_discarded[std::size_t(g)] != 0; }
  // Ones of (stored column c) AND `input`.
  int64_t and_popcount(int64_t c, const uint64_t* input) const {
    const uint64_t* col = &m_cells[std::size_t(c) * m_words];
    int64_t p = 0;
    for (std::size_t w = 0; w < m_used_words; ++w) p += __builtin_popcountll(col[w] & input[w]);  // rows beyond the tile hold 0
    return p;
  }
  // Sum over the rows [r0, r1) where (stored column c) AND `input` is 1 of `delta[row]`.
  double and_sum(int64_t c, const uint64_t* input, int64_t r0, int64_t r1, const float* delta) const {
    const uint64_t* col = &m_cells[std::size_t(c) * m_words];
    double s = 0;
    for (int64_t w = r0 / 64; w * 64 < r1; ++w) {
      uint64_t m = col[w] & input[w];
      while (m) {
        const int64_t r = w * 64 + __builtin_ctzll(m);
        m &= m - 1;
        if (r >= r0 && r < r1) s += double(delta[r]);
      }
    }
    return s;
  }
  // Stored ones of column c on rows [r0, r1).
  int64_t ones_rows(int64_t c, int64_t r0, int64_t r1) const { return and_popcount_rows(c, nullptr, r0, r1); }
  // Ones of (stored column c) AND `input` on rows [r0, r1) (`input` null: every row driven).
  int64_t and_popcount_rows(int64_t c, const uint64_t* input, int64_t r0, int64_t r1) const {
    const uint64_t* col = &m_cells[std::size_t(c) * m_words];
    int64_t p = 0;
    for (int64_t r = r0; r < r1;) {
      const int64_t w = r / 64, lo = r % 64, hi = std::min<int64_t>(64, lo + (r1 - r));
      const uint64_t mask = (hi - lo == 64 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo)) - 1)) << lo;
      p += __builtin_popcountll(col[w] & (input ? input[w] : ~uint64_t{0}) & mask);
      r += hi - lo;
    }
    return p;
  }

 private:
  int64_t m_rows, m_cols, m_domain_rows, m_gate_cols, m_row_nodes, m_groups;
  std::size_t m_words;  // per column
  std::size_t m_used_words = 0;  // per column, holding the stored tile's rows
  std::vector<uint64_t> m_cells;  // column-major packed bits
  std::vector<uint8_t> m_weight_zero, m_discarded, m_needed, m_used;
};

// The gating domains of one macro: each domain's state and residency, the operations it was
// skipped in, and the gated domain-cycles before the macro was first written (idle, outside the
// gated fractions).
class DomainBank {
 public:
  DomainBank(std::size_t domains, int64_t wakeup_cycles, Waveform& trace)
      : m_domains(domains), m_skips(domains, 0), m_wakeup(wakeup_cycles), m_trace(trace) {}
  // Switches domain d; counts the gate or wake event and sets `woke` when it wakes. (Inline: it
  // runs for every domain of every operation, and mostly changes nothing.)
  void set(std::size_t d, PowerDomain::State s, uint64_t now, MacroCounters& c, bool& woke) {
    if (m_domains[d].state() != s) change(d, s, now, c, woke);
  }
  // One domain evaluation of an operation: counted (apart, when the domain holds part of the
  // tile: `used`), and the domain switched on or gated (and its skip counted) as the gating rule
  // decided. Returns `active`.
  bool evaluate(std::size_t d, bool active, bool used, uint64_t now, MacroCounters& c, bool& woke) {
    ++c[Stat::DomainEvals];
    c[Stat::DomainEvalsUsed] += used;
    if (!active) {
      ++c[Stat::DomainSkips];
      c[Stat::DomainSkipsUsed] += used;
      ++m_skips[d];
    }
    set(d, active ? PowerDomain::State::On : PowerDomain::State::Gated, now, c, woke);
    return active;
  }
  // A weight write drives every column: every domain on. Returns the wake-up cycles it needs.
  uint64_t wake_all(uint64_t now, MacroCounters& c) {
    first_write(now);
    bool woke = false;
    for (std::size_t d = 0; d < m_domains.size(); ++d) set(d, PowerDomain::State::On, now, c, woke);
    return woke ? uint64_t(m_wakeup) : 0;
  }
  // Before the first weight write the macro is idle: its gated time is kept apart.
  void first_write(uint64_t now);
  // Residency up to now into c (DomainCyclesOn / Gated / Idle).
  void residency(uint64_t now, MacroCounters& c);
  const std::vector<uint64_t>& skips() const { return m_skips; }
  void add_skips(std::size_t d, uint64_t n) { m_skips[d] += n; }
  const std::vector<PowerDomain>& domains() const { return m_domains; }
  std::size_t size() const { return m_domains.size(); }

 private:
  void change(std::size_t d, PowerDomain::State s, uint64_t now, MacroCounters& c, bool& woke);
  std::vector<PowerDomain> m_domains;
  std::vector<uint64_t> m_skips;
  int64_t m_wakeup;
  Waveform& m_trace;
  bool m_in_use = false;
  uint64_t m_idle_gated = 0;
};

// A macro module: the interface plus what the chip needs to trace it.
class MacroModule : public sc_core::sc_module, public MacroIf {
 public:
  sc_core::sc_export<MacroIf> op_target;
  MacroModule(sc_core::sc_module_name name, sc_core::sc_time period)
      : sc_core::sc_module(name), op_target("op_target"), m_period(period), m_trace(period) {
    op_target.bind(*this);
  }
  // Waveforms of the macro's phases and domains for cycles [from, to]; call before simulating.
  virtual void enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) = 0;
  // With arch.readout collect_counts: how many conversions read each count (index = count).
  virtual const std::vector<uint64_t>& count_histogram() const {
    static const std::vector<uint64_t> none;
    return none;
  }

 protected:
  uint64_t now_cycles() const { return uint64_t(sc_core::sc_time_stamp().value() / m_period.value()); }
  sc_core::sc_time m_period;
  Waveform m_trace;
};

}  // namespace cimsim
