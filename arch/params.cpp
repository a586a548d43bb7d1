#include "arch/params.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "arch/macro_kinds.hpp"

namespace cimsim {

void PhaseCycles::declare(ParamVisitor& v) {
  v.integer("precharge", precharge, 1, 0, 1000, {"cycles", "bit-line precharge phase (timing: cycles)"});
  v.integer("evaluate", evaluate, 1, 0, 1000, {"cycles", "AND evaluation phase (timing: cycles)"});
  v.integer("merge_per_level", merge_per_level, 1, 0, 1000,
            {"cycles", "charge sharing up one hierarchy level (timing: cycles)"});
  v.integer("writeout", writeout, 1, 0, 1000, {"cycles", "result into the output register"});
  v.integer("wakeup", wakeup, 2, 0, 100000, {"cycles", "stall when an operation needs a gated domain"});
  v.integer("write_row", write_row, 1, 0, 1000, {"cycles", "writing one row of weights"});
}

void MacroParams::declare(ParamVisitor& v) {
  v.integer("rows", rows, 256, 1, 1 << 16, {"rows", "bit-cell rows"});
  v.integer("cols", cols, 256, 1, 1 << 16, {"columns", "bit-cell columns"});
  v.int_list("hierarchy", hierarchy, {rows}, 1, 1 << 16,
             {"list", "bit-line segment fan-ins, leaf to root; the product must equal rows", Affects::Run, "[rows]"});
  int64_t prod = 1;
  for (auto f : hierarchy) prod *= f;
  v.check(prod == rows, "hierarchy",
          fmt::format("the product of [{}] is {}, but it must equal arch.macro.rows = {} (leaf to root, e.g. "
                      "[16, 4, 4] for 256 rows)",
                      fmt::join(hierarchy, ", "), prod, rows));
  v.integer("gating.level", gating_level, 0, 0, int64_t(hierarchy.size()) - 1,
            {"level index", "hierarchy level whose nodes are gating domains (0 = leaf)", Affects::Run, nullptr,
             "[0, levels - 1]"});
  v.integer("gating.cols", gate_cols, 8, 1, cols,
            {"columns", "adjacent columns per gating domain", Affects::Run, nullptr, "[1, cols]"});
  v.choice("timing", timing, "circuit", {"circuit", "cycles"},
           {"", "circuit: precharge, evaluate and each level's merge from the line's RC at the technology's supply, "
                "rounded up to whole cycles (docs/tech.md); cycles: the fixed cycles.precharge, cycles.evaluate and "
                "cycles.merge_per_level"});
  v.section("cycles", "phase durations of one analog macro operation", [&] { cycles.declare(v); });
  v.real("bitline_swing", bitline_swing, 1.0, 0.001, 1.0,
         {"fraction of supply", "how far a precharged bit-line segment swings (energy C V^2 x swing)", Affects::Price});
  v.real("cell_cap_ff", cell_cap_ff, 0.0, 0.0, 1000.0,
         {"fF", "compute capacitor per cell, charged when its product is 1 (charge-domain cells)", Affects::Price});
  v.choice("cell", cell, "and", {"and", "divider", "xnor"},
           {"", "how a cell drives its bit line: and (a product of 1 discharges it); divider (a driven row's cell "
                "pulls the line up when it stores 1, down when it stores 0: static current through the divider while "
                "the rows are on); xnor (every row of an active domain drives, up on a match, down on a mismatch)"});
}

void ReadoutParams::declare(ParamVisitor& v, int64_t cols) {
  v.choice("kind", kind, "sar", {"sar", "flash", "sense", "adc", "digital"},
           {"", "column read-out: sar (successive approximation), flash or sense (a 1-bit sense amplifier), each priced "
                "from its circuit (comparator decisions, capacitive DAC, logic, reference); adc (a converter priced by "
                "the technology's measured figure of merit per level); digital (a popcount adder tree)"});
  v.integer("bits", bits, 0, 0, 16, {"bits", "ADC resolution; 0 = lossless for rows (or enough for levels; 1 for sense)"});
  v.integer("levels", levels, 0, 0, 65536,
            {"levels", "output levels of one conversion (e.g. 11 for an 11-level flash); 0 = 2^bits"});
  v.check(levels != 1, "levels", "an ADC needs at least 2 output levels (or 0 for 2^bits)");
  v.check(!(levels > 0 && bits > 0 && levels > (int64_t{1} << bits)), "levels",
          fmt::format("{} levels do not fit in arch.readout.bits = {} (at most {})", levels, bits,
                      bits > 0 && bits < 63 ? int64_t{1} << bits : 0));
  v.check(kind != "sense" || bits <= 1, "bits", fmt::format("a sense amplifier resolves 1 bit, not {}", bits));
  v.check(kind != "sense" || levels <= 2, "levels", fmt::format("a sense amplifier has 2 output levels, not {}", levels));
  v.integer("range", range, 0, 0, 1 << 16,
            {"counts", "ADC full scale: counts above it clip (0 = the rows beneath a read-out); with bits 0 the "
                       "resolution is lossless for this range"});
  v.real("range_percentile", range_percentile, 0.0, 0.0, 100.0,
         {"%", "derive the range from the data: this percentile of the counts the read-outs convert in a noiseless "
               "calibration run of the first range_samples samples (0 = off; e.g. 99.9)"});
  v.check(range_percentile == 0 || range == 0, "range_percentile",
          "set either arch.readout.range (a clip level) or arch.readout.range_percentile (derived), not both");
  v.integer("range_samples", range_samples, 32, 1, int64_t{1} << 30,
            {"samples", "the first samples of the run that calibrate a range_percentile"});
  v.integer("share", share, 8, 1, cols,
            {"columns", "columns per ADC, serialised (NeuroSim's default numColMuxed = 8)", Affects::Run, nullptr, "[1, cols]"});
  v.integer("conversion_cycles", conversion_cycles, 1, 1, 1000, {"cycles", "per ADC conversion"});
  std::string acc;
  v.choice("accumulate", acc, "digital", {"digital", "analog"},
           {"", "analog: input bit planes as word-line pulse trains and a weight's slices charge-shared, one "
                "conversion per output (docs/tech.md)"});
  analog_accumulate = acc == "analog";
  v.check(!analog_accumulate || converter(), "accumulate",
          "analog accumulation needs a converter read-out (arch.readout.kind: sar, flash, sense or adc)");
  v.integer("adder_cycles", adder_cycles, 2, 1, 1000,
            {"cycles", "digital adder-tree latency (popcount, or summing the read-outs below the root)"});
  v.integer("level", level, -1, -1, 64,
            {"level index", "hierarchy level whose nodes hold the read-outs (0 = leaf segments), their results summed "
                            "digitally; -1 = the root (one read-out per column)", Affects::Run, nullptr,
             "[-1, levels - 1]"});
}

namespace {

void declare_buffer(ParamVisitor& v, BufferParams& b, const char* what_kib, const char* what_width, bool capacity) {
  if (capacity)
    v.integer("kib", b.kib, 64, 1, int64_t{1} << 24, {"KiB", what_kib});
  else
    b.kib = 0;
  v.integer("width_bits", b.width_bits, 256, 1, 1 << 20, {"bits/cycle", what_width});
}

}  // namespace

namespace {

struct MemoryKind {
  const char* name;
  double pj_per_bit, gb_per_s;
  const char* source;
};

// Energy per bit moved (array, I/O and interface together) and peak bandwidth of one interface.
const std::vector<MemoryKind>& memory_kinds() {
  static const std::vector<MemoryKind> kinds = {
      {"lpddr4", 8.0, 6.4,
       "8 pJ/bit: LPDDR4 access and I/O as tabulated by Accelergy's DRAM plug-in (after Malladi et al., ISCA 2012, and "
       "O'Connor, Chatterjee et al., MICRO 2017); 6.4 GB/s: one x16 channel at 3200 MT/s (JEDEC JESD209-4), 3.2 Gb/s x 16 / 8"},
      {"hbm2", 3.9, 256.0,
       "3.9 pJ/bit: HBM2 as tabulated by Accelergy's DRAM plug-in (O'Connor, Chatterjee et al., MICRO 2017); 256 GB/s: "
       "one stack's 1024 data pins at 2 Gb/s (JEDEC JESD235), 2 x 1024 / 8"},
      {"gddr5", 14.0, 32.0,
       "14 pJ/bit: GDDR5 as tabulated by Accelergy's DRAM plug-in (O'Connor, Chatterjee et al., MICRO 2017); 32 GB/s: one "
       "x32 device at 8 Gb/s per pin, 8 x 32 / 8"},
      {"ddr3", 70.0, 12.8,
       "70 pJ/bit: DDR3 as tabulated by Accelergy's DRAM plug-in (Malladi et al., ISCA 2012); 12.8 GB/s: one 64-bit "
       "DDR3-1600 channel, 1.6 Gb/s x 64 / 8"},
  };
  return kinds;
}

const MemoryKind* find_memory(const std::string& k) {
  for (const auto& m : memory_kinds())
    if (k == m.name) return &m;
  return nullptr;
}

}  // namespace

double MemoryParams::energy_pj_per_bit() const {
  if (pj_per_bit > 0 || !on()) return pj_per_bit;
  const MemoryKind* m = find_memory(kind);
  return m ? m->pj_per_bit : 0.0;
}

double MemoryParams::bandwidth_gb_per_s() const {
  if (gb_per_s > 0 || !on()) return gb_per_s;
  const MemoryKind* m = find_memory(kind);
  return m ? m->gb_per_s : 0.0;
}

std::string MemoryParams::source() const {
  const MemoryKind* m = find_memory(kind);
  std::string s = m ? m->source : "";
  if (pj_per_bit > 0) s = fmt::format("arch.memory.pj_per_bit = {} (configured); ", pj_per_bit) + s;
  if (gb_per_s > 0) s = fmt::format("arch.memory.gb_per_s = {} (configured); ", gb_per_s) + s;
  return s;
}

int64_t MemoryParams::bits_per_cycle(double clock_mhz) const {
  return std::max<int64_t>(1, int64_t(std::floor(bandwidth_gb_per_s() * 8000.0 / clock_mhz)));
}

ChipParams::ChipParams() {
  for (const auto& k : macro_kinds())
    if (k.make_params) kind_params[k.name] = k.make_params();
  DefaultsVisitor d;
  declare_arch(d);
  declare_mapping(d);
}

void ChipParams::declare_arch(ParamVisitor& v) {
  v.real("clock_mhz", clock_mhz, 500.0, 1.0, 100000.0, {"MHz", "clock; the period is rounded to whole ps"});
  v.real("supply_v", macro.supply_v, 0.0, 0.0, 5.0,
         {"V", "operating supply; 0 = the technology's vdd (scaling rules: docs/tech.md)", Affects::Price});
  std::string schedule;
  v.choice("schedule", schedule, "overlap", {"overlap", "sequential"},
           {"", "overlap: a step starts as soon as its input samples and its macros are free, so independent "
                "steps and consecutive layers on different macros run at once; sequential: one step at a time"});
  overlap = schedule == "overlap";
  v.section("macro", "the analog macros (cim1x1, cim3x3)", [&] { macro.declare(v); });
  v.section("readout", "the analog macros' column read-out", [&] {
    readout.declare(v, macro.cols);
    v.check(readout.level < int64_t(macro.hierarchy.size()), "level",
            fmt::format("level {} is not a level of arch.macro.hierarchy [{}] (0 = leaf .. {} = root, or -1 for the root)",
                        readout.level, fmt::join(macro.hierarchy, ", "), int64_t(macro.hierarchy.size()) - 1));
    macro.readout_level = readout.level < int64_t(macro.hierarchy.size()) ? readout.level : -1;
    v.check(!(macro.divider() && readout.analog_accumulate), "accumulate",
            fmt::format("arch.macro.cell {} is priced per evaluate phase of one plane; analog accumulation's pulse trains "
                        "need arch.macro.cell: and", macro.cell));
  });
  v.section("analog", "non-idealities of the analog macros' read-out (docs/analog.md)", [&] {
    std::string noise;
    v.choice("noise", noise, "off", {"off", "on"},
             {"", "on: thermal and comparator noise per conversion, converter offsets and cell mismatch per chip "
                  "(technology keys comparator_noise, comparator_offset, cell_sigma, cap_mismatch, off_current_n), applied before "
                  "quantisation; the report keeps the exact path's check and adds the noisy hardware's outputs"});
    macro.noise.on = noise == "on";
    int64_t seed = 1;
    v.integer("seed", seed, 1, 0, int64_t{1} << 62, {"", "draws the chip instance (offsets, mismatch) and the noise"});
    macro.noise.seed = uint64_t(seed);
    v.integer("chips", macro.noise.chips, 1, 1, 4096,
              {"chips", "chip instances (seeds seed, seed + 1, ...) whose noisy accuracy is reported as mean, sigma and "
                        "minimum, run in parallel worker processes (cimsim run --chips N)"});
  });
  v.section("macros", "macros of each kind on the chip", [&] {
    for (const auto& k : macro_kinds()) {
      int64_t& n = macros[k.name];
      v.integer(k.name.c_str(), n, k.default_count, 0, 4096, {"macros", k.what.c_str()});
    }
  });
  v.check(total_macros() > 0, "macros", "the chip needs at least one macro");
  for (const auto& k : macro_kinds())
    if (k.declare_params) v.section(k.section, k.section_what, [&] { k.declare_params(v, kind_params[k.name]); });
  v.section("buffers", "on-chip buffers; their ports are shared by every macro and step (first come, first served)", [&] {
    v.section("input", "", [&] {
      declare_buffer(v, input_buffer, "input buffer: a batch chunk's layer input must fit",
                     "input buffer port: activations read by macros and digital steps", true);
    });
    v.section("output", "", [&] {
      declare_buffer(v, output_buffer, "output buffer: a batch chunk's outputs or spilled partial sums must fit",
                     "output buffer port: outputs written, partial sums spilled and read back", true);
    });
    v.section("weight", "", [&] {
      declare_buffer(v, weight_buffer, "", "weight path: weights read for macro writes (weight-stationary) or "
                     "applied on the rows (input-stationary)", false);
    });
  });
  v.section("memory", "off-chip memory: network inputs read, outputs written, weight tiles fetched (docs/memory.md)", [&] {
    v.choice("kind", memory.kind, "none", {"none", "lpddr4", "hbm2", "gddr5", "ddr3"},
             {"", "none: inputs and weights are on chip already and outputs stay there (the macro-and-buffer figures); "
                  "otherwise every sample's input is read and its output written, and each weight tile is fetched before "
                  "it is written (once when all fit), at the kind's energy per bit and bandwidth (docs/memory.md)"});
    v.real("pj_per_bit", memory.pj_per_bit, 0.0, 0.0, 1.0e4,
           {"pJ/bit", "energy per bit moved; 0 = the kind's", Affects::Price});
    v.real("gb_per_s", memory.gb_per_s, 0.0, 0.0, 1.0e6, {"GB/s", "peak bandwidth; 0 = the kind's"});
  });
  v.section("digital", "the periphery's vector unit for digital steps and its MAC unit", [&] {
    v.integer("lanes", digital_lanes, 64, 1, 1 << 20, {"elements/cycle", "the periphery's vector unit, for digital steps"});
    v.integer("width_bits", digital_width, 16, 1, 64,
              {"bits", "width of a real-valued operand in the periphery and the buffers"});
    // A MAC lane holds a width x width multiplier array, about `width_bits` times an adder lane's
    // cells: a quarter of the vector lanes by default (an architecture choice, not a measurement).
    v.integer("mac_lanes", mac_lanes, 16, 1, 1 << 20,
              {"MACs/cycle", "the periphery's MAC unit, for layers with real-valued inputs or weights (digital-mac)"});
  });
}

void ChipParams::declare_mapping(ParamVisitor& v) {
  v.flag("reorder_channels", reorder_channels, false,
         {"bool", "place often-zero input channels together on the rows (reports both gated fractions)"});
  std::string stationary;
  v.choice("stationary", stationary, "weight", {"weight", "input"}, {"", "what the cells hold: weights, or input windows"});
  input_stationary = stationary == "input";
  v.check(!(input_stationary && readout.analog_accumulate), "stationary",
          "input-stationary mapping does not support arch.readout.accumulate: analog; use weight");
  std::vector<std::string> kinds;
  for (const auto& k : macro_kinds()) kinds.push_back(k.name);
  v.name_map("force", force_kind, kinds, {"layer -> macro kind", "run a layer on another macro kind, to compare"});
}

}  // namespace cimsim
