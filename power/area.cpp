#include "power/area.hpp"

#include <cmath>

#include "arch/dcim_macro.hpp"
#include "arch/hierarchy.hpp"
#include "arch/macro_kinds.hpp"

namespace cimsim {

namespace {

// A transistor of width W takes about W x 3 pitches of the cell height's feature size along its
// gate (gate plus two contacts): estimated as W x (cell_height / 2.5), i.e. W x 3F with the
// NeuroSim cell height of 7.69 F.
double device_len(const TechTable& t) { return t[Tech::CellHeight] / 2.5; }

double gates_um2(const TechTable& t, double gates) { return gates * t[Tech::GateArea]; }

// Full adders of a binary adder tree over `leaves` one-bit inputs (padded to a power of two):
// 2^(d+1) - d - 2 for 2^d leaves (the count dcim's trees are priced by).
int64_t tree_full_adders(int64_t leaves) {
  int64_t p = 1;
  while (p < leaves) p *= 2;
  return p <= 1 ? 0 : adder_tree_fa(p);
}

int64_t bits_for(int64_t n) {  // bits of a count 0..n
  int64_t b = 0;
  while ((int64_t{1} << b) <= n) ++b;
  return std::max<int64_t>(1, b);
}

// Pulse generators of analog accumulation count a row's input value down: sized for 8-bit
// inputs, the widest plane count a shipped network applies.
constexpr int64_t kPulseCounterBits = 8;

void add(BlockArea& b, const char* name, int64_t count, double each) {
  if (count > 0 && each > 0) b.parts.push_back({name, count, each});
}

// Word-line driver of a row: an inverter (NMOS of precharge width, PMOS twice it) and the row's
// input flip-flop.
double wordline_driver_um2(const TechTable& t) {
  return 3.0 * t[Tech::PrechargeWidth] * device_len(t) + gates_um2(t, kFlipFlopGates);
}

// Shift-add accumulator of `w` bits: a full adder and a flip-flop per bit.
double accumulator_um2(const TechTable& t, int64_t w) { return gates_um2(t, double(w) * (kFullAdderGates + kFlipFlopGates)); }

BlockArea dcim_area(const TechTable& t, const DcimParams& p, int64_t width) {
  BlockArea b;
  b.name = "dcim";
  // A 6T cell with its 1-bit multiply (a NOR, priced as one NAND2: ZigZag-IMC).
  add(b, "bit cells", p.rows * p.cols, t[Tech::CellHeight] * t[Tech::CellWidth] + gates_um2(t, 1.0));
  add(b, "adder trees (full adders)", p.cols * tree_full_adders(p.rows), gates_um2(t, kFullAdderGates));
  add(b, "shift-add accumulators", p.cols, accumulator_um2(t, width));
  add(b, "word-line drivers", p.rows, wordline_driver_um2(t));
  return b;
}

}  // namespace

HierarchyArea hierarchy_area(const TechTable& t, const MacroParams& macro) {
  const Hierarchy h(macro);
  HierarchyArea a;
  const double len = device_len(t);
  // Levels above the read-out level are not built.
  const int L = macro.readout_at() + 1;
  for (int l = 0; l < L; ++l) {
    const int64_t segs = h.nodes(l) * macro.cols;
    a.segments += segs;
    a.precharge_um2 += double(segs) * t[Tech::PrechargeWidth] * len;
    if (l + 1 < L) {
      a.switches += segs;
      a.switches_um2 += double(segs) * t[Tech::SwitchWidth] * len;
    }
    // Every level above the leaf runs its own line over the rows it spans: one extra metal track
    // per column, of the cell width's share (a track is taken as 1/4 of the cell width).
    if (l > 0) a.wires_um2 += double(segs) * double(h.span(l)) * t[Tech::CellHeight] * t[Tech::CellWidth] / 4.0;
  }
  // Per domain: a header switch sized at 1/8 of the AND width it supplies, and two control-line
  // drivers (C1, C2) of precharge-driver width.
  a.domains = h.domains();
  const double cells = double(h.domain_rows() * h.gate_cols());
  a.gating_um2 = double(a.domains) * (cells * t[Tech::AndWidth] / 8.0 + 2.0 * t[Tech::PrechargeWidth]) * len;
  return a;
}

double sar_adc_um2(const TechTable& t, int64_t bits) {
  const double d = double(bits - 8);
  return t[Tech::SarAdcArea] * std::pow(10.0, -0.0369 * d) * std::ldexp(1.0, int(d));
}

double comparator_um2(const TechTable& t) {
  // StrongARM latch (the devices readout_circuit prices): input pair 2 x W, latch NMOS and PMOS
  // pairs of W/2 each, tail 2W, four reset switches W/4: 7 W of device width; and an SR output
  // latch of two NAND2.
  return 7.0 * t[Tech::ComparatorWidth] * device_len(t) + gates_um2(t, 2.0);
}

double readout_um2(const TechTable& t, const std::string& kind, int64_t bits, int64_t levels, int64_t rows) {
  if (kind == "sar" || kind == "adc") return sar_adc_um2(t, bits);
  if (kind == "sense") return comparator_um2(t);
  if (kind == "flash") {  // levels - 1 comparators, each with a NAND2 of the thermometer encoder
    const int64_t n = levels > 0 ? levels : int64_t{1} << bits;
    return double(n - 1) * (comparator_um2(t) + gates_um2(t, 1.0));
  }
  // digital: a popcount adder tree over the rows beneath, and its output register.
  return gates_um2(t, double(tree_full_adders(rows)) * kFullAdderGates + double(bits_for(rows)) * kFlipFlopGates);
}

BlockArea analog_macro_area(const TechTable& t, const ChipParams& chip, int64_t bits, int64_t levels) {
  const MacroParams& m = chip.macro;
  const Hierarchy h(m);
  const double len = device_len(t);
  BlockArea b;
  b.name = "analog";
  // The cell: its 6T pitch plus the devices that reach the line: a 2T AND ("and"), two such paths
  // for a match and a mismatch ("xnor"), none for a divider (the 6T storage nodes drive it).
  // Charge-domain compute capacitors are metal above the cell and take no footprint.
  const double extra = m.cell == "and" ? 2.0 : m.cell == "xnor" ? 4.0 : 0.0;
  add(b, "bit cells", m.rows * m.cols, t[Tech::CellHeight] * t[Tech::CellWidth] + extra * t[Tech::AndWidth] * len);
  const HierarchyArea ha = hierarchy_area(t, m);
  add(b, "precharge drivers", ha.segments, t[Tech::PrechargeWidth] * len);
  add(b, "merge switches", ha.switches, t[Tech::SwitchWidth] * len);
  add(b, "hierarchy wires", 1, ha.wires_um2);
  add(b, "gating headers and C1/C2 drivers", ha.domains, ha.domains ? ha.gating_um2 / double(ha.domains) : 0.0);
  const int64_t share = chip.readout.converter() ? chip.readout.share : 1;
  const int64_t groups = (m.cols + share - 1) / share;  // column groups, one read-out chain each
  const int64_t nodes = h.nodes(m.readout_at());         // read-out nodes per column
  add(b, "read-outs", nodes * groups, readout_um2(t, chip.readout.kind, bits, levels, m.readout_rows()));
  // Partial counts of a column's nodes added digitally (read-outs below the root): nodes - 1
  // adders of the count's width plus the carries the sum grows.
  if (nodes > 1) add(b, "partial-sum adders (full adders)", groups * (nodes - 1) * (bits + bits_for(nodes - 1)), gates_um2(t, kFullAdderGates));
  add(b, "shift-add accumulators", groups, accumulator_um2(t, chip.digital_width));
  add(b, "word-line drivers", m.rows, wordline_driver_um2(t));
  if (chip.readout.analog_accumulate)
    add(b, "input pulse generators", m.rows,
        gates_um2(t, double(kPulseCounterBits) * (kFlipFlopGates + kXor2Gates + 1.0)));
  return b;
}

ChipArea chip_area(const TechTable& t, const ChipParams& chip, int64_t bits, int64_t levels) {
  ChipArea a;
  for (const auto& k : macro_kinds()) {
    const int64_t n = chip.count(k.name);
    if (n == 0) continue;
    BlockArea b = k.adc_readout ? analog_macro_area(t, chip, bits, levels)
                                : dcim_area(t, std::any_cast<const DcimParams&>(chip.kind_params.at(k.name)),
                                            chip.digital_width);
    b.name = k.name;
    b.count = n;
    a.blocks.push_back(std::move(b));
  }
  BlockArea buf;
  buf.name = "buffers";
  buf.count = 1;
  // SRAM at the node's cell pitch over the share of a buffer macro that is its array.
  const double bit = t[Tech::CellHeight] * t[Tech::CellWidth] / t[Tech::BufferArrayEfficiency];
  add(buf, "input buffer (bits)", chip.input_buffer.kib * 8192, bit);
  add(buf, "output buffer (bits)", chip.output_buffer.kib * 8192, bit);
  add(buf, "weight buffer (bits)", chip.weight_buffer.kib * 8192, bit);
  if (!buf.parts.empty()) a.blocks.push_back(std::move(buf));
  BlockArea dig;
  dig.name = "digital";
  dig.count = 1;
  const double w = double(chip.digital_width);
  // Vector unit: an adder and a register of the operand width per lane.
  add(dig, "vector unit lanes", chip.digital_lanes, gates_um2(t, w * (kFullAdderGates + kFlipFlopGates)));
  // MAC unit: a w x w array multiplier (w^2 AND gates and full adders) and a 2w-bit accumulator.
  add(dig, "MAC unit lanes", chip.mac_lanes,
      gates_um2(t, w * w * (1.0 + kFullAdderGates) + 2.0 * w * (kFullAdderGates + kFlipFlopGates)));
  a.blocks.push_back(std::move(dig));
  return a;
}

double mim_cap_um2(const TtfsCircuit& c, double c_ff) {
  // density s^2 + 4 perimeter s = c_ff, solved for the side s.
  const double a = c.mim_ff_per_um2, b = 4.0 * c.mim_ff_per_um;
  const double side = (-b + std::sqrt(b * b + 4.0 * a * c_ff)) / (2.0 * a);
  return side * side;
}

BlockArea ttfs_array_area(const TtfsParams& p, const TtfsCircuit& c) {
  BlockArea b;
  b.name = "ttfs_array";
  b.count = 1;
  // A programmable synapse: `synapse_bits` magnitude bits and a sign bit stored; per polarity
  // (NMOS legs toward E+, PMOS legs toward E-) binary-weighted legs of 2^bits - 1 unit devices in
  // all, the spike on their gates, each leg in series with a switch its stored bit closes.
  const int64_t bits = c.synapse_bits;
  const double legs = double(2 * ((int64_t{1} << bits) - 1) + 2 * bits);
  add(b, "synapses", p.rows * p.cols, double(bits + 1) * c.sram_bit_um2 + legs * c.unit_device_um2);
  // A neuron: its membrane capacitor, comparator, reset and discharger devices, spike latch.
  add(b, "membrane capacitors", p.cols, mim_cap_um2(c, c.c_mem_ff));
  add(b, "comparators", p.cols, c.comparator_um2);
  add(b, "reset and discharger devices", p.cols, 2.0 * c.unit_device_um2);
  add(b, "spike latches", p.cols, c.flip_flop_um2);
  // A row's spike line runs across the array's neurons: one driver per row.
  add(b, "spike line drivers", p.rows, c.std_cell_um2);
  return b;
}

ChipArea ttfs_chip_area(const TtfsParams& p, const TtfsCircuit& c) {
  ChipArea a;
  BlockArea b = ttfs_array_area(p, c);
  b.count = p.arrays;
  a.blocks.push_back(std::move(b));
  return a;
}

}  // namespace cimsim
