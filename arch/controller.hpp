// The chip controller: an SC_THREAD sequencer that runs a network step by step. Macro layers are
// tiled (workloads/mapping) and their tiles spread over the macros of the layer's kind, each
// macro working through its tiles in its own spawned process; digital steps run in the digital
// periphery. Weight-stationary: a tile's weights are written, then every sample of the current
// batch chunk is applied. The digital periphery (offset correction, shift-add of bit planes and
// weight slices, partial sums, epilogue) and the buffers are modelled here.
#pragma once
#include <systemc>
#include <atomic>
#include <string>
#include <vector>

#include "arch/cim_macro.hpp"
#include "arch/params.hpp"
#include "workloads/mapping.hpp"
#include "workloads/network.hpp"

namespace cimsim {

struct LayerRun {
  std::string name, kind, op_type;
  std::string macro;  // cim1x1 | cim3x3 | periphery
  int row_tiles = 0, col_tiles = 0;
  uint64_t macs = 0;
  uint64_t cycles = 0;     // elapsed
  uint64_t weight_writes = 0;  // tile weight writes during the layer
  MacroCounters counters;  // all macros' and the periphery's actions during the step
  // Operations each domain was gated during the layer, summed over the layer's macros
  // (row-major: gating_rows x gating_cols); empty for digital steps.
  std::vector<uint64_t> domain_skips;
  int64_t gating_rows = 0, gating_cols = 0;
};

// How far a run is, for a progress display on another thread: steps done, and the current
// step's share done in parts per million.
struct Progress {
  std::atomic<uint32_t> steps_done{0}, step_ppm{0};
};

struct ChipRun {
  std::vector<LayerRun> layers;
  std::vector<double> outputs;  // [samples][output_numel], NCHW per sample
  uint64_t cycles = 0;
  MacroCounters total;
  int64_t domains = 0;  // per macro
  int64_t macros = 0;
  bool weights_resident = false;  // every tile of the network has a macro of its own
};

class Controller : public sc_core::sc_module {
 public:
  // A chip may have no macro of one kind.
  sc_core::sc_port<MacroIf, 0, sc_core::SC_ZERO_OR_MORE_BOUND> macros_1x1;
  sc_core::sc_port<MacroIf, 0, sc_core::SC_ZERO_OR_MORE_BOUND> macros_3x3;

  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, const Network& net, const std::vector<std::vector<double>>& inputs,
             const ChipParams& chip, int64_t domains_per_macro, Progress* progress = nullptr);

  const ChipRun& result() const { return m_run; }

  // Peak bytes the controller allocates for `samples` samples of `net` (values kept from their
  // producer to their last consumer, a macro layer's bit planes and accumulators), so that a
  // run can be refused before it starts.
  static uint64_t estimate_peak_bytes(const Network& net, uint64_t samples);

 private:
  struct LayerWork;
  void sequence();
  void run_layer(const LayerSpec& L);
  void run_digital_step(const DigitalStep& d);
  void run_tiles(LayerWork& w, int macro, const std::vector<std::size_t>& tiles, std::size_t s0, std::size_t s1);
  void run_tiles_input_stationary(LayerWork& w, int macro, const std::vector<std::size_t>& blocks, std::size_t s0,
                                  std::size_t s1);
  // The input bits of one window (tile rows) for sample s, output pixel, bit plane; returns the
  // taps inside the image.
  void gather(const LayerWork& w, const Tile& t, std::size_t s, int64_t oy, int64_t ox, int64_t plane, BitVec& in,
              std::vector<int64_t>& valid_taps) const;
  MacroKind kind_of(const LayerSpec& L) const;
  MacroIf& macro_at(MacroKind k, int i);
  int macro_count(MacroKind k) const;
  MacroCounters snapshot();
  uint64_t now_cycles() const;

  const Network& m_net;
  std::vector<std::vector<std::vector<double>>> m_values;  // [value][sample] -> elements
  std::size_t m_samples;
  const ChipParams& m_chip;
  sc_core::sc_time m_period;
  MacroCounters m_periph;  // digital periphery and buffer actions
  Progress* m_progress;
  uint64_t m_units_done = 0, m_units_total = 1;  // (tile, sample) pairs of the current layer
  std::vector<uint8_t> m_written;            // resident slots already written
  std::vector<int> m_slot_base;              // per layer: first resident slot
  ChipRun m_run;
};

}  // namespace cimsim
