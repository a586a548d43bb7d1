// The energy ledger: energy = counts x prices. arch/ counts actions by name; this file prices
// them. Every price carries where it comes from, and reports carry both counts and prices, so a
// run can be audited and re-priced (cimsim reprice) without simulating again.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "arch/counters.hpp"
#include "power/tech.hpp"

namespace cimsim {

struct EnergyBreakdown {
  std::vector<std::pair<std::string, double>> items;  // component -> pJ, fixed order
  double total() const;
  double get(const std::string& name) const;
  void add(const std::string& component, double pj);  // appends a component it does not hold yet
};

// The components of a report, in order, for a hierarchy of `levels` bit-line levels.
EnergyBreakdown empty_breakdown(std::size_t levels);

// One priced action: `pj` per unit of `action`, charged to `component`. An action may feed
// several components (a conversion: the converter, and the calibrated read-out overhead).
struct Price {
  std::string action, component;
  double pj = 0;
  std::string source;  // the formula with its numbers, or where the number comes from
};
using PriceTable = std::vector<Price>;
using Counts = std::vector<std::pair<std::string, double>>;  // action -> count, fixed order

// A macro's actions (array, read-out, gating, leakage residency) and the periphery's (digital
// adds, buffer bits), by name, from the counters.
Counts macro_counts(const MacroCounters& c);
Counts periphery_counts(const MacroCounters& c);

// Prices of a macro's actions for its geometry and read-out, and of the periphery's; leakage
// powers become energies per cycle of `period_ns`.
PriceTable macro_prices(const TechTable& t, const MacroParams& geometry, int64_t readout_bits, int64_t readout_levels,
                        double period_ns, const std::string& readout_kind = "adc");
PriceTable periphery_prices(const TechTable& t, double supply_v, const MemoryParams& memory = {});

// Adds counts x prices into e (every priced component appears, at 0 when not counted); an
// action without a price adds nothing.
void charge(EnergyBreakdown& e, const Counts& counts, const PriceTable& table);

}  // namespace cimsim
