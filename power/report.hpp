// The report model and its writers. Writers walk this structure and never reach into modules.
// The JSON contract (schema "cimsim.report/1") is read by later tools: keep its names.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "power/energy.hpp"

namespace cimsim {

struct Stalls {
  uint64_t wakeup = 0, readout_share = 0, buffer = 0, weight_write = 0;
};

struct LayerReport {
  std::string name, kind, op_type, macro;
  int row_tiles = 0, col_tiles = 0;
  uint64_t cycles = 0, ops = 0, macs = 0, weight_writes = 0;
  double energy_pj = 0;
  EnergyBreakdown energy;
  double gated_fraction_ops = 0, gated_fraction_time = 0;
  Stalls stalls;
};

struct ArchSummary {
  std::string tech;
  double clock_mhz = 0;
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> hierarchy;
  int64_t gating_level = 0, gate_cols = 0, domains = 0;
  int64_t macros_1x1 = 0, macros_3x3 = 0;
  bool weights_resident = false;
  bool reorder_channels = false;
  std::string readout;
  int64_t readout_bits = 0, adc_share = 0;
};

struct FunctionReport {
  int64_t samples = 0;
  bool outputs_match_reference = false;
  int64_t mismatched_samples = 0;
  double max_abs_error = 0;
  std::optional<double> accuracy, reference_accuracy;
  bool readout_lossless = true;
  double tolerance = 0;
};

struct Report {
  std::string workload;
  ArchSummary arch;
  uint64_t cycles = 0, macs = 0;
  double time_ns = 0, energy_pj = 0, tops_per_w = 0;
  double gated_fraction_ops = 0, gated_fraction_time = 0;
  // With channel reordering on: the same run without it, for comparison.
  std::optional<double> gated_fraction_ops_without_reorder, gated_fraction_time_without_reorder;
  EnergyBreakdown energy;
  Stalls stalls;
  std::vector<LayerReport> layers;
  FunctionReport function;
};

std::string report_json(const Report& r);
std::string layers_csv(const Report& r);

}  // namespace cimsim
