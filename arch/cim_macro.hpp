// One SRAM CIM macro for 1x1 convolutions and fully connected layers: weights stored in bit
// cells (packed words, column-major), inputs applied on the rows, AND products accumulated on a
// hierarchical bit line per column, power-gating domains switched per operation.
#pragma once
#include <systemc>
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
  // Counters so far, with each domain's residency brought up to now.
  virtual const MacroCounters& stats() = 0;
};

class CimMacro : public sc_core::sc_module, public MacroIf {
 public:
  sc_core::sc_export<MacroIf> op_target;

  CimMacro(sc_core::sc_module_name name, const MacroParams& p, const IReadout& readout,
           sc_core::sc_time period);

  uint64_t write_weights(const std::vector<uint8_t>& bits, int64_t rows_used, int64_t cols_used,
                         const std::vector<uint8_t>& needed) override;
  uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) override;

  const MacroCounters& stats() override;
  const MacroCounters& counters() const { return m_count; }
  const Hierarchy& hierarchy() const { return m_h; }
  const std::vector<PowerDomain>& domains() const { return m_domains; }

 private:
  uint64_t now_cycles() const;
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
  bool m_in_use = false;     // written at least once
  uint64_t m_idle_gated = 0; // gated domain-cycles before the first write
  MacroCounters m_count;
  // Scratch reused by every operation.
  std::vector<uint8_t> m_row_any, m_active;
  std::vector<int64_t> m_row_ones, m_group_active_rows;
  std::vector<uint64_t> m_op_precharge;
};

}  // namespace cimsim
