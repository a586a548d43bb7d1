#include "power/ttfs_energy.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cimsim {

// Defaults: the published SKY130 RC-Spike circuit (configs/arch/ttfs_sky130.yaml names the
// source of each value; the energy values are estimates there).
void TtfsCircuit::declare(ParamVisitor& v) {
  v.choice("e_rev", e_rev, "model", {"model", "resistive", "transistor", "ideal"},
           {"", "reversal potentials: the model's own (exported attributes), from the supply rails (resistive), "
                "from channel-length modulation (transistor), or ideal integrators"});
  v.real("vdd_v", vdd_v, 1.8, 0.1, 10.0, {"V", "supply of the synapses and the firing ramp"});
  v.real("v_rest_v", v_rest_v, 1.3, 0.0, 10.0, {"V", "resting potential of the membranes"});
  v.real("v_th_v", v_th_v, 0.872, 0.001, 10.0, {"V", "threshold above rest"});
  v.real("lambda_n", lambda_n, 0.41, 1e-6, 100.0, {"1/V", "NMOS channel-length modulation (transistor synapses: E+ = 1 / (V_th lambda_n))"});
  v.real("lambda_p", lambda_p, 0.75, 1e-6, 100.0, {"1/V", "PMOS channel-length modulation (transistor synapses: E- = -1 / (V_th lambda_p))"});
  v.real("c_mem_ff", c_mem_ff, 140.0, 0.01, 1e6, {"fF", "membrane capacitance per neuron", Affects::Price});
  v.real("spike_line_cap_ff", spike_line_cap_ff, 1.2, 0.0, 1e4,
         {"fF", "gate and wire capacitance a spike drives per synapse it feeds", Affects::Price});
  v.real("comparator_fj", comparator_fj, 20.0, 0.0, 1e6, {"fJ", "comparator energy per neuron per firing window", Affects::Price});
  v.real("leak_nw_per_neuron", leak_nw_per_neuron, 0.5, 0.0, 1e6, {"nW", "leakage per neuron", Affects::Price});
}

bool circuit_e_rev(const TtfsCircuit& c, double& e_pos, double& e_neg) {
  if (c.e_rev == "resistive") {  // RC-Spike: the synapse resistors run from the rails
    e_pos = (c.vdd_v - c.v_rest_v) / c.v_th_v;
    e_neg = (0.0 - c.v_rest_v) / c.v_th_v;
  } else if (c.e_rev == "transistor") {  // channel-length modulation of the synapse transistors
    e_pos = 1.0 / (c.v_th_v * c.lambda_n);
    e_neg = -1.0 / (c.v_th_v * c.lambda_p);
  } else if (c.e_rev == "ideal") {
    e_pos = INFINITY;
    e_neg = -INFINITY;
  } else {
    return false;
  }
  return true;
}

Counts ttfs_counts(const TtfsCounters& c, int64_t neurons) {
  return {{"exc_charge", c.q_exc},
          {"synapse_gate_switch", c.fanout_switches},
          {"reset_charge", c.below_rest},
          {"comparator_window", double(c.neurons_windows)},
          {"ramp_charge", c.ramp_charge},
          {"neuron_cycle", double(neurons) * double(c.cycles)}};
}

PriceTable ttfs_prices(const TtfsCircuit& k, double period_ns) {
  // Normalised potentials are in units of V_th: a charge integral q is C_mem V_th q coulombs.
  const double cv_fc = k.c_mem_ff * k.v_th_v;  // fC per unit of normalised charge
  return {
      // Excitatory synapses draw their charge from the supply; inhibitory ones sink it to ground.
      {"exc_charge", "ttfs_synapse", cv_fc * k.vdd_v * 1e-3,
       fmt::format("C_mem V_th x Vdd = {} fF x {} V x {} V per unit of excitatory charge", k.c_mem_ff, k.v_th_v, k.vdd_v)},
      // A spike drives the gates of the synapses it feeds: C V^2 each.
      {"synapse_gate_switch", "ttfs_spike", k.spike_line_cap_ff * k.vdd_v * k.vdd_v * 1e-3,
       fmt::format("spike_line_cap {} fF x Vdd^2 ({} V) per synapse gate a spike drives", k.spike_line_cap_ff, k.vdd_v)},
      // Reset restores membranes left below rest from the resting supply.
      {"reset_charge", "ttfs_reset", cv_fc * k.v_rest_v * 1e-3,
       fmt::format("C_mem V_th x V_rest = {} fF x {} V x {} V per unit of charge below rest", k.c_mem_ff, k.v_th_v, k.v_rest_v)},
      {"comparator_window", "ttfs_comparator", k.comparator_fj * 1e-3,
       fmt::format("comparator_fj {} fJ per neuron per firing window", k.comparator_fj)},
      // The firing ramp lifts each membrane until it fires (or to the window's end) from the supply.
      {"ramp_charge", "ttfs_ramp", cv_fc * k.vdd_v * 1e-3,
       fmt::format("C_mem V_th x Vdd = {} fF x {} V x {} V per unit of ramp charge", k.c_mem_ff, k.v_th_v, k.vdd_v)},
      // nW x ns = 1e-6 pJ.
      {"neuron_cycle", "leakage", k.leak_nw_per_neuron * period_ns * 1e-6,
       fmt::format("leak {} nW per neuron x {} ns per cycle", k.leak_nw_per_neuron, period_ns)}};
}

}  // namespace cimsim
