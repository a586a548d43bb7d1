// One SRAM CIM macro for 1x1 convolutions and fully connected layers: weights stored in bit
// cells (packed words, column-major), inputs applied on the rows, AND products accumulated on a
// hierarchical bit line per column, power-gating domains switched per operation.
#pragma once
#include <systemc>
#include <memory>
#include <queue>
#include <vector>

#include "arch/counters.hpp"
#include "arch/hierarchy.hpp"
#include "arch/power_domain.hpp"
#include "arch/readout.hpp"

namespace cimsim {

// What the controller sees of a macro: the operations it can issue.
class MacroIf : public virtual sc_core::sc_interface {
 public:
  // Writes tile weights: bits[c][r] for the tile's cols x rows (column-major, `rows_used` rows
  // per column); columns whose `needed` flag is false hold outputs that are discarded.
  // Returns the cycles the write takes.
  virtual uint64_t write_weights(const std::vector<uint8_t>& bits, int64_t rows_used,
                                 int64_t cols_used, const std::vector<uint8_t>& needed) = 0;
  // One operation with the input bits of all rows (macro rows, packed). Writes each column's
  // read-out value into `column_out` and returns the operation's cycles.
  virtual uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) = 0;
  // Analog accumulation (readout.accumulate: analog): one operation over all input bit planes,
  // plane b applied as 2^b word-line pulses onto the same precharged bit lines, and each group
  // of `combine` adjacent columns (a multi-bit weight's slices) merged by binary-weighted charge
  // sharing into one conversion. Writes each plane's exact column counts into `column_out[b]`
  // (the combined value's quantization is not modelled: docs/tech.md); returns the cycles.
  virtual uint64_t operate_planes(const std::vector<const uint64_t*>& planes,
                                  std::vector<std::vector<int64_t>>& column_out, int64_t combine) = 0;
  // Counters so far, with each domain's residency brought up to now.
  virtual const MacroCounters& stats() = 0;
  // Operations in which each domain (row node x column group, row-major) was gated so far.
  virtual const std::vector<uint64_t>& domain_skips() const = 0;
  virtual int64_t domain_rows() const = 0;  // row nodes at the gating level
  virtual int64_t domain_cols() const = 0;  // column groups
};

class CimMacro : public sc_core::sc_module, public MacroIf {
 public:
  sc_core::sc_export<MacroIf> op_target;

  CimMacro(sc_core::sc_module_name name, const MacroParams& p, const IReadout& readout,
           sc_core::sc_time period);

  uint64_t write_weights(const std::vector<uint8_t>& bits, int64_t rows_used, int64_t cols_used,
                         const std::vector<uint8_t>& needed) override;
  uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) override;
  uint64_t operate_planes(const std::vector<const uint64_t*>& planes, std::vector<std::vector<int64_t>>& column_out,
                          int64_t combine) override;

  const MacroCounters& stats() override;
  const std::vector<uint64_t>& domain_skips() const override { return m_domain_skips; }
  int64_t domain_rows() const override { return m_h.row_domains(); }
  int64_t domain_cols() const override { return m_h.col_groups(); }
  const Hierarchy& hierarchy() const { return m_h; }
  const std::vector<PowerDomain>& domains() const { return m_domains; }

  // Waveforms, through SystemC tracing: `phase` (0 idle, 1 precharge, 2 evaluate, 3 merge,
  // 4 read-out, 5 write-out, 6 weight write, 7 wake-up) and one signal per domain (0 on, 1 gated,
  // 2 waking), written at the cycles they change within [from, to]. Call before simulating.
  void enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to);
  enum Phase { Idle = 0, Precharge, Evaluate, Merge, Readout, Writeout, Write, Wakeup };

 private:
  struct TraceEvent {
    uint64_t cycle, seq;
    int signal;  // -1: phase; otherwise a domain
    int value;
    bool operator>(const TraceEvent& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
  };
  void trace_change(uint64_t cycle, int signal, int value);
  void trace_phases(uint64_t start, std::initializer_list<std::pair<Phase, uint64_t>> phases);
  void tracer();
  bool m_tracing = false;
  uint64_t m_trace_from = 0, m_trace_to = 0, m_trace_seq = 0;
  std::unique_ptr<sc_core::sc_signal<int>> m_phase_sig;
  std::vector<std::unique_ptr<sc_core::sc_signal<int>>> m_domain_sig;
  std::priority_queue<TraceEvent, std::vector<TraceEvent>, std::greater<TraceEvent>> m_trace_queue;
  sc_core::sc_event m_trace_ev;

  uint64_t now_cycles() const;
  // One operation over B input planes (operate: B = 1, digital), outputs column_out[0..B).
  uint64_t evaluate(const uint64_t* const* planes, std::vector<int64_t>* column_out, std::size_t B, int64_t combine,
                    bool analog);
  void set_domain(std::size_t d, PowerDomain::State s, uint64_t now, bool& woke);

  const MacroParams& m_p;
  const IReadout& m_readout;
  Hierarchy m_h;
  sc_core::sc_time m_period;
  std::size_t m_words_per_col;
  std::vector<uint64_t> m_cells;       // column-major packed weight bits
  std::vector<uint8_t> m_weight_zero;  // per domain: every stored bit is 0
  std::vector<uint8_t> m_group_discarded;
  std::vector<uint8_t> m_col_needed;
  std::vector<PowerDomain> m_domains;
  std::vector<uint64_t> m_domain_skips;
  bool m_in_use = false;     // written at least once
  uint64_t m_idle_gated = 0; // gated domain-cycles before the first write
  MacroCounters m_count;
  // Scratch reused by every operation.
  std::vector<uint8_t> m_row_any, m_active;
  std::vector<int64_t> m_row_ones, m_group_active_rows;
  std::vector<uint64_t> m_op_precharge;
};

}  // namespace cimsim
