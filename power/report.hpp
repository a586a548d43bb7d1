// The report model and its writers. Writers walk this structure and never reach into modules.
// The JSON contract (schema "cimsim.report/1") is read by later tools: keep its names.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/analog_noise.hpp"
#include "power/energy.hpp"
#include "power/area.hpp"
#include "power/tech.hpp"

namespace cimsim {

struct Stalls {
  uint64_t wakeup = 0, readout_share = 0, buffer = 0, weight_write = 0;
  uint64_t memory = 0;  // waiting for weight tiles from the off-chip memory
};

// Counted actions by price table: energy = sum over groups of counts x the group's prices.
using ActionGroups = std::vector<std::pair<std::string, Counts>>;

// Read errors of the noisy hardware (arch.analog.noise: on): each column read compared with its
// exact count, in counts (LSBs of the read-out).
struct ReadErrors {
  uint64_t reads = 0, reads_wrong = 0;
  double mean_lsb = 0, sigma_lsb = 0;
};

// Mean, sample standard deviation and minimum of per-chip accuracies.
struct AccuracyStats {
  double mean = 0, sigma = 0, min = 0;
};
AccuracyStats accuracy_stats(const std::vector<double>& accuracies);

struct LayerReport {
  std::string name, kind, op_type, macro;
  int row_tiles = 0, col_tiles = 0;
  uint64_t cycles = 0, ops = 0, macs = 0, weight_writes = 0;
  uint64_t start_cycle = 0, end_cycle = 0;  // the step ran in [start, end)
  uint64_t macro_busy_cycles = 0;           // cycles its macros spent on its operations and weight writes, summed
  double energy_pj = 0;
  EnergyBreakdown energy;
  ActionGroups actions;
  double gated_fraction_ops = 0, gated_fraction_time = 0;
  // Of the macros' domain evaluations, the share in domains the mapping uses (that hold part of
  // a tile), and of those the share gated because of the data (inputs, weights, discarded outputs).
  double utilisation = 0, gated_fraction_data = 0;
  Stalls stalls;
  uint64_t gate_events = 0, wake_events = 0;
  // Fraction of the layer's operations in which each gating domain was gated (row node x
  // column group, row-major), over the layer's macros; empty for digital steps.
  int64_t gating_rows = 0, gating_cols = 0;
  std::vector<double> gating_map;
  std::optional<ReadErrors> read_errors;  // in the noisy pass (arch.analog.noise: on)
  // Binarized layers, noisy pass: the share of its binary outputs that differ from the exact
  // pass's, over the first FunctionReport::Noise::flip_samples samples.
  std::optional<double> flipped;
};

struct ArchSummary {
  std::string tech;
  double clock_mhz = 0;
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> hierarchy;
  std::vector<double> lsb_mv;  // one count's signal at each level's node (lsb_per_level_mv)
  std::vector<double> segment_cap_ff;  // per level
  // Phase timing: mode, the cycles used, and (circuit timing) the times they round up.
  std::string timing;
  int64_t precharge_cycles = 0, evaluate_cycles = 0;
  std::vector<int64_t> merge_cycles;
  PhaseTimes phase_times;
  int64_t gating_level = 0, gate_cols = 0, domains = 0;
  std::vector<std::pair<std::string, int64_t>> macros;  // kind -> count, every registered kind
  std::string chip;  // the macros in words (describe_macros)
  std::string schedule;
  bool weights_resident = false;
  bool reorder_channels = false;
  std::string readout;
  int64_t readout_bits = 0, adc_share = 0;
  int64_t readout_level = 0;  // hierarchy level of the read-outs (the root: levels - 1)
  int64_t readout_range = 0;  // the converters' full scale in counts (the rows beneath, or the clip level)
  double range_percentile = 0;  // > 0: readout_range derived at this percentile from range_samples samples
  int64_t range_samples = 0;
  int64_t converters = 0;     // read-out circuits per analog macro (converters, or popcount trees)
};

struct FunctionReport {
  int64_t samples = 0;
  bool outputs_match_reference = false;
  int64_t mismatched_samples = 0;
  double max_abs_error = 0;
  std::optional<double> accuracy, reference_accuracy;
  // TTFS: samples whose earliest reference spike time is shared by several output neurons (the
  // reference's spike times alone cannot rank them; the hardware breaks ties by v(1)).
  std::optional<int64_t> reference_ties;
  bool readout_lossless = true;
  double tolerance = 0;
  // The noisy hardware (arch.analog.noise: on): a second pass of the same chip with the read-out's
  // noise, offsets and mismatch; the fields above check the exact path.
  struct Noise {
    NoiseParams chip;  // the reported instance's seed and sigmas
    bool outputs_match_reference = false;
    int64_t mismatched_samples = 0;
    std::optional<double> accuracy;
    ReadErrors reads;
    // Binary activations of the binarized layers compared with the exact pass: samples compared,
    // and the share flipped over all those layers' outputs.
    int64_t flip_samples = 0;
    double flipped = 0;
    // Monte Carlo over chip instances (arch.analog.chips > 1): per chip, seeds seed, seed + 1, ...
    std::vector<double> chip_accuracy;
    std::vector<int64_t> chip_mismatched;
  };
  std::optional<Noise> noise;
};

struct TtfsLayerSummary {
  std::string name;
  int64_t neurons = 0;
  uint64_t spikes = 0, synaptic_events = 0;
  double spikes_per_neuron = 0;
  std::vector<double> raster;  // first sample's output spike times (1 = no spike)
};

struct TtfsSummary {
  std::string solver;
  int64_t dstd_steps = 0;
  double e_rev_pos = 0, e_rev_neg = 0;  // as simulated (the circuit's, or the model's per layer: first layer)
  bool pipelined = true;
  int64_t arrays_needed = 0;
  uint64_t spikes = 0, synaptic_events = 0;
  double spikes_per_neuron = 0, spikes_per_hidden_neuron = 0;
  std::vector<TtfsLayerSummary> layers;
};

// Off-chip memory traffic of a run (arch.memory), docs/memory.md.
struct MemoryReport {
  std::string kind;
  double pj_per_bit = 0, gb_per_s = 0;
  int64_t bits_per_cycle = 0;
  uint64_t input_read_bits = 0, output_write_bits = 0, weight_fetch_bits = 0, weight_load_bits = 0;
  double traffic_pj = 0;   // inputs, outputs and weight fetches for rewrites
  double one_time_pj = 0;  // resident weights loaded once
  uint64_t busy_cycles = 0, stall_cycles = 0;
};

struct Report {
  std::string workload;
  ArchSummary arch;
  uint64_t cycles = 0, macs = 0;
  double time_ns = 0, energy_pj = 0, tops_per_w = 0;
  double gated_fraction_ops = 0, gated_fraction_time = 0;
  double utilisation = 0, gated_fraction_data = 0;  // as per layer, over the run
  // With channel reordering on: the same run without it, for comparison.
  std::optional<double> gated_fraction_ops_without_reorder, gated_fraction_time_without_reorder;
  EnergyBreakdown energy;
  ActionGroups actions;         // every action of the run
  double unattributed_pj = 0;   // in the total but in no step: macros' leakage while no step held them
  std::vector<std::pair<std::string, PriceTable>> prices;  // the tables the groups name
  Stalls stalls;
  std::vector<LayerReport> layers;
  FunctionReport function;
  std::optional<TtfsSummary> ttfs;  // TTFS networks only
  // The chip's area from its parts (power/area); absent for TTFS arrays, which have no area model.
  std::optional<ChipArea> area;
  std::optional<MemoryReport> memory;  // absent without off-chip memory (arch.memory.kind: none)
  // Throughput over the run (2 ops per MAC over its time) per mm^2 of the chip; 0 without an area.
  double tops_per_mm2 = 0;
};

using Json = nlohmann::ordered_json;

// counts x prices of every group, in the breakdown's component order.
Json groups_json(const ActionGroups& groups);
ActionGroups groups_from_json(const Json& j);
Json prices_json(const std::vector<std::pair<std::string, PriceTable>>& prices);
std::vector<std::pair<std::string, PriceTable>> prices_from_json(const Json& j);

// `e` gives the components' order (zeros, e.g. empty_breakdown(levels)); components it lacks are appended.
EnergyBreakdown price_groups(const ActionGroups& groups, const std::vector<std::pair<std::string, PriceTable>>& prices,
                             EnergyBreakdown e);

// A run folder's report.json; InputError when it is missing or not a cimsim report.
Json read_report(const std::filesystem::path& dir);

// report.json: the contract. Every other writer works from it, so that `cimsim report DIR`
// re-renders a run's files without simulating again.
std::string report_json(const Report& r);
std::string layers_csv(const Json& report);
std::string components_csv(const Json& report);  // energy by component and step, long form
// `heat_layer`: the layer whose gating map is drawn (default: the macro layer with most operations).
std::string report_html(const Json& report, const std::string& heat_layer = "");
// Two runs side by side with their differences, and the config keys in which they differ
// (key, value in A, value in B).
std::string compare_html(const Json& a, const Json& b, const std::string& name_a, const std::string& name_b,
                         const std::vector<std::array<std::string, 3>>& config_diff = {});
std::string compare_table(const Json& a, const Json& b, const std::string& name_a, const std::string& name_b,
                          const std::vector<std::array<std::string, 3>>& config_diff = {});

}  // namespace cimsim
