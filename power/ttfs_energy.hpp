// Energy of TTFS charge-domain arrays from counted actions and circuit values.
#pragma once
#include "arch/param.hpp"
#include "arch/ttfs_array.hpp"
#include "power/energy.hpp"

namespace cimsim {

// Circuit values of a TTFS array (arch.ttfs; the presets name their sources).
struct TtfsCircuit {
  std::string e_rev;                  // model | resistive | transistor | ideal
  double vdd_v, v_rest_v, v_th_v;     // supply, resting potential, threshold above rest
  double lambda_n, lambda_p;          // channel-length modulation (transistor synapses), 1/V
  double c_mem_ff;
  double spike_line_cap_ff;           // per synapse gate a spike drives (gate + wire)
  double comparator_fj;               // per neuron per firing window
  double leak_nw_per_neuron;

  TtfsCircuit() { DefaultsVisitor d; declare(d); }
  void declare(ParamVisitor& v);
};

// E+ and E- (units of the threshold) the circuit gives; false when the model's attributes rule.
bool circuit_e_rev(const TtfsCircuit& c, double& e_pos, double& e_neg);

// A TTFS layer's actions by name (normalised charges in units of C_mem V_th; events; neuron-cycles).
Counts ttfs_counts(const TtfsCounters& c, int64_t neurons);
// Their prices from the circuit values, each with its formula.
PriceTable ttfs_prices(const TtfsCircuit& k, double period_ns);

}  // namespace cimsim
