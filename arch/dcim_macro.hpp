// The all-digital SRAM CIM macro (kind dcim), built as digital CIM macros are (e.g. Chih et al.,
// ISSCC 2021; Fujiwara et al., ISSCC 2022): weights in the bit cells, one input bit plane per
// operation on the rows (bit-serial), a NOR/AND gate per cell forms the 1-bit product, and a
// binary adder tree per column sums the products exactly; no bit-line precharge, no ADC. The
// tree's leaves are grouped into subtrees of `domain_rows` rows x `gate_cols` columns that are
// clock-gated (power-gating domains) when their inputs, weights or outputs are zero.
#pragma once
#include <vector>

#include "arch/macro.hpp"
#include "arch/params.hpp"

namespace cimsim {

struct DcimParams {
  int64_t rows, cols;
  int64_t domain_rows;  // leaves of one gated adder subtree (a power of two)
  int64_t gate_cols;    // adjacent columns per gating domain
  int64_t op_cycles;    // cycles per operation: the pipelined tree accepts one bit plane per op
  int64_t wakeup_cycles, write_row_cycles;

  DcimParams() { DefaultsVisitor d; declare(d); }
  void declare(ParamVisitor& v);
  // The geometry the mapper and the price table see: the tree's subtrees as the leaf level of
  // a two-level hierarchy, gated at the leaf.
  MacroParams geometry() const;
  std::string describe() const;
};

// Full-adder cells of a binary adder tree over 2^d one-bit inputs: level l (1..d) adds
// 2^(d-l) pairs of l-bit numbers, l full adders each: sum_l 2^(d-l) l = 2^(d+1) - d - 2
// (NeuroSim's AdderTree.cpp; ZigZag's DimcArray.py gives the same count).
int64_t adder_tree_fa(int64_t leaves);

class DcimMacro : public MacroModule {
 public:
  DcimMacro(sc_core::sc_module_name name, const DcimParams& p, sc_core::sc_time period);

  using MacroIf::write_weights;
  uint64_t write_weights(const PackedColumns& tile, const std::vector<uint8_t>& needed) override;
  void preload(const PackedColumns& tile, const std::vector<uint8_t>& needed) override;
  uint64_t operate(const uint64_t* input, std::vector<int64_t>& column_out) override;
  uint64_t operate_planes(const std::vector<const uint64_t*>& planes, std::vector<std::vector<int64_t>>& column_out,
                          int64_t combine) override;
  const MacroCounters& stats() override;
  const std::vector<uint64_t>& domain_skips() override { return m_bank.skips(); }
  int64_t domain_rows() const override { return m_row_nodes; }
  int64_t domain_cols() const override { return m_groups; }
  void enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) override;

 private:
  const DcimParams& m_p;
  int64_t m_row_nodes, m_groups, m_levels;  // subtrees per column, column groups, log2(rows / domain_rows)
  int64_t m_subtree_fa;                     // full adders of one subtree
  CellArray m_cells;
  MacroCounters m_count;
  DomainBank m_bank;
  std::vector<uint8_t> m_row_any, m_active;
  std::vector<int64_t> m_row_ones;
};

}  // namespace cimsim
