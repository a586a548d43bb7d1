#include "arch/dcim_macro.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "workloads/bits.hpp"

namespace cimsim {

namespace {
bool power_of_two(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }
int64_t log2i(int64_t x) {
  int64_t l = 0;
  while ((int64_t{1} << l) < x) ++l;
  return l;
}
}  // namespace

void DcimParams::declare(ParamVisitor& v) {
  v.integer("rows", rows, 256, 2, 1 << 16, {"rows", "bit-cell rows: inputs summed by one column's adder tree (a power of two)"});
  v.check(power_of_two(rows), "rows", "expected a power of two (a binary adder tree over the rows)");
  v.integer("cols", cols, 256, 1, 1 << 16, {"columns", "bit-cell columns, one adder tree each"});
  v.integer("domain_rows", domain_rows, 16, 1, 1 << 16,
            {"rows", "leaves of one gated adder subtree: rows of a gating domain (a power of two, at most rows)"});
  v.check(power_of_two(domain_rows) && domain_rows <= rows, "domain_rows",
          fmt::format("{} is not a power of two no larger than rows = {}", domain_rows, rows));
  v.integer("gating.cols", gate_cols, 8, 1, 1 << 16, {"columns", "adjacent columns per gating domain"});
  v.check(gate_cols <= cols, "gating.cols", fmt::format("{} is more than cols = {}", gate_cols, cols));
  v.integer("cycles.op", op_cycles, 1, 1, 1000,
            {"cycles", "per operation (one input bit plane): a pipelined tree takes one plane per cycle"});
  v.integer("cycles.wakeup", wakeup_cycles, 2, 0, 100000, {"cycles", "stall when an operation needs a gated subtree"});
  v.integer("cycles.write_row", write_row_cycles, 1, 0, 1000, {"cycles", "writing one row of weights"});
}

MacroParams DcimParams::geometry() const {
  MacroParams g;
  g.rows = rows;
  g.cols = cols;
  g.hierarchy = domain_rows == rows ? std::vector<int64_t>{rows} : std::vector<int64_t>{domain_rows, rows / domain_rows};
  g.gating_level = 0;
  g.gate_cols = gate_cols;
  g.cycles.wakeup = wakeup_cycles;
  g.cycles.write_row = write_row_cycles;
  return g;
}

std::string DcimParams::describe() const {
  return fmt::format("{}x{}, adder trees with gated subtrees of {} rows x {} columns", rows, cols, domain_rows, gate_cols);
}

int64_t adder_tree_fa(int64_t leaves) {
  const int64_t d = log2i(leaves);
  return (int64_t{2} << d) - d - 2;
}

DcimMacro::DcimMacro(sc_core::sc_module_name name, const DcimParams& p, sc_core::sc_time period)
    : MacroModule(name, period),
      m_p(p),
      m_row_nodes(p.rows / p.domain_rows),
      m_groups((p.cols + p.gate_cols - 1) / p.gate_cols),
      m_levels(log2i(m_row_nodes)),
      m_subtree_fa(adder_tree_fa(p.domain_rows)),
      m_cells(p.rows, p.cols, p.domain_rows, p.gate_cols),
      m_count(0),
      m_bank(std::size_t(m_row_nodes * m_groups), p.wakeup_cycles, m_trace),
      m_row_any(std::size_t(m_row_nodes)),
      m_active(std::size_t(m_row_nodes * m_groups)),
      m_row_ones(std::size_t(m_row_nodes)) {}

void DcimMacro::enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) {
  std::vector<std::string> names;
  for (std::size_t d = 0; d < m_bank.size(); ++d)
    names.push_back(fmt::format("domain_r{:03d}_g{:03d}", int64_t(d) / m_groups, int64_t(d) % m_groups));
  const auto& domains = m_bank.domains();
  m_trace.enable(tf, name(), basename(), names,
                 [&domains](std::size_t d) { return domains[d].state() == PowerDomain::State::Gated ? 1 : 0; }, from, to);
}

uint64_t DcimMacro::write_weights(const PackedColumns& tile, const std::vector<uint8_t>& needed) {
  const uint64_t now = now_cycles();
  const uint64_t wake = m_bank.wake_all(now, m_count);
  m_cells.store(tile, needed);
  m_count[Act::CellWrite] += uint64_t(m_p.rows * m_p.cols);
  const uint64_t write = uint64_t(m_p.rows * m_p.write_row_cycles);
  m_trace.phases(now, {{Waveform::Wakeup, wake}, {Waveform::Write, write}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::StallWeightWrite] += write;
  m_count[Stat::Cycles] += wake + write;
  return wake + write;
}

void DcimMacro::preload(const PackedColumns& tile, const std::vector<uint8_t>& needed) {
  MacroCounters uncounted(m_count.precharge.size());
  m_bank.wake_all(now_cycles(), uncounted);
  m_cells.store(tile, needed);
}

uint64_t DcimMacro::operate(const uint64_t* input, std::vector<int64_t>& column_out) {
  const uint64_t now = now_cycles();
  const int64_t D = m_p.domain_rows, R = m_row_nodes, G = m_groups;
  ++m_count[Stat::Ops];
  for (int64_t r = 0; r < R; ++r) {
    m_row_ones[std::size_t(r)] = popcount_range(input, std::size_t(r * D), std::size_t((r + 1) * D));
    m_row_any[std::size_t(r)] = m_row_ones[std::size_t(r)] != 0;
  }
  // Gating rule as on the analog macro: a subtree works only with an input 1 on its rows, a
  // stored 1 in its cells and a column whose output is kept.
  bool woke = false, any_active = false;
  for (int64_t g = 0; g < G; ++g) {
    const int64_t c0 = m_cells.group_begin(g), c1 = m_cells.group_end(g);
    int64_t active_nodes = 0;
    for (int64_t r = 0; r < R; ++r) {
      const std::size_t d = std::size_t(r * G + g);
      m_active[d] = m_bank.evaluate(d, m_row_any[std::size_t(r)] && !m_cells.weight_zero(d) && !m_cells.discarded(g),
                                    m_cells.used(d), now, m_count, woke);
      if (!m_active[d]) continue;
      ++active_nodes;
      any_active = true;
      // The row's input bits drive the product gates of the domain's cells.
      m_count[Act::InputLineCell] += uint64_t(m_row_ones[std::size_t(r)] * (c1 - c0));
    }
    // Full adders that switch in each column of the group: the active subtrees, and every node
    // above them with an active subtree beneath (level k adds two (log2 D + k)-bit sums).
    uint64_t fa = uint64_t(active_nodes * m_subtree_fa);
    const int64_t leaf_bits = int64_t(log2i(D));
    for (int64_t k = 1; k <= m_levels; ++k) {
      const int64_t span = int64_t{1} << k;  // subtrees beneath a node of level k
      for (int64_t n = 0; n < R / span; ++n) {
        bool any = false;
        for (int64_t r = n * span; !any && r < (n + 1) * span; ++r) any = m_active[std::size_t(r * G + g)];
        if (any) fa += uint64_t(leaf_bits + k);
      }
    }
    for (int64_t c = c0; c < c1; ++c) {
      if (!m_cells.needed(c) || active_nodes == 0) {
        column_out[std::size_t(c)] = 0;  // nothing evaluated: the sum is known to be 0
        continue;
      }
      const int64_t p = m_cells.and_popcount(c, input);
      m_count[Act::AndEval] += uint64_t(p);
      m_count[Act::AdderTreeBit] += fa;
      column_out[std::size_t(c)] = p;
    }
  }
  // Zero-skipping: with every subtree gated there is nothing to add; the operation takes no slot.
  if (!any_active) return 0;
  const uint64_t wake = woke ? uint64_t(m_p.wakeup_cycles) : 0;
  const uint64_t cycles = wake + uint64_t(m_p.op_cycles);
  m_trace.phases(now, {{Waveform::Wakeup, wake}, {Waveform::Evaluate, uint64_t(m_p.op_cycles)}});
  m_count[Stat::StallWakeup] += wake;
  m_count[Stat::Cycles] += cycles;
  return cycles;
}

uint64_t DcimMacro::operate_planes(const std::vector<const uint64_t*>&, std::vector<std::vector<int64_t>>&, int64_t) {
  throw std::logic_error("the dcim macro applies one bit plane per operation (no analog accumulation)");
}

const MacroCounters& DcimMacro::stats() {
  m_bank.residency(now_cycles(), m_count);
  return m_count;
}

}  // namespace cimsim
