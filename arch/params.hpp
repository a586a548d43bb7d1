// Resolved hardware parameters. Each struct declares its parameters once (`declare`): key,
// default, range, unit and meaning (arch/param.hpp). A default-constructed struct holds the
// declared defaults; sim/config reads a config through the same declarations, and components
// take the result by const reference in their constructors.
#pragma once
#include <any>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/analog_noise.hpp"
#include "arch/param.hpp"

namespace cimsim {

struct PhaseCycles {
  int64_t precharge = 1, evaluate = 1, merge_per_level = 1, writeout = 1, wakeup = 2, write_row = 1;
  void declare(ParamVisitor& v);
};

struct MacroParams {
  int64_t rows, cols;
  std::vector<int64_t> hierarchy;  // leaf to root; product == rows
  int64_t gating_level;            // hierarchy level of a gating domain (0 = leaf)
  int64_t gate_cols;               // adjacent columns per gating domain
  // Phase timing: "circuit" (precharge, evaluate and each level's merge from the line's RC,
  // set by the config reader from the technology table: power/tech apply_circuit_timing) or
  // "cycles" (the fixed cycles below). Until a technology is applied, the fixed cycles hold.
  std::string timing;
  PhaseCycles cycles;
  std::vector<int64_t> merge_cycles;  // per level 1..readout_at() (circuit timing); empty: merge_per_level each
  int64_t merge(int level) const {    // cycles to merge level - 1 into `level`
    return int(merge_cycles.size()) >= level ? merge_cycles[std::size_t(level - 1)] : cycles.merge_per_level;
  }
  // Merges of one operation: from the leaf up to the read-out level (nothing above it is built).
  int64_t merge_total() const {
    int64_t s = 0;
    for (int l = 1; l <= readout_at(); ++l) s += merge(l);
    return s;
  }
  // The hierarchy level whose nodes hold the column read-outs (arch.readout.level, copied here by
  // ChipParams; -1 = the root). Segments above it are not built: each of its nodes is a line of
  // its own, read out and summed digitally with its siblings.
  int64_t readout_level = -1;
  // Read-out non-idealities (arch.analog; the sigmas set from the technology by power/tech
  // apply_noise). Off: the exact path.
  NoiseParams noise;
  int readout_at() const { return readout_level < 0 ? int(hierarchy.size()) - 1 : int(readout_level); }
  int64_t readout_rows() const {  // rows beneath one read-out
    int64_t s = 1;
    for (int l = 0; l <= readout_at(); ++l) s *= hierarchy[std::size_t(l)];
    return s;
  }
  // Circuit choices that change the energy of an evaluation (docs/tech.md):
  double supply_v = 0.0;  // operating supply (declared as arch.supply_v); 0 = the technology's vdd
  double bitline_swing;   // fraction of the supply a precharged bit-line segment swings
  double cell_cap_ff;     // compute capacitor per cell, charged when its product is 1
  // How a cell drives its line (docs/tech.md): "and" (a product of 1 discharges it), "divider" (a
  // driven row's cell pulls the line up when it stores 1 and down when it stores 0: a resistive
  // divider, as a 6T cell whose storage nodes reach the line), "xnor" (every row of an active
  // domain drives, up on a match of input and stored bit, down on a mismatch).
  std::string cell;
  bool divider() const { return cell != "and"; }

  MacroParams() { DefaultsVisitor d; declare(d); }
  void declare(ParamVisitor& v);
  int64_t domain_rows() const {
    int64_t s = 1;
    for (int64_t l = 0; l <= gating_level; ++l) s *= hierarchy[std::size_t(l)];
    return s;
  }
};

struct ReadoutParams {
  // sar | flash | sense (converters priced from their circuit: docs/tech.md) | adc (a converter
  // priced by a measured figure of merit per level) | digital (popcount adder tree)
  std::string kind;
  bool converter() const { return kind != "digital"; }
  int64_t bits;               // adc: resolution; 0 = enough for the macro's rows (lossless)
  int64_t levels;             // adc: output levels (e.g. 11 for an 11-level flash); 0 = 2^bits
  int64_t share;              // adc: columns sharing one converter (serialised)
  int64_t conversion_cycles;  // adc: cycles per conversion
  int64_t adder_cycles;       // digital: pipeline latency of the popcount adder tree
  bool analog_accumulate;     // adc: input planes as pulse trains and weight slices charge-shared, one conversion
  int64_t level;              // hierarchy level of the read-outs (0 = leaf segments); -1 = the root
  int64_t range;              // adc: clip level in counts (0 = full: the rows beneath a read-out)
  double range_percentile;    // adc: derive `range` as this percentile of the counts read (0 = off)
  int64_t range_samples;      // samples of the run that calibrate a derived range
  bool collect_counts = false;  // not a key: the macros keep a histogram of the counts they read

  ReadoutParams() { DefaultsVisitor d; declare(d, 1 << 16); }
  void declare(ParamVisitor& v, int64_t cols);
};

// Off-chip memory (arch.memory): where the network's inputs come from, its outputs go and
// weight tiles are fetched before they are written (docs/memory.md). Energy per bit and
// bandwidth from the kind's published figures unless given.
struct MemoryParams {
  std::string kind = "none";  // none | lpddr4 | hbm2 | gddr5 | ddr3
  double pj_per_bit = 0;   // as configured; 0 = the kind's
  double gb_per_s = 0;     // as configured; 0 = the kind's
  bool on() const { return kind != "none"; }
  double energy_pj_per_bit() const;  // the price of one bit moved
  double bandwidth_gb_per_s() const;
  std::string source() const;        // where the kind's figures come from
  // Bits the interface moves per clock cycle at `clock_mhz`: GB/s x 8000 / MHz, rounded down (at least 1).
  int64_t bits_per_cycle(double clock_mhz) const;
};

struct BufferParams {
  int64_t kib;         // capacity (0: not checked, for the weight path)
  int64_t width_bits;  // bits per cycle through its port
};

struct ChipParams {
  double clock_mhz;
  MacroParams macro;  // the analog macros' geometry (cim1x1, cim3x3)
  ReadoutParams readout;
  // Macros of each registered kind (arch/macro_kinds), and the parameters of the kinds that
  // declare their own (e.g. dcim under arch.dcim), held as the kind's own params struct.
  std::map<std::string, int64_t> macros;
  std::map<std::string, std::any> kind_params;
  BufferParams input_buffer, output_buffer, weight_buffer;
  MemoryParams memory;
  int64_t digital_lanes;  // elements per cycle of the digital periphery's vector unit
  int64_t digital_width;  // bits of a real-valued operand in the periphery and the buffers
  int64_t mac_lanes;      // multiply-accumulates per cycle of the digital MAC unit
  bool overlap;           // arch.schedule: overlap (steps run as soon as data and macros allow) | sequential
  // Mapping choices (mapping.*).
  bool reorder_channels;
  bool input_stationary;  // activations in the cells, weights applied on the rows
  std::vector<std::pair<std::string, std::string>> force_kind;  // layer name -> macro kind
  // Not a key: the controller keeps the binary outputs of each binarized macro layer for the
  // first `record_samples` samples (LayerRun::out_bits), to compare two runs.
  int64_t record_samples = 0;
  // Not a key: a later sample chunk of the same run (sim/driver). Resident weights are already in
  // the cells: each is stored when its tile first runs, without a write counted or timed.
  bool weights_loaded = false;

  ChipParams();
  // The `arch` section's keys (without arch.tech and arch.ttfs) and the `mapping` section's.
  void declare_arch(ParamVisitor& v);
  void declare_mapping(ParamVisitor& v);

  int64_t count(const std::string& kind) const {
    auto it = macros.find(kind);
    return it == macros.end() ? 0 : it->second;
  }
  int64_t total_macros() const {
    int64_t n = 0;
    for (const auto& [k, c] : macros) n += c;
    return n;
  }
  // The layer's forced kind, or "" when none.
  std::string forced(const std::string& layer) const {
    for (const auto& [l, k] : force_kind)
      if (l == layer) return k;
    return "";
  }
  int64_t period_ps() const { return int64_t(1e6 / clock_mhz + 0.5); }
};

}  // namespace cimsim
