// Technology data: primitive device and circuit parameters (each with its source, loaded from
// configs/tech/*.yaml) and the per-action energies derived from them for a given macro geometry.
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "arch/params.hpp"

namespace cimsim {

enum class Tech : std::size_t {
  Vdd,
  WireCap,
  CellHeight,
  CellWidth,
  AccessWidth,
  AndWidth,
  SwitchWidth,
  PrechargeWidth,
  DrainCap,
  GateCap,
  SenseCap,
  AdcFom,
  ReadoutOverhead,
  DigitalAddBit,
  BufferBit,
  CellLeak,
  PeriphLeak,
  GatedLeakRatio,
  OnCurrentN,
  OnCurrentP,
  ResistanceFactor,
  ComparatorNoise,
  ComparatorOffset,
  CellSigma,
  CapMismatch,
  OffCurrentN,
  ComparatorWidth,
  DacUnitCap,
  GateArea,
  SarAdcArea,
  BufferArrayEfficiency,
  Count_
};
inline constexpr std::size_t kTechKeys = std::size_t(Tech::Count_);

struct TechKeyInfo {
  Tech key;
  const char* name;  // key in the tech file
  const char* unit;
  double min, max;   // accepted range
  const char* meaning;
  bool optional = false;  // may be absent from a table: then 0
};
const std::array<TechKeyInfo, kTechKeys>& tech_keys();

struct TechTable {
  std::string name;  // e.g. "65nm"
  std::array<double, kTechKeys> value{};
  std::array<std::string, kTechKeys> source{};
  double operator[](Tech t) const { return value[std::size_t(t)]; }
};

// The circuit of one conversion of a read-out kind (sar, flash, sense; adc: the figure of merit),
// each term in pJ at supply `v`, with what it counts (docs/tech.md).
struct ReadoutCircuit {
  double comparator = 0, dac = 0, logic = 0, reference = 0;
  double decisions = 0;         // comparator decisions per conversion
  double decision_fj = 0;       // one decision, fJ
  double comparator_cap_ff = 0; // switched per decision
  double input_cap_ff = 0;      // one comparator's input (its reference tap's load)
  double dac_units = 0;         // capacitive-DAC switching, in C_unit V^2
  double total() const { return comparator + dac + logic + reference; }
};
// Energies per counted action, in pJ, and leakage powers in nW.
struct ActionPrices {
  std::vector<double> precharge;  // per hierarchy level, one segment of one column
  double merge = 0, input_line_cell = 0, and_eval = 0, adc_conversion = 0, adc_overhead = 0, adder_tree_bit = 0,
         cell_write = 0, gate_event = 0, wake_event = 0, digital_add_bit = 0, buffer_bit = 0;
  // One conversion's circuit (adc_conversion is its total): comparator decisions (or the
  // figure-of-merit price of an `adc`), capacitive-DAC switching, SAR or encoder logic, and
  // reference generation (readout_circuit()).
  ReadoutCircuit readout;
  double input_pulse = 0;  // one pulse of a row's pulse-count input generator (analog accumulation)
  // Divider cells: the power one unit of k (n - k) / n driven cells draws through the line, in
  // pJ per ns (mW), at the operating supply (macro_prices multiplies by the evaluate time).
  double divider_unit_mw = 0;
  double leak_array_nw = 0;        // whole cell array, always (retention)
  double leak_domain_on_nw = 0;    // one domain's periphery, on
  double leak_domain_gated_nw = 0; // one domain's periphery, gated
  std::vector<double> segment_cap_ff;  // per level, for reports and tests
};

// `readout_levels`: output levels of one conversion (0 = 2^readout_bits). Energies are for the
// macro's operating supply (macro.supply_v, or the table's vdd): derived C V^2 energies use it
// directly; energies tabulated at the nominal vdd (ADC FoM, digital add, buffer bit) scale by
// (V / vdd)^2, leakage powers by V / vdd (docs/tech.md).
ActionPrices derive_prices(const TechTable& tech, const MacroParams& macro, int64_t readout_bits,
                           int64_t readout_levels = 0, const std::string& readout_kind = "adc");

ReadoutCircuit readout_circuit(const TechTable& tech, const std::string& kind, int64_t bits, int64_t levels, double v);

// Average switching energy of an N-bit binary-weighted capacitive DAC under the conventional
// (charge-redistribution) procedure, in units of C_unit V_ref^2: sum over i = 1..N of
// 2^(N + 1 - 2i) (2^i - 1) (1363.3 for N = 10).
double sar_dac_switching_units(int64_t bits);

// A divider cell's path: two stacked devices of and_width, kOhm (factor x vdd / (I_on x W) each).
double divider_cell_kohm(const TechTable& tech);

// The signal one count (one product of 1) puts on a column's read-out node at each hierarchy
// level from the leaf up to the read-out level (macro.readout_at()), in mV, when the segments beneath it are merged (docs/tech.md): a charge dQ shared over
// C_node(l) = C_seg(l) + fanin(l) x C_node(l - 1) (+ the cells' compute capacitors). dQ is one
// cell's compute capacitor x V (charge-domain cells, macro.cell_cap_ff > 0), or, for cells
// that discharge the line, C_seg(0) x swing x V / fanin(0): the evaluate pulse is sized so that a
// full leaf segment swings it by `bitline_swing` of the supply.
std::vector<double> lsb_per_level_mv(const TechTable& tech, const MacroParams& macro);

// Phase durations of an analog macro operation from the line's RC (docs/tech.md), in ns, at the
// table's nominal supply: each segment's precharge through its PMOS driver, the cells'
// discharge of a leaf (the pulse that swings a full leaf by `bitline_swing`), and each level's
// merge (charge sharing through the child switches), every one settling to half an LSB at the
// read-out (`n_tau` time constants; at the root, or at arch.readout.level). Switch resistance: factor x vdd / (I_on x width).
struct PhaseTimes {
  double n_tau = 0;                 // time constants to settle within half an LSB at the read-out
  double r_precharge_kohm = 0, r_switch_kohm = 0;
  std::vector<double> precharge_ns;  // per level (segments precharge in parallel)
  double evaluate_ns = 0;
  std::vector<double> merge_ns;      // per level 1..read-out level: merging level l-1 into level l
};
PhaseTimes derive_phase_times(const TechTable& tech, const MacroParams& macro);

// C_node(l) of each level from the leaf up to the read-out level, in fF: the segment with
// everything beneath it merged, C_seg(l) + fanin(l) x C_node(l - 1) (+ the leaf cells' compute
// capacitors). The signal per count and the merge times divide by it.
std::vector<double> merged_node_caps_ff(const TechTable& tech, const MacroParams& macro);
// The capacitance of a column's read-out node with the segments beneath it merged, in fF.
double readout_node_cap_ff(const TechTable& tech, const MacroParams& macro);

// kT/C noise of a node of `cap_ff`, in mV rms, at 300 K.
double thermal_noise_mv(double cap_ff);

// `macro.noise` (already holding on/seed from arch.analog) with its sigmas in counts of the
// read-out node's signal, from the technology table (docs/analog.md).
// `readout`: the read-out kind (its conversion time sets how long a shared converter's last
// column waits); `period_ns`: the clock period.
void apply_noise(const TechTable& tech, const ReadoutParams& readout, MacroParams& macro, double period_ns);

// `macro` with its precharge, evaluate and per-level merge cycles set from derive_phase_times,
// each rounded up to whole cycles of `period_ns` (at least one).
void apply_circuit_timing(const TechTable& tech, MacroParams& macro, double period_ns);

}  // namespace cimsim
