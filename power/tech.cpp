#include "power/tech.hpp"

#include <algorithm>
#include <cmath>

#include "arch/hierarchy.hpp"
#include "arch/readout.hpp"

namespace cimsim {

const std::array<TechKeyInfo, kTechKeys>& tech_keys() {
  static const std::array<TechKeyInfo, kTechKeys> keys = {{
      {Tech::Vdd, "vdd", "V", 0.3, 5.0, "supply voltage"},
      {Tech::WireCap, "wire_cap", "fF/um", 0.01, 2.0, "wire capacitance per length"},
      {Tech::CellHeight, "cell_height", "um", 0.01, 20.0, "bit-cell pitch along the bit line"},
      {Tech::CellWidth, "cell_width", "um", 0.01, 20.0, "bit-cell pitch along the word line"},
      {Tech::AccessWidth, "access_width", "um", 0.005, 10.0, "cell transistor width on the bit line"},
      {Tech::AndWidth, "and_width", "um", 0.005, 10.0, "width of the 2T AND devices"},
      {Tech::SwitchWidth, "switch_width", "um", 0.005, 10.0, "merge switch width"},
      {Tech::PrechargeWidth, "precharge_width", "um", 0.005, 50.0, "precharge driver width"},
      {Tech::DrainCap, "drain_cap", "fF/um", 0.01, 10.0, "drain capacitance per transistor width"},
      {Tech::GateCap, "gate_cap", "fF/um", 0.01, 10.0, "gate capacitance per transistor width"},
      {Tech::SenseCap, "sense_cap", "fF", 0.0, 1000.0, "read-out input capacitance on the global line"},
      {Tech::AdcFom, "adc_fom", "fJ/step", 0.01, 10000.0, "ADC energy per nominal level"},
      {Tech::ReadoutOverhead, "readout_overhead", "fF", 0.0, 1.0e6,
       "empirical energy per conversion beyond the modelled terms, as capacitance switched at the supply", true},
      {Tech::DigitalAddBit, "digital_add_bit", "fJ", 0.001, 1000.0, "digital add per bit"},
      {Tech::BufferBit, "buffer_bit", "fJ", 0.001, 100000.0, "SRAM buffer access per bit"},
      {Tech::CellLeak, "cell_leak", "nW", 0.0, 1000.0, "leakage of one bit cell (retention)"},
      {Tech::PeriphLeak, "periph_leak", "nW", 0.0, 1000.0, "gateable periphery leakage per cell"},
      {Tech::GatedLeakRatio, "gated_leak_ratio", "1", 0.0, 1.0, "periphery leakage left when gated"},
      {Tech::OnCurrentN, "on_current_n", "uA/um", 1.0, 10000.0, "NMOS saturation current per width (timing of switches and cells)"},
      {Tech::OnCurrentP, "on_current_p", "uA/um", 1.0, 10000.0, "PMOS saturation current per width (precharge drivers)"},
      {Tech::ResistanceFactor, "resistance_factor", "1", 0.5, 5.0, "effective-resistance multiplier: R = factor x vdd / (I_on x width)"},
      {Tech::ComparatorNoise, "comparator_noise", "mV", 0.0, 1000.0,
       "read-out comparator's input-referred noise, rms per decision (arch.analog.noise)", true},
      {Tech::ComparatorOffset, "comparator_offset", "mV", 0.0, 1000.0,
       "sigma of a read-out converter's input-referred offset, fixed per chip (arch.analog.noise)", true},
      {Tech::CellSigma, "cell_sigma", "1", 0.0, 1.0,
       "sigma of one discharging cell's charge relative to its nominal, fixed per chip (arch.analog.noise)", true},
      {Tech::CapMismatch, "cap_mismatch", "1", 0.0, 1.0,
       "sigma of a 1 fF compute capacitor relative to its value, scaling as 1/sqrt(C) (arch.analog.noise)", true},
      {Tech::OffCurrentN, "off_current_n", "uA/um", 0.0, 100.0,
       "NMOS off-state current per width at 300 K: cells' leakage droops a read-out node while it waits (arch.analog.noise)", true},
      {Tech::ComparatorWidth, "comparator_width", "um", 0.0, 100.0,
       "input-pair device width of the read-out's StrongARM comparator (its decision energy and input load: "
       "readout.kind sar, flash, sense)", true},
      {Tech::DacUnitCap, "dac_unit_cap", "fF", 0.0, 1000.0,
       "unit capacitor of a SAR read-out's binary-weighted capacitive DAC (readout.kind sar)", true},
      {Tech::GateArea, "gate_area", "um^2", 0.001, 100.0, "area of a two-input NAND gate, the unit of digital logic area (docs/area.md)"},
      {Tech::SarAdcArea, "sar_adc_area", "um^2", 1.0, 1.0e6, "area of one 8-bit SAR ADC (other resolutions: docs/area.md)"},
      {Tech::BufferArrayEfficiency, "buffer_array_efficiency", "1", 0.1, 1.0,
       "share of an SRAM buffer macro's area that is bit cells"},
  }};
  return keys;
}

double sar_dac_switching_units(int64_t bits) {
  // Conventional switching of a binary-weighted array, averaged over the codes (the figure the
  // literature on SAR switching procedures compares against: 1363.3 C V^2 for 10 bits; Liu et
  // al., JSSC 45(4) 2010, whose monotonic procedure saves 81.2% of it).
  double e = 0;
  for (int64_t i = 1; i <= bits; ++i) e += std::ldexp(std::ldexp(1.0, int(i)) - 1.0, int(bits + 1 - 2 * i));
  return e;
}

double divider_cell_kohm(const TechTable& t) {
  return 2.0 * t[Tech::ResistanceFactor] * t[Tech::Vdd] / (t[Tech::OnCurrentN] * t[Tech::AndWidth]) * 1e3;
}

ReadoutCircuit readout_circuit(const TechTable& t, const std::string& kind, int64_t bits, int64_t levels, double v) {
  ReadoutCircuit r;
  const double v2 = v * v, tab = v2 / (t[Tech::Vdd] * t[Tech::Vdd]), fj_to_pj = 1e-3;
  const double n_levels = levels > 0 ? double(levels) : std::ldexp(1.0, int(bits));
  if (kind == "adc") {  // a measured converter: energy per nominal level x levels (Walden form)
    r.comparator = t[Tech::AdcFom] * n_levels * tab * fj_to_pj;
    return r;
  }
  // A StrongARM latch (Razavi, IEEE SSC Magazine 2015) of input width W: per decision it
  // discharges and restores its two input-pair drain nodes (the pair's drain and the latch
  // NMOS's source, W + W/2), its two outputs (two drains and two gates of W/2 each) and its
  // clocked devices (the tail of 2W, four reset switches of W/4): 5 W of drain and 5 W of gate
  // capacitance, C V^2 per decision. Its input load is the pair's gate, W x gate_cap.
  const double w = t[Tech::ComparatorWidth];
  r.comparator_cap_ff = 5.0 * w * (t[Tech::DrainCap] + t[Tech::GateCap]);
  r.input_cap_ff = w * t[Tech::GateCap];
  r.decision_fj = r.comparator_cap_ff * v2;
  // A reference tap loaded by comparator inputs must recover from their kickback (a full swing
  // away) to half an LSB, n = ln(2^(b + 1)) time constants, within half a conversion: a
  // resistor string of total R and total load C settles with R C / pi^2 (a distributed line),
  // so R <= pi^2 t / (2 n C) and its static power V^2 / R over the conversion time t is
  // 2 n C V^2 / pi^2 per conversion, whatever t.
  auto ladder = [&](double taps, int64_t b) {
    const double n_tau = std::log(std::ldexp(2.0, int(b)));
    return 2.0 * n_tau * taps * r.input_cap_ff * v2 / (M_PI * M_PI) * fj_to_pj;
  };
  if (kind == "sense") {  // one decision against one reference tap
    r.decisions = 1;
    r.reference = ladder(1, 1);
  } else if (kind == "flash") {  // levels - 1 comparators against a resistor string; a thermometer encoder
    r.decisions = n_levels - 1;
    int64_t b = 0;
    while (std::ldexp(1.0, int(b)) < n_levels) ++b;
    r.reference = ladder(n_levels - 1, b);
    // Encoder: one full-adder-equivalent per comparator output (an estimate).
    r.logic = (n_levels - 1) * t[Tech::DigitalAddBit] * tab * fj_to_pj;
  } else {  // sar: one decision per bit; the array switched between the supply rails
    r.decisions = double(bits);
    r.dac_units = sar_dac_switching_units(bits);
    r.dac = r.dac_units * t[Tech::DacUnitCap] * v2 * fj_to_pj;
    // The register bit set and the sequencing of each decision: one full-adder-equivalent (an estimate).
    r.logic = double(bits) * t[Tech::DigitalAddBit] * tab * fj_to_pj;
  }
  r.comparator = r.decisions * r.decision_fj * fj_to_pj;
  return r;
}

ActionPrices derive_prices(const TechTable& t, const MacroParams& macro, int64_t readout_bits, int64_t readout_levels,
                           const std::string& readout_kind) {
  const Hierarchy h(macro);
  // The operating supply. Switched-capacitance energies are C V^2 at it; numbers tabulated at
  // the node's nominal supply (from measured circuits) scale by (V / Vnom)^2, the same C V^2
  // law; leakage power I_off V scales by V / Vnom (off-current held constant: a first-order
  // choice that ignores DIBL, so it overstates leakage at reduced supply).
  const double v = macro.supply_v > 0 ? macro.supply_v : t[Tech::Vdd];
  const double v2 = v * v;
  const double tab = v2 / (t[Tech::Vdd] * t[Tech::Vdd]);
  const double leak = v / t[Tech::Vdd];
  const double fj_to_pj = 1e-3;
  const int L = h.levels();
  ActionPrices p;
  // Bit-line capacitance contributed by one cell: its wire pitch and its access drain.
  const double c_cell = t[Tech::CellHeight] * t[Tech::WireCap] + t[Tech::AccessWidth] * t[Tech::DrainCap];
  const double c_switch = t[Tech::SwitchWidth] * t[Tech::DrainCap];
  const int RO = macro.readout_at();
  for (int l = 0; l < L; ++l) {
    // A segment's load: the cells (leaf) or the child merge switches and the wire spanning the
    // rows beneath (upper levels), plus its own merge switch, or the read-out input at the
    // read-out level (the root unless arch.readout.level says otherwise). Levels above the
    // read-out level are not built: no capacitance, no precharge.
    double c = l == 0 ? double(h.fanin(0)) * c_cell
                      : double(h.span(l)) * t[Tech::CellHeight] * t[Tech::WireCap] + double(h.fanin(l)) * c_switch;
    c += l < RO ? c_switch : t[Tech::SenseCap];
    if (l > RO) c = 0.0;
    p.segment_cap_ff.push_back(c);
    // Restoring a segment that swung by s V draws C s V from the supply: E = C V^2 s (NeuroSim's
    // C V^2 for a full swing, s = 1).
    p.precharge.push_back(c * v2 * macro.bitline_swing * fj_to_pj);
  }
  p.merge = t[Tech::SwitchWidth] * t[Tech::GateCap] * v2 * fj_to_pj;
  // A cell's share of its word line (wire pitch and AND gate), and of the tapered driver that
  // switches it: a chain of stage effort 4 (FO4) driving a load C has input capacitances C/4 +
  // C/16 + ... = C / 3 inside it (logical effort: Sutherland, Sproull and Harris, 1999).
  p.input_line_cell = (t[Tech::CellWidth] * t[Tech::WireCap] + t[Tech::AndWidth] * t[Tech::GateCap]) *
                      (1.0 + 1.0 / 3.0) * v2 * fj_to_pj;
  // A pulse-count input's generator: a row counter stepped once per pulse, one
  // full-adder-equivalent each (an estimate: a binary counter toggles two bits per step on average).
  p.input_pulse = t[Tech::DigitalAddBit] * tab * fj_to_pj;
  // A product of 1 discharges the AND devices' drain; in a charge-domain cell it also charges
  // the cell's compute capacitor to the supply (C V^2 drawn) before the column shares it.
  p.and_eval = (t[Tech::AndWidth] * t[Tech::DrainCap] + macro.cell_cap_ff) * v2 * fj_to_pj;
  // One conversion from its circuit (readout_circuit), or for an `adc` the Walden figure of
  // merit: FoM x 2^ENOB (Murmann ADC survey), 2^ENOB = the output levels (2^bits, or e.g. 11).
  p.readout = readout_circuit(t, readout_kind, readout_bits, readout_levels, v);
  p.adc_conversion = p.readout.total();
  // A divider cell's static current: V / R_cell per unit of k (n - k) / n, drawn at V.
  p.divider_unit_mw = macro.divider() ? v2 / divider_cell_kohm(t) : 0.0;
  // A user's empirical term per conversion, as a capacitance switched at the supply (0 in every
  // shipped table: no number is fitted to a published macro; docs/validate.md).
  p.adc_overhead = t[Tech::ReadoutOverhead] * v2 * fj_to_pj;
  p.adder_tree_bit = t[Tech::DigitalAddBit] * tab * fj_to_pj;
  // Writing a cell drives the column's whole path from the root to the leaf segment.
  double c_path = 0;
  for (double c : p.segment_cap_ff) c_path += c;
  p.cell_write = c_path * v2 * fj_to_pj;
  // A domain's gateable devices: the AND devices of its cells and its precharge drivers. Gating
  // toggles their control (gate) load; waking recharges their virtual supply (drain) load.
  const double cells = double(h.domain_rows() * h.gate_cols());
  const double width = cells * t[Tech::AndWidth] + double(h.gate_cols()) * t[Tech::PrechargeWidth];
  p.gate_event = width * t[Tech::GateCap] * v2 * fj_to_pj;
  p.wake_event = width * t[Tech::DrainCap] * v2 * fj_to_pj;
  p.digital_add_bit = t[Tech::DigitalAddBit] * tab * fj_to_pj;
  p.buffer_bit = t[Tech::BufferBit] * tab * fj_to_pj;
  p.leak_array_nw = double(macro.rows * macro.cols) * t[Tech::CellLeak] * leak;
  p.leak_domain_on_nw = cells * t[Tech::PeriphLeak] * leak;
  p.leak_domain_gated_nw = p.leak_domain_on_nw * t[Tech::GatedLeakRatio];
  return p;
}

PhaseTimes derive_phase_times(const TechTable& t, const MacroParams& macro) {
  const Hierarchy h(macro);
  const ActionPrices p = derive_prices(t, macro, 1);
  const std::vector<double> lsb = lsb_per_level_mv(t, macro);
  const double vdd = t[Tech::Vdd], swing = macro.bitline_swing;
  const double v_op = macro.supply_v > 0 ? macro.supply_v : vdd;  // the LSB scales with it: the ratio does not
  PhaseTimes pt;
  // Settle to within half an LSB of the read-out (at the root, or its level), from a full swing away (a compute
  // capacitor can be a whole supply away), and at least to half the step.
  const double away = macro.cell_cap_ff > 0 ? v_op : swing * v_op;
  pt.n_tau = std::max(std::log(2.0), std::log(2.0 * away * 1e3 / lsb.back()));
  // kOhm: factor x V / (uA/um x um) x 1e3.
  pt.r_precharge_kohm = t[Tech::ResistanceFactor] * vdd / (t[Tech::OnCurrentP] * t[Tech::PrechargeWidth]) * 1e3;
  pt.r_switch_kohm = t[Tech::ResistanceFactor] * vdd / (t[Tech::OnCurrentN] * t[Tech::SwitchWidth]) * 1e3;
  for (int l = 0; l < h.levels(); ++l)  // kOhm x fF = ps
    pt.precharge_ns.push_back(pt.r_precharge_kohm * p.segment_cap_ff[std::size_t(l)] * pt.n_tau * 1e-3);
  // A cell's current through its two stacked AND devices (half of one device's, first order);
  // the pulse moves a full leaf (fanin(0) products) by the swing: C_leaf x swing x V / (fanin I).
  const double i_cell_ua = t[Tech::OnCurrentN] * t[Tech::AndWidth] / 2.0;
  pt.evaluate_ns = p.segment_cap_ff[0] * swing * vdd / (double(h.fanin(0)) * i_cell_ua);  // fC / uA = ns
  // Merging level l-1 into l: the slowest mode is one child node (C_node(l-1), everything
  // merged beneath it) against a sibling, through both their switches: 2 R x C/2 = R_switch x
  // C_node(l-1) (an ngspice check of the column agrees within 5%: docs/tech.md).
  const std::vector<double> c_node = merged_node_caps_ff(t, macro);
  for (std::size_t l = 1; l < c_node.size(); ++l) pt.merge_ns.push_back(pt.r_switch_kohm * c_node[l - 1] * pt.n_tau * 1e-3);
  return pt;
}

void apply_circuit_timing(const TechTable& t, MacroParams& m, double period_ns) {
  const PhaseTimes pt = derive_phase_times(t, m);
  auto cycles = [&](double ns) { return std::max<int64_t>(1, int64_t(std::ceil(ns / period_ns - 1e-9))); };
  m.cycles.precharge = cycles(*std::max_element(pt.precharge_ns.begin(), pt.precharge_ns.end()));
  m.cycles.evaluate = cycles(pt.evaluate_ns);
  m.merge_cycles.clear();
  for (double ns : pt.merge_ns) m.merge_cycles.push_back(cycles(ns));
}

std::vector<double> merged_node_caps_ff(const TechTable& t, const MacroParams& macro) {
  const Hierarchy h(macro);
  const ActionPrices p = derive_prices(t, macro, 1);
  std::vector<double> caps;
  double c_node = 0;
  for (int l = 0; l <= macro.readout_at(); ++l) {
    c_node = p.segment_cap_ff[std::size_t(l)] + (l == 0 ? 0.0 : double(h.fanin(l)) * c_node) +
             (l == 0 && macro.cell_cap_ff > 0 ? double(h.fanin(0)) * macro.cell_cap_ff : 0.0);
    caps.push_back(c_node);
  }
  return caps;
}

double readout_node_cap_ff(const TechTable& t, const MacroParams& macro) { return merged_node_caps_ff(t, macro).back(); }

double thermal_noise_mv(double cap_ff) {
  const double k_boltzmann = 1.380649e-23, temperature = 300.0;  // J/K (SI, exact); K (NeuroSim Param.cpp: temp = 300)
  return std::sqrt(k_boltzmann * temperature / (cap_ff * 1e-15)) * 1e3;
}

void apply_noise(const TechTable& t, const ReadoutParams& ro, MacroParams& m, double period_ns) {
  const double lsb = lsb_per_level_mv(t, m).back();
  // Droop: after its pulse every cell holding a 1 leaks through its one off device (I_off x
  // W_and; a cell holding 0 has two off devices in series, stack effect, neglected) until its
  // node is converted. fC per count = LSB x C_node; uA x ns = fC.
  const double fc_per_count = lsb * 1e-3 * readout_node_cap_ff(t, m);
  m.noise.droop_lsb_ns = t[Tech::OffCurrentN] * t[Tech::AndWidth] / fc_per_count;
  const auto r = make_readout(ro, m);
  m.noise.droop_max_lsb = m.noise.droop_lsb_ns * double(Hierarchy(m).span(m.readout_at())) *
                          readout_hold_ns(m, *r, r->columns_per_converter() - 1, period_ns);
  m.noise.thermal_lsb = thermal_noise_mv(readout_node_cap_ff(t, m)) / lsb;
  m.noise.comparator_lsb = t[Tech::ComparatorNoise] / lsb;
  m.noise.offset_lsb = t[Tech::ComparatorOffset] / lsb;
  // A charge-domain cell's count is its capacitor's charge (mismatch ~ 1/sqrt(C), Pelgrom's
  // area law); a discharging cell's is its current x pulse (the devices' mismatch).
  m.noise.cell_sigma = m.cell_cap_ff > 0 ? t[Tech::CapMismatch] / std::sqrt(m.cell_cap_ff) : t[Tech::CellSigma];
}

std::vector<double> lsb_per_level_mv(const TechTable& t, const MacroParams& macro) {
  const Hierarchy h(macro);
  const ActionPrices p = derive_prices(t, macro, 1);
  const double v = macro.supply_v > 0 ? macro.supply_v : t[Tech::Vdd];
  const bool charge_domain = macro.cell_cap_ff > 0;
  // fC per count: a compute capacitor charged to V, or a leaf's full swing over its cells.
  const double dq = charge_domain ? macro.cell_cap_ff * v
                                  : p.segment_cap_ff[0] * macro.bitline_swing * v / double(h.fanin(0));
  std::vector<double> lsb;
  for (double c_node : merged_node_caps_ff(t, macro)) lsb.push_back(dq / c_node * 1e3);  // fC / fF = V
  return lsb;
}

}  // namespace cimsim
