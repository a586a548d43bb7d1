#include "power/energy.hpp"

#include <fmt/format.h>

namespace cimsim {

double EnergyBreakdown::total() const {
  double s = 0;
  for (const auto& [k, v] : items) s += v;
  return s;
}

double EnergyBreakdown::get(const std::string& name) const {
  for (const auto& [k, v] : items)
    if (k == name) return v;
  return 0.0;
}

EnergyBreakdown price(const MacroCounters& c, uint64_t cycles, int64_t macros, const ActionPrices& p, double period_ns) {
  EnergyBreakdown e;
  auto n = [&](Act a) { return double(c[a]); };
  for (std::size_t l = 0; l < p.precharge.size(); ++l)
    e.items.emplace_back(fmt::format("precharge_l{}", l), double(c.precharge[l]) * p.precharge[l]);
  double merges = 0;
  for (auto m : c.merge) merges += double(m);
  e.items.emplace_back("merge", merges * p.merge);
  e.items.emplace_back("wordline", n(Act::InputLineCell) * p.input_line_cell);
  e.items.emplace_back("evaluation", n(Act::AndEval) * p.and_eval);
  e.items.emplace_back("readout", n(Act::AdcConversion) * p.adc_conversion + n(Act::AdderTreeBit) * p.adder_tree_bit);
  e.items.emplace_back("readout_overhead", n(Act::AdcConversion) * p.adc_overhead);
  e.items.emplace_back("digital", n(Act::DigitalAddBit) * p.digital_add_bit);
  e.items.emplace_back("buffer", (n(Act::BufferReadBit) + n(Act::BufferWriteBit)) * p.buffer_bit);
  e.items.emplace_back("weight_write", n(Act::CellWrite) * p.cell_write);
  e.items.emplace_back("gating_control", n(Act::GateEvent) * p.gate_event);
  e.items.emplace_back("wakeup", n(Act::WakeEvent) * p.wake_event);
  // nW x ns = 1e-18 J = 1e-6 pJ.
  const double leak = p.leak_array_nw * double(macros) * double(cycles) * period_ns +
                      p.leak_domain_on_nw * double(c[Stat::DomainCyclesOn]) * period_ns +
                      p.leak_domain_gated_nw * double(c[Stat::DomainCyclesGated] + c[Stat::DomainCyclesIdle]) * period_ns;
  e.items.emplace_back("leakage", leak * 1e-6);
  return e;
}

}  // namespace cimsim
