// The analog SRAM CIM macro (kinds cim1x1 and cim3x3): weights stored in bit cells (packed
// words, column-major), inputs applied on the rows, AND products accumulated on a hierarchical
// bit line per column and read out by the configured read-out, power-gating domains switched
// per operation. It counts its own actions; power/ prices them.
#pragma once
#include <memory>
#include <vector>

#include "arch/analog_noise.hpp"
#include "arch/hierarchy.hpp"
#include "arch/macro.hpp"
#include "arch/params.hpp"
#include "arch/readout.hpp"

namespace cimsim {

class CimMacro : public MacroModule {
 public:
  // `readout` must outlive the macro.
  CimMacro(sc_core::sc_module_name name, const MacroParams& p, const IReadout& readout, sc_core::sc_time period);
  // The macro owns its read-out, made from `rp`.
  CimMacro(sc_core::sc_module_name name, const MacroParams& p, const ReadoutParams& rp, sc_core::sc_time period);

  using MacroIf::write_weights;
  uint64_t write_weights(const PackedColumns& tile, const std::vector<uint8_t>& needed) override;
  void preload(const PackedColumns& tile, const std::vector<uint8_t>& needed) override;
  uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) override;
  uint64_t operate_planes(const std::vector<const uint64_t*>& planes, std::vector<std::vector<int64_t>>& column_out,
                          int64_t combine) override;

  const MacroCounters& stats() override;
  const std::vector<uint64_t>& domain_skips() override {
    flush_skips();
    return m_bank.skips();
  }
  int64_t domain_rows() const override { return m_h.row_domains(); }
  int64_t domain_cols() const override { return m_h.col_groups(); }
  const Hierarchy& hierarchy() const { return m_h; }
  const std::vector<PowerDomain>& domains() const { return m_bank.domains(); }
  void enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) override;
  const std::vector<uint64_t>& count_histogram() const override { return m_hist; }

 private:
  CimMacro(sc_core::sc_module_name name, const MacroParams& p, std::unique_ptr<IReadout> own, const IReadout* readout,
           sc_core::sc_time period);
  // One operation over B input planes (operate: B = 1, digital), outputs column_out[0..B).
  uint64_t evaluate(const uint64_t* const* planes, std::vector<int64_t>* column_out, std::size_t B, int64_t combine,
                    bool analog);
  // Analog accumulation: quantises the charge-shared value of columns c .. c + combine - 1 and
  // carries the error in column_out[0][c].
  void quantise_combined(int64_t c, const uint64_t* const* planes, std::vector<int64_t>* column_out, std::size_t B,
                         int64_t combine, int64_t g);
  // The count of read-out node n of column c under `input`: the column's `exact` count when the
  // column has one node.
  int64_t node_count(int64_t c, const uint64_t* input, int64_t n, int64_t exact) const {
    return m_ro_nodes == 1 ? exact : m_cells.and_popcount_rows(c, input, n * m_ro_span, (n + 1) * m_ro_span);
  }
  // Divider cells (macro.cell divider or xnor): k (n - k) / n summed over the read-out nodes of
  // column c (column group g, exact AND count `exact` over the column) read in this operation,
  // in 1/kDividerUnit.
  uint64_t divider_units(int64_t c, const uint64_t* input, int64_t g, int64_t exact) const;
  // One noisy read's error `e` (counts) in the read-error statistics; `wrong`: it differs at all.
  void count_read_error(int64_t e, bool wrong);
  // Counts the conversions of column c's read-out nodes by the count each reads.
  void record_counts(int64_t c, const uint64_t* input, int64_t g, int64_t exact);
  // Column c's value read through the noisy read-out (its exact count `exact`, column group g).
  int64_t read_noisy(int64_t c, const uint64_t* input, int64_t g, int64_t exact);

  std::unique_ptr<IReadout> m_own_readout;
  const MacroParams& m_p;
  const IReadout& m_readout;
  Hierarchy m_h;
  CellArray m_cells;
  MacroCounters m_count;
  DomainBank m_bank;
  // The domain pass of an operation: after a weight write every domain is evaluated one by one;
  // afterwards a domain's state changes only when its row node's input switches between all
  // zero and not (the stored tile fixes the rest), so only those rows are visited, and the
  // operations' counts and per-domain skips are added in bulk (flush_skips).
  void domain_pass(uint64_t now, bool& woke);
  void full_domain_pass(uint64_t now, bool& woke);
  void derive_active();  // m_group_active_rows, m_active_cols, m_upper_precharge from m_active
  void toggle_active(int64_t r, int64_t g, bool on);  // their update when domain (r, g) switches
  void flush_skips();
  bool m_fresh = true;                 // no operation since the last weight write
  std::vector<uint8_t> m_cand;         // per domain: can be active (stores a 1, some column kept)
  std::vector<int64_t> m_cand_cols;    // per row node: columns of its candidate domains
  std::vector<int64_t> m_cand_count;   // per row node: its candidate domains
  std::vector<std::vector<int32_t>> m_cand_groups;  // per row node: the column groups of its candidates
  int64_t m_used_domains = 0;
  std::vector<uint8_t> m_prev_row_any;
  uint64_t m_epoch_ops = 0;            // bulk operations since the last flush
  std::vector<uint64_t> m_row_on_ops;  // of those, per row node: with input on its rows
  int64_t m_active_cols = 0;           // columns of the active domains, this operation
  std::vector<uint64_t> m_upper_precharge;  // per level above the gating level: segments precharged
  std::vector<std::vector<int64_t>> m_upper_active;  // per such level, per (node, column group): active domains beneath
  std::vector<int64_t> m_row_nodes_per;  // per such level: gating-level row nodes beneath one of its nodes
  // Scratch reused by every operation.
  std::vector<uint8_t> m_row_any, m_active;
  std::vector<int64_t> m_row_ones, m_group_active_rows;
  std::vector<uint64_t> m_op_precharge;
  std::vector<int64_t> m_conversions;  // per converter (read-out node x converter of its columns), this operation
  // The read-out level: its nodes, their rows, converters per node, and per (node, column group)
  // the rows evaluated beneath it this operation (0: every domain beneath gated, no read-out).
  int m_ro_level;
  int64_t m_ro_nodes, m_ro_span, m_ro_converters, m_acc_bits;
  std::vector<int64_t> m_node_rows;
  // Read-out non-idealities (arch.analog.noise), applied only by an ADC read-out.
  ReadNoise m_noise;
  bool m_noisy;
  bool m_divider;  // macro.cell divider or xnor: static current counted per read-out node
  std::vector<double> m_droop_per_one;  // counts per stored 1, by position on a shared converter
  // Conversions by the count read (arch.readout collect_counts; empty otherwise).
  std::vector<uint64_t> m_hist;
};

}  // namespace cimsim
