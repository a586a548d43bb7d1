// The console summary of a run.
#pragma once
#include <string>

#include "power/report.hpp"

namespace cimsim {

// Energy in pJ as a readable quantity with its unit ("12.3 nJ").
std::string format_energy(double pj);
// Time in ns as a readable quantity ("4.56 us").
std::string format_time(double ns);

std::string summary_table(const Report& r, const std::string& out_dir);

}  // namespace cimsim
