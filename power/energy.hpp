// The energy ledger: counted actions times energy per action, plus leakage from residency.
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
};

// `cycles`: elapsed cycles the counters cover; the cell arrays of all `macros` leak throughout.
EnergyBreakdown price(const MacroCounters& c, uint64_t cycles, int64_t macros, const ActionPrices& p, double period_ns);

}  // namespace cimsim
