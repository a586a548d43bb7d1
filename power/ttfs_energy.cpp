#include "power/ttfs_energy.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cimsim {

Counts ttfs_counts(const TtfsCounters& c, int64_t neurons) {
  return {{"exc_charge", c.q_exc},
          {"synapse_gate_switch", c.fanout_switches},
          {"input_gate_switch", c.input_fanout_switches},
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
      // The network's input spikes drive the first layer's synapse gates the same way.
      {"input_gate_switch", "ttfs_input_spike", k.spike_line_cap_ff * k.vdd_v * k.vdd_v * 1e-3,
       fmt::format("spike_line_cap {} fF x Vdd^2 ({} V) per first-layer synapse gate an input spike drives", k.spike_line_cap_ff,
                   k.vdd_v)},
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
