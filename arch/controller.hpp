// The chip controller: it sequences a network's steps over the chip's components and does no
// arithmetic of its own. Each step runs in its own process. A macro layer is mapped
// (workloads/mapping), its tiles dealt to the macros of its kind, and each macro works through
// its tiles in a spawned process: staging weights and gathering inputs come from the layer's
// function (workloads/layer_function), operations from the macros, data movement from the
// buffers' ports, digital steps from the vector unit; each component counts its own actions.
// Scheduling: with arch.schedule = overlap a step starts as soon as the samples it reads are
// ready and the macros it needs are free (macros are granted in program order, so no step can
// wait on a later one); with sequential, after the previous step has finished.
#pragma once
#include <systemc>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "arch/buffer.hpp"
#include "arch/macro.hpp"
#include "arch/macro_kinds.hpp"
#include "arch/params.hpp"
#include "arch/vector_unit.hpp"
#include "workloads/layer_function.hpp"
#include "workloads/mapping.hpp"
#include "workloads/network.hpp"

namespace cimsim {

struct LayerRun {
  std::string name, kind, op_type;
  std::string macro;  // the macro kind, "periphery" for digital steps, or "digital-mac" for the MAC unit
  int row_tiles = 0, col_tiles = 0;
  uint64_t macs = 0;
  uint64_t start = 0, end = 0;  // cycles: the step ran in [start, end)
  uint64_t cycles = 0;          // end - start
  uint64_t weight_writes = 0;   // tile weight writes during the layer
  MacroCounters counters;       // the step's actions: its macros' (while it held them) and the periphery's for it
  // Operations each domain was gated during the layer, summed over the layer's macros
  // (row-major: gating_rows x gating_cols); empty for digital steps.
  std::vector<uint64_t> domain_skips;
  int64_t gating_rows = 0, gating_cols = 0;
  // With chip.record_samples: a binarized layer's outputs (1 where > 0) of the first samples,
  // `out_words` words per sample, zero-padded.
  std::vector<uint64_t> out_bits;
  std::size_t out_words = 0, out_numel = 0;
};

// How far a run is, for a progress display on another thread: steps done, and the current
// step's share done in parts per million.
struct Progress {
  std::atomic<uint32_t> steps_done{0}, step_ppm{0};
};

struct ChipRun {
  std::vector<LayerRun> layers;  // in program order
  std::vector<double> outputs;   // [samples][output_numel], NCHW per sample
  uint64_t cycles = 0;
  MacroCounters total;          // every action of the run, leakage residency of every macro over the whole run
  std::vector<std::pair<std::string, MacroCounters>> kind_totals;  // the macros' part of `total`, by kind
  MacroCounters periphery_total;                                   // the periphery's part
  int64_t macros = 0;
  bool weights_resident = false;  // every tile of the network has a macro of its own
  bool complete = false;          // every step finished
  std::size_t steps_done = 0;
};

class Controller : public sc_core::sc_module {
 public:
  // Every macro of the chip, in the order of `kinds` given to the constructor.
  sc_core::sc_port<MacroIf, 0, sc_core::SC_ZERO_OR_MORE_BOUND> macros;
  sc_core::sc_port<BufferIf> input_buffer, output_buffer, weight_buffer;
  sc_core::sc_port<VectorUnitIf> vector_unit;
  sc_core::sc_port<VectorUnitIf> mac_unit;  // multiply-accumulates of digital-mac layers
  // The off-chip memory (arch.memory), bound only when the chip has one: every sample's input is
  // read from it and its output written to it, and weight tiles are fetched from it before they
  // are written.
  sc_core::sc_port<BufferIf, 1, sc_core::SC_ZERO_OR_MORE_BOUND> memory;

  SC_HAS_PROCESS(Controller);
  // `kinds[i]`: the kind of the i-th bound macro.
  Controller(sc_core::sc_module_name name, const Network& net, const std::vector<std::vector<double>>& inputs,
             const ChipParams& chip, std::vector<const MacroKind*> kinds, Progress* progress = nullptr);
  ~Controller() override;

  const ChipRun& result() const { return m_run; }

  // The kind a layer runs on: forced, else the first registered kind that takes it naturally
  // and that the chip has, else the first kind the chip has.
  static const MacroKind& kind_for(const LayerSpec& L, const ChipParams& chip);

  // Peak bytes the controller allocates for `samples` samples of `net` (values kept from their
  // producer to their last consumer, a macro layer's bit planes and accumulators; with
  // `overlap`, every macro layer's at once), so that a run can be refused before it starts.
  static uint64_t estimate_peak_bytes(const Network& net, uint64_t samples, bool overlap = false);

 private:
  struct Plan;
  struct ValueState;
  struct LayerWork;
  void sequence();
  void make_plans();
  void run_step(std::size_t i);
  void run_layer(std::size_t i);
  void run_digital_step(std::size_t i);
  void work_tiles(LayerWork& w, int g, const std::vector<std::size_t>& tiles, std::size_t s0, std::size_t s1);
  void work_blocks(LayerWork& w, int g, const std::vector<std::size_t>& blocks, std::size_t s0, std::size_t s1);
  void finish_sample(LayerWork& w, std::size_t s);
  // Waits until sample s of value v is ready (produced, and its transfer done); false when the
  // run is abandoned (stop request) instead: the caller returns.
  bool wait_sample(int v, std::size_t s);
  // Wakes every waiting process so that, seeing the stop request, each returns and its locals
  // are released.
  void abandon();
  void publish(int v, std::size_t s, uint64_t at);
  // Off-chip memory: reads each sample's input and writes it into the input buffer, publishing
  // it when it is there; writes each output sample as it is produced.
  void load_inputs();
  void store_outputs();
  // Fetches a weight tile of `bits` before it is written, waiting for it (a memory stall).
  void fetch_weights(uint64_t bits, bool one_time, MacroCounters& sink);
  uint64_t now_cycles() const;
  void wait_until(uint64_t cycle);
  uint64_t value_bits(int v) const;  // bits of one sample of value v as stored

  const Network& m_net;
  std::size_t m_samples;
  const ChipParams& m_chip;
  std::vector<const MacroKind*> m_kinds;
  sc_core::sc_time m_period;
  Progress* m_progress;
  std::vector<std::vector<std::vector<double>>> m_values;  // [value][sample] -> elements
  std::vector<ValueState> m_ready;
  std::vector<Plan> m_plans;                // per step
  std::vector<std::vector<std::size_t>> m_macro_queue;  // per macro: the steps that use it, in program order
  sc_core::sc_event m_macro_released, m_step_done;
  bool m_outputs_stored = true;  // the off-chip writes of every output sample are issued
  uint64_t m_memory_end = 0;     // the cycle the last of them ends
  std::vector<uint8_t> m_done;
  std::vector<int> m_consumers_left;        // per value: steps still to read it
  std::set<std::pair<const MacroKind*, int>> m_written;  // resident slots already written
  std::vector<std::pair<std::size_t, std::size_t>> m_holds;  // per macro: (step, tile) its cells hold
  std::vector<MacroCounters> m_step_counts; // per step: the periphery's actions for it
  ChipRun m_run;
};

}  // namespace cimsim
