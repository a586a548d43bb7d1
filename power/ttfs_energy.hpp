// Energy of TTFS charge-domain arrays from counted actions and circuit values.
#pragma once
#include "arch/param.hpp"
#include "arch/ttfs_array.hpp"
#include "power/energy.hpp"

namespace cimsim {

// A TTFS layer's actions by name (normalised charges in units of C_mem V_th; events; neuron-cycles).
Counts ttfs_counts(const TtfsCounters& c, int64_t neurons);
// Their prices from the circuit values, each with its formula.
PriceTable ttfs_prices(const TtfsCircuit& k, double period_ns);

}  // namespace cimsim
