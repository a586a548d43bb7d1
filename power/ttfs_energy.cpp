#include "power/ttfs_energy.hpp"

#include <cmath>

namespace cimsim {

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

EnergyBreakdown price_ttfs(const TtfsCounters& c, const TtfsCircuit& k, int64_t neurons, double period_ns) {
  // Normalised potentials are in units of V_th: a charge integral q is C_mem V_th q coulombs.
  const double cv_fc = k.c_mem_ff * k.v_th_v;  // fC per unit of normalised charge
  EnergyBreakdown e;
  // Excitatory synapses draw their charge from the supply; inhibitory ones sink it to ground.
  e.items.emplace_back("ttfs_synapse", cv_fc * c.q_exc * k.vdd_v * 1e-3);
  // A spike drives the gates of the synapses it feeds: C V^2 each.
  e.items.emplace_back("ttfs_spike", c.fanout_switches * k.spike_line_cap_ff * k.vdd_v * k.vdd_v * 1e-3);
  // Reset restores membranes left below rest from the resting supply.
  e.items.emplace_back("ttfs_reset", cv_fc * c.below_rest * k.v_rest_v * 1e-3);
  e.items.emplace_back("ttfs_comparator", double(c.neurons_windows) * k.comparator_fj * 1e-3);
  // The firing ramp lifts each membrane until it fires (or to the window's end) from the supply.
  e.items.emplace_back("ttfs_ramp", cv_fc * c.ramp_charge * k.vdd_v * 1e-3);
  e.items.emplace_back("leakage", double(neurons) * k.leak_nw_per_neuron * double(c.cycles) * period_ns * 1e-6);
  return e;
}

}  // namespace cimsim
