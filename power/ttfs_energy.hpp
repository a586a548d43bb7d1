// Energy of TTFS charge-domain arrays from counted actions and circuit values.
#pragma once
#include "arch/ttfs_array.hpp"
#include "power/energy.hpp"

namespace cimsim {

// Circuit values of a TTFS array (arch.ttfs; the presets name their sources).
struct TtfsCircuit {
  std::string e_rev = "model";  // model | resistive | transistor | ideal
  double vdd_v = 1.8, v_rest_v = 1.3, v_th_v = 0.872;  // supply, resting potential, threshold above rest
  double lambda_n = 0.41, lambda_p = 0.75;             // channel-length modulation (transistor synapses), 1/V
  double c_mem_ff = 140;
  double spike_line_cap_ff = 1.2;   // per synapse gate a spike drives (gate + wire)
  double comparator_fj = 20;        // per neuron per firing window
  double leak_nw_per_neuron = 0.5;
};

// E+ and E- (units of the threshold) the circuit gives; false when the model's attributes rule.
bool circuit_e_rev(const TtfsCircuit& c, double& e_pos, double& e_neg);

EnergyBreakdown price_ttfs(const TtfsCounters& c, const TtfsCircuit& k, int64_t neurons, double period_ns);

}  // namespace cimsim
