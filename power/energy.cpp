#include "power/energy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

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

void EnergyBreakdown::add(const std::string& component, double pj) {
  for (auto& [k, v] : items)
    if (k == component) {
      v += pj;
      return;
    }
  items.emplace_back(component, pj);
}

EnergyBreakdown empty_breakdown(std::size_t levels) {
  EnergyBreakdown e;
  for (std::size_t l = 0; l < levels; ++l) e.items.emplace_back(fmt::format("precharge_l{}", l), 0.0);
  for (const char* c : {"merge", "wordline", "evaluation", "cell_current", "readout", "readout_dac", "readout_logic",
                        "readout_reference", "readout_overhead", "digital", "buffer",
                        "weight_write", "gating_control", "wakeup", "leakage"})
    e.items.emplace_back(c, 0.0);
  return e;
}

Counts macro_counts(const MacroCounters& c) {
  Counts n;
  for (std::size_t l = 0; l < c.precharge.size(); ++l) n.emplace_back(fmt::format("precharge_l{}", l), double(c.precharge[l]));
  double merges = 0;
  for (auto m : c.merge) merges += double(m);
  n.emplace_back("merge", merges);
  n.emplace_back("wordline_cell", double(c[Act::InputLineCell]));
  n.emplace_back("input_pulse", double(c[Act::InputPulse]));
  n.emplace_back("and_eval", double(c[Act::AndEval]));
  n.emplace_back("divider_unit_cycle", double(c[Act::DividerUnits]) / double(kDividerUnit));
  n.emplace_back("adc_conversion", double(c[Act::AdcConversion]));
  n.emplace_back("adder_tree_bit", double(c[Act::AdderTreeBit]));
  n.emplace_back("cell_write", double(c[Act::CellWrite]));
  n.emplace_back("gate_event", double(c[Act::GateEvent]));
  n.emplace_back("wake_event", double(c[Act::WakeEvent]));
  n.emplace_back("array_cycle", double(c[Stat::ArrayCycles]));
  n.emplace_back("domain_cycle_on", double(c[Stat::DomainCyclesOn]));
  n.emplace_back("domain_cycle_gated", double(c[Stat::DomainCyclesGated] + c[Stat::DomainCyclesIdle]));
  return n;
}

Counts periphery_counts(const MacroCounters& c) {
  Counts n = {{"digital_add_bit", double(c[Act::DigitalAddBit])},
          {"buffer_read_bit", double(c[Act::BufferReadBit])},
          {"weight_read_bit", double(c[Act::WeightReadBit])},
          {"buffer_write_bit", double(c[Act::BufferWriteBit])},
          {"digital_mac_bit", double(c[Act::DigitalMacBit])}};
  // The off-chip memory's traffic, only on a chip that has one (arch.memory).
  if (c[Act::DramReadBit] + c[Act::DramWriteBit] + c[Act::DramWeightFetchBit] + c[Act::DramWeightLoadBit] > 0) {
    n.emplace_back("offchip_read_bit", double(c[Act::DramReadBit]));
    n.emplace_back("offchip_write_bit", double(c[Act::DramWriteBit]));
    n.emplace_back("offchip_weight_fetch_bit", double(c[Act::DramWeightFetchBit]));
    n.emplace_back("offchip_weight_load_bit", double(c[Act::DramWeightLoadBit]));
  }
  return n;
}

PriceTable macro_prices(const TechTable& t, const MacroParams& g, int64_t readout_bits, int64_t readout_levels,
                        double period_ns, const std::string& readout_kind) {
  const ActionPrices p = derive_prices(t, g, readout_bits, readout_levels, readout_kind);
  const double v = g.supply_v > 0 ? g.supply_v : t[Tech::Vdd];
  const double levels = readout_levels > 0 ? double(readout_levels) : double(int64_t{1} << readout_bits);
  const ReadoutCircuit& rc = p.readout;
  PriceTable tab;
  for (std::size_t l = 0; l < p.precharge.size(); ++l)
    tab.push_back({fmt::format("precharge_l{}", l), fmt::format("precharge_l{}", l), p.precharge[l],
                   fmt::format("C V^2 x swing: level-{} segment {:.4g} fF (cells or child switches, wire, its switch or the "
                               "read-out input) at {} V, swing {}",
                               l, p.segment_cap_ff[l], v, g.bitline_swing)});
  tab.push_back({"merge", "merge", p.merge, fmt::format("merge switch gate: switch_width x gate_cap at {} V", v)});
  tab.push_back({"input_pulse", "wordline", p.input_pulse,
                 fmt::format("a row's pulse-count input generator stepped once: one full-adder-equivalent, digital_add_bit "
                             "{} fJ x (V/vdd)^2 (an estimate)", t[Tech::DigitalAddBit])});
  tab.push_back({"wordline_cell", "wordline", p.input_line_cell,
                 fmt::format("one cell's word-line share, cell_width x wire_cap + and_width x gate_cap, and its FO4 driver "
                             "chain's C / 3, at {} V", v)});
  tab.push_back({"and_eval", "evaluation", p.and_eval,
                 fmt::format("a product of 1: and_width x drain_cap + cell_cap_ff {} fF at {} V", g.cell_cap_ff, v)});
  if (g.divider())
    tab.push_back({"divider_unit_cycle", "cell_current", p.divider_unit_mw * period_ns,
                   fmt::format("{} cells: static current through a column's divider while its rows are on (evaluate, "
                               "merges, until its converter samples it), per unit of k (n - k) / n (k of n driven cells "
                               "pulling up) and {} ns cycle: V^2 / R_cell, R_cell = 2 x resistance_factor x vdd / "
                               "(on_current_n x and_width) = {:.4g} kOhm, at {} V",
                               g.cell, period_ns, divider_cell_kohm(t), v)});
  if (readout_kind == "adc") {
    tab.push_back({"adc_conversion", "readout", p.adc_conversion,
                   fmt::format("adc_fom {} fJ/step x {} levels, x (V/vdd)^2 ({}: {})", t[Tech::AdcFom], levels, t.name,
                               t.source[std::size_t(Tech::AdcFom)])});
  } else {
    tab.push_back({"adc_conversion", "readout", rc.comparator,
                   fmt::format("{} comparator decisions of a StrongARM latch, {:.4g} fF switched each (5 x comparator_width "
                               "{} um x (drain_cap + gate_cap)) at {} V: {:.4g} fJ per decision",
                               rc.decisions, rc.comparator_cap_ff, t[Tech::ComparatorWidth], v, rc.decision_fj)});
    if (readout_kind == "sar")
      tab.push_back({"adc_conversion", "readout_dac", rc.dac,
                     fmt::format("{}-bit binary-weighted capacitive DAC, conventional switching: {:.4g} x dac_unit_cap {} fF "
                                 "x V^2 at {} V ({})",
                                 readout_bits, rc.dac_units, t[Tech::DacUnitCap], v, t.source[std::size_t(Tech::DacUnitCap)])});
    if (readout_kind != "sense")
      tab.push_back({"adc_conversion", "readout_logic", rc.logic,
                     fmt::format("{}: one full-adder-equivalent ({} fJ at vdd, x (V/vdd)^2) per {} (an estimate)",
                                 readout_kind == "sar" ? "SAR register and sequencing" : "thermometer encoder",
                                 t[Tech::DigitalAddBit], readout_kind == "sar" ? "decision" : "comparator output")});
    if (readout_kind != "sar")
      tab.push_back({"adc_conversion", "readout_reference", rc.reference,
                     fmt::format("reference string sized to settle its taps' kickback ({:.4g} fF each, comparator_width x "
                                 "gate_cap) to half an LSB within half a conversion: 2 ln(2^(b+1)) / pi^2 x taps x C x V^2 "
                                 "at {} V, its static power over the conversion time",
                                 rc.input_cap_ff, v)});
  }
  tab.push_back({"adc_conversion", "readout_overhead", p.adc_overhead,
                 fmt::format("readout_overhead {} fF x V^2 ({})", t[Tech::ReadoutOverhead],
                             t.source[std::size_t(Tech::ReadoutOverhead)])});
  tab.push_back({"adder_tree_bit", "readout", p.adder_tree_bit,
                 fmt::format("one full-adder bit: digital_add_bit x (V/vdd)^2 ({})", t.source[std::size_t(Tech::DigitalAddBit)])});
  tab.push_back({"cell_write", "weight_write", p.cell_write,
                 fmt::format("a cell written: the column's path from the root to its leaf segment, C V^2 at {} V", v)});
  tab.push_back({"gate_event", "gating_control", p.gate_event,
                 fmt::format("a domain gated: its AND devices' and precharge drivers' gate load, C V^2 at {} V", v)});
  tab.push_back({"wake_event", "wakeup", p.wake_event,
                 fmt::format("a domain woken: its virtual supply's drain load recharged, C V^2 at {} V", v)});
  // nW x ns = 1e-18 J = 1e-6 pJ.
  tab.push_back({"array_cycle", "leakage", p.leak_array_nw * period_ns * 1e-6,
                 fmt::format("a macro's cell array for one {} ns cycle: rows x cols x cell_leak ({})", period_ns,
                             t.source[std::size_t(Tech::CellLeak)])});
  tab.push_back({"domain_cycle_on", "leakage", p.leak_domain_on_nw * period_ns * 1e-6,
                 fmt::format("a domain's periphery on for one cycle: cells x periph_leak ({})", t.source[std::size_t(Tech::PeriphLeak)])});
  tab.push_back({"domain_cycle_gated", "leakage", p.leak_domain_gated_nw * period_ns * 1e-6,
                 fmt::format("a gated domain for one cycle: on-leakage x gated_leak_ratio ({})",
                             t.source[std::size_t(Tech::GatedLeakRatio)])});
  return tab;
}

PriceTable periphery_prices(const TechTable& t, double supply_v, const MemoryParams& memory) {
  const double v = supply_v > 0 ? supply_v : t[Tech::Vdd];
  const double tab = v * v / (t[Tech::Vdd] * t[Tech::Vdd]);
  PriceTable p = {{"digital_add_bit", "digital", t[Tech::DigitalAddBit] * tab * 1e-3,
           fmt::format("digital_add_bit {} fJ x (V/vdd)^2 at {} V ({})", t[Tech::DigitalAddBit], v,
                       t.source[std::size_t(Tech::DigitalAddBit)])},
          {"buffer_read_bit", "buffer", t[Tech::BufferBit] * tab * 1e-3,
           fmt::format("buffer_bit {} fJ x (V/vdd)^2 at {} V ({})", t[Tech::BufferBit], v, t.source[std::size_t(Tech::BufferBit)])},
          {"weight_read_bit", "buffer", t[Tech::BufferBit] * tab * 1e-3,
           fmt::format("buffer_bit {} fJ x (V/vdd)^2 at {} V ({})", t[Tech::BufferBit], v, t.source[std::size_t(Tech::BufferBit)])},
          {"buffer_write_bit", "buffer", t[Tech::BufferBit] * tab * 1e-3,
           fmt::format("buffer_bit {} fJ x (V/vdd)^2 at {} V ({})", t[Tech::BufferBit], v, t.source[std::size_t(Tech::BufferBit)])},
          {"digital_mac_bit", "digital_mac", t[Tech::DigitalAddBit] * tab * 1e-3,
           fmt::format("one full-adder cell of the MAC unit: digital_add_bit {} fJ x (V/vdd)^2 at {} V ({})",
                       t[Tech::DigitalAddBit], v, t.source[std::size_t(Tech::DigitalAddBit)])}};
  if (memory.on()) {
    const double e = memory.energy_pj_per_bit();
    const std::string src = fmt::format("arch.memory.kind {}: {} pJ per bit moved ({})", memory.kind, e, memory.source());
    p.push_back({"offchip_read_bit", "offchip", e, src});
    p.push_back({"offchip_write_bit", "offchip", e, src});
    p.push_back({"offchip_weight_fetch_bit", "offchip", e, src});
    // Resident weights fetched once: a cost of loading the chip, kept apart from the per-sample traffic.
    p.push_back({"offchip_weight_load_bit", "offchip_weight_load", e, src});
  }
  return p;
}

void charge(EnergyBreakdown& e, const Counts& counts, const PriceTable& table) {
  for (const Price& p : table)
    for (const auto& [action, n] : counts)
      if (action == p.action) e.add(p.component, n * p.pj);
}

}  // namespace cimsim
