// Area from the layout's parts (docs/area.md): per macro kind its bit cells, bit-line periphery,
// gating, read-outs, digital adders, word-line drivers and input pulse generators; for the chip
// its macros, buffers, vector unit and MAC unit. Every part's size comes from the technology
// table (configs/tech/*.yaml: cell pitch, device widths, a NAND2's area, an 8-bit SAR's area).
// Not a layout: no routing between blocks and no controller are counted.
#pragma once
#include <string>
#include <vector>

#include "arch/params.hpp"
#include "arch/ttfs_array.hpp"
#include "power/tech.hpp"

namespace cimsim {

// Area estimate of what a bit-line hierarchy and its power gating add to the cell array: segment
// precharge drivers, merge switches, and per gating domain a header switch and two control-line
// drivers. Part of an analog macro's area (below); a sweep ranks hierarchy patterns by it.
struct HierarchyArea {
  double precharge_um2 = 0, switches_um2 = 0, gating_um2 = 0, wires_um2 = 0;
  double total_um2() const { return precharge_um2 + switches_um2 + gating_um2 + wires_um2; }
  int64_t segments = 0, switches = 0, domains = 0;
};

HierarchyArea hierarchy_area(const TechTable& tech, const MacroParams& macro);

// Digital cells in NAND2 equivalents (ZigZag-IMC's ratios at 28 nm: an XOR2 is 2.4 NAND2, a
// flip-flop 6, a full adder 3 NAND2 + 2 XOR2).
inline constexpr double kXor2Gates = 2.4, kFlipFlopGates = 6.0, kFullAdderGates = 3.0 + 2.0 * kXor2Gates;

// One kind of part: `count` of them, `each_um2` apiece.
struct AreaPart {
  std::string name;
  int64_t count = 0;
  double each_um2 = 0;
  double um2() const { return double(count) * each_um2; }
};

// One block (a macro of a kind, or the chip's periphery), `count` on the chip.
struct BlockArea {
  std::string name;
  int64_t count = 0;
  std::vector<AreaPart> parts;
  double each_um2() const {
    double s = 0;
    for (const auto& p : parts) s += p.um2();
    return s;
  }
  double um2() const { return double(count) * each_um2(); }
};

struct ChipArea {
  std::vector<BlockArea> blocks;  // each macro kind on the chip, then "buffers" and "digital"
  double um2() const {
    double s = 0;
    for (const auto& b : blocks) s += b.um2();
    return s;
  }
  double mm2() const { return um2() * 1e-6; }
};

// Area of one SAR ADC of `bits` (the table's 8-bit area scaled by the survey fit's shape,
// 10^(-0.0369 (B - 8)) x 2^(B - 8)).
double sar_adc_um2(const TechTable& tech, int64_t bits);
// One StrongARM comparator with its output latch (the flash's and the sense amplifier's unit).
double comparator_um2(const TechTable& tech);
// One read-out circuit of `kind` (sar, adc, flash, sense, digital) for `rows` rows beneath it.
double readout_um2(const TechTable& tech, const std::string& kind, int64_t bits, int64_t levels, int64_t rows);

// An analog macro (cim1x1 / cim3x3): `readout_bits` / `readout_levels` as built (the run's).
BlockArea analog_macro_area(const TechTable& tech, const ChipParams& chip, int64_t readout_bits, int64_t readout_levels);

// The chip: every macro kind it holds, its buffers and its digital periphery.
ChipArea chip_area(const TechTable& tech, const ChipParams& chip, int64_t readout_bits, int64_t readout_levels);

// A membrane capacitor of `c_ff` as a square MIM plate: c = density s^2 + perimeter 4 s.
double mim_cap_um2(const TtfsCircuit& c, double c_ff);
// One TTFS array (array_rows synapses x array_cols neurons) and the TTFS chip (`arrays` of them).
BlockArea ttfs_array_area(const TtfsParams& p, const TtfsCircuit& c);
ChipArea ttfs_chip_area(const TtfsParams& p, const TtfsCircuit& c);

}  // namespace cimsim
