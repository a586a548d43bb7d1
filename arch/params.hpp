// Resolved hardware parameters. Loaded and validated once (sim/config), then passed by const
// reference into the modules' constructors.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cimsim {

struct PhaseCycles {
  int64_t precharge = 1;        // bit-line precharge
  int64_t evaluate = 1;         // AND evaluation onto the local bit lines
  int64_t merge_per_level = 1;  // charge sharing up one hierarchy level
  int64_t writeout = 1;         // result into the output register
  int64_t wakeup = 2;           // a gated domain's supply and precharge path coming back
  int64_t write_row = 1;        // writing one row of weights
};

struct MacroParams {
  int64_t rows = 256;
  int64_t cols = 256;
  std::vector<int64_t> hierarchy = {16, 4, 4};  // leaf to root; product == rows
  int64_t gating_level = 0;                     // hierarchy level of a gating domain (0 = leaf)
  int64_t gate_cols = 8;                        // adjacent columns per gating domain
  PhaseCycles cycles;
  // Circuit choices that change the energy of an evaluation (docs/tech.md):
  double supply_v = 0.0;       // operating supply; 0 = the technology's nominal vdd
  double bitline_swing = 1.0;  // fraction of the supply a precharged bit-line segment swings
  double cell_cap_ff = 0.0;    // compute capacitor per cell, charged when its product is 1

  int64_t domain_rows() const {
    int64_t s = 1;
    for (int64_t l = 0; l <= gating_level; ++l) s *= hierarchy[std::size_t(l)];
    return s;
  }
};

struct ReadoutParams {
  std::string kind = "adc";      // adc | digital
  int64_t bits = 0;              // adc: resolution; 0 = enough for the macro's rows (lossless)
  int64_t levels = 0;            // adc: output levels (e.g. 11 for an 11-level flash); 0 = 2^bits
  int64_t share = 8;             // adc: columns sharing one converter (serialised)
  int64_t conversion_cycles = 1; // adc: cycles per conversion
  int64_t adder_cycles = 2;      // digital: pipeline latency of the popcount adder tree
  bool analog_accumulate = false; // adc: input planes as pulse trains and weight slices charge-shared, one conversion
};

struct BufferParams {
  int64_t kib = 64;          // capacity
  int64_t width_bits = 256;  // bits per cycle
};

struct ChipParams {
  double clock_mhz = 500.0;
  MacroParams macro;
  ReadoutParams readout;
  int64_t macros_1x1 = 1, macros_3x3 = 1;
  BufferParams input_buffer, output_buffer;
  int64_t digital_lanes = 64;   // elements per cycle of the digital periphery's vector unit
  int64_t digital_width = 16;   // bits of a digital periphery operand
  bool reorder_channels = false;
  bool input_stationary = false;  // activations in the cells, weights applied on the rows
  std::map<std::string, std::string> force_kind;  // layer name -> cim1x1 | cim3x3

  int64_t period_ps() const { return int64_t(1e6 / clock_mhz + 0.5); }
};

}  // namespace cimsim
