// Sweep results: one row per point, the Pareto front over (energy, cycles, area), and the CSV and
// HTML writers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace cimsim {

struct SweepRow {
  int64_t id = 0;
  std::string status;               // ok | failed | missing
  std::vector<std::string> values;  // axis values, column order
  uint64_t cycles = 0;
  double time_ns = 0, energy_pj = 0, tops_per_w = 0, gated_fraction_ops = 0, gated_fraction_time = 0, area_um2 = 0;
  bool outputs_match = false;
  bool pareto = false;
  std::string report;  // the point's folder, relative to the sweep folder
  std::string error;
};

// Marks the ok rows that no other ok row matches or beats in energy, cycles and area at once.
void mark_pareto(std::vector<SweepRow>& rows);

std::string sweep_csv(const std::vector<std::string>& columns, const std::vector<SweepRow>& rows);

// A self-contained page: summary, energy-cycles and energy-area scatter plots (SVG) with the
// Pareto front highlighted, and the table of Pareto points.
std::string sweep_html(const std::string& title, const std::vector<std::string>& columns,
                       const std::vector<SweepRow>& rows);

}  // namespace cimsim
