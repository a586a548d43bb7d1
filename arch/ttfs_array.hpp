// TTFS charge-domain neuron arrays in SystemC. One module per layer (its neurons spread over
// arrays of `rows` synapses x `cols` neurons; a neuron whose synapses span several arrays shares
// one membrane). A layer's thread walks every sample through reset, accumulation and firing.
// Pipelined: layer k fires while layer k+1 accumulates (start of layer l, sample s = s P + l W with
// P = reset + 2 windows); when the chip has fewer arrays than the layers need, layers take turns
// (passes) and are not overlapped. Within a window the exact solution is advanced from input
// spike to input spike (the layer's pending spikes sit in a min-heap); SystemC schedules phases.
#pragma once
#include <systemc>
#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "arch/param.hpp"
#include "arch/waveform.hpp"
#include "workloads/ttfs.hpp"

namespace cimsim {

struct TtfsParams {
  std::string solver;  // exact | dstd
  int64_t dstd_steps;
  int64_t reset_cycles, window_cycles;  // 1 us each at 500 MHz
  int64_t rows, cols, arrays;
  RampModel ramp;               // e_dis finite: the nonideal discharger
  bool override_e_rev = false;  // use e_pos/e_neg below instead of the model's attributes (set from the circuit)
  double e_pos = kNoSpike, e_neg = -kNoSpike;

  TtfsParams() { DefaultsVisitor d; declare(d); }
  // The arrays' solver, timing and geometry (arch.ttfs.*; the circuit's values: TtfsCircuit).
  void declare(ParamVisitor& v);
};

// Circuit values of a TTFS array (arch.ttfs; the presets name their sources).
struct TtfsCircuit {
  std::string e_rev;                  // model | resistive | transistor | ideal
  double vdd_v, v_rest_v, v_th_v;     // supply, resting potential, threshold above rest
  double lambda_n, lambda_p;          // channel-length modulation (transistor synapses), 1/V
  double c_mem_ff;
  double spike_line_cap_ff;           // per synapse gate a spike drives (gate + wire)
  double comparator_fj;               // per neuron per firing window
  double leak_nw_per_neuron;
  // Layout (the area model, docs/area.md): a programmable synapse stores `synapse_bits`
  // magnitude bits and a sign bit; SKY130 sizes by default.
  int64_t synapse_bits;
  double sram_bit_um2, unit_device_um2, mim_ff_per_um2, mim_ff_per_um, comparator_um2, std_cell_um2, flip_flop_um2;

  TtfsCircuit() { DefaultsVisitor d; declare(d); }
  void declare(ParamVisitor& v);
};

// E+ and E- (units of the threshold) the circuit gives; false when the model's attributes rule.
bool circuit_e_rev(const TtfsCircuit& c, double& e_pos, double& e_neg);

// Actions counted per layer (priced by power/ttfs_energy).
struct TtfsCounters {
  uint64_t neurons_windows = 0;  // neuron-windows (reset, comparator, ramp per neuron per sample)
  uint64_t spikes = 0;           // output spikes emitted
  uint64_t input_spikes = 0;     // spikes arriving at the layer
  uint64_t synaptic_events = 0;  // synapses switched on by an arriving spike
  double fanout_switches = 0;    // synapse gates driven by the layer's output spikes (spikes x fanout)
  double input_fanout_switches = 0;  // first layer: synapse gates the network's input spikes drive
  double q_exc = 0, q_inh = 0;   // normalised charge integrals (x C_mem V_th gives coulombs)
  double ramp_charge = 0;        // normalised charge the firing ramp adds (x C_mem V_th)
  double below_rest = 0;         // normalised charge to restore membranes left below rest
  uint64_t cycles = 0;           // cycles the layer's arrays are busy
  uint64_t start = 0, end = 0;   // the layer's first reset begins, its last firing window ends
  int64_t tiles = 0, passes = 1;
};

struct TtfsRun {
  std::vector<TtfsCounters> layers;
  std::vector<double> outputs;  // [samples][output numel] spike times (1 = no spike)
  std::vector<double> out_v1;   // [samples][output numel] last layer's v(1), for tie-breaks
  std::vector<std::vector<double>> first_sample;  // [layer] output spike times of sample 0 (1 = none)
  uint64_t cycles = 0;
  bool pipelined = true;
  int64_t arrays_needed = 0;
};

class TtfsChip : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TtfsChip);
  TtfsChip(sc_core::sc_module_name name, const TtfsNetwork& net, const std::vector<std::vector<double>>& inputs,
           const TtfsParams& p, sc_core::sc_time period);
  const TtfsRun& result() const { return m_run; }
  // Waveforms of each layer's phases (1 reset, 2 accumulate, 3 fire) and of the spikes it has
  // fired so far in its firing window, for cycles [from, to]. Call before simulating.
  void enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to);

 private:
  void layer_thread(std::size_t l);
  uint64_t start_cycle(std::size_t l, std::size_t s) const;
  struct Pending {
    double t;
    int64_t input;
    bool operator>(const Pending& o) const { return t != o.t ? t > o.t : input > o.input; }
  };

  const TtfsNetwork& m_net;
  const TtfsParams& m_p;
  sc_core::sc_time m_period;
  std::vector<std::vector<std::vector<double>>> m_in;  // [layer][sample] input spike times
  std::vector<std::vector<bool>> m_ready;              // [layer][sample]
  std::vector<sc_core::sc_event> m_arrived;            // per layer: a sample's inputs arrived
  std::vector<uint64_t> m_pass_offset;                 // sequential mode: cycles before layer l
  uint64_t m_sample_period = 0;
  std::vector<std::unique_ptr<Waveform>> m_trace;  // per layer, when tracing
  TtfsRun m_run;
};

// Neuron-array kinds: the chip a spiking workload runs on. A kind is its module, its params
// (declared under arch.<section>) and one registration line in ttfs_array.cpp.
struct ArrayKind {
  std::string name, section, what;
  std::function<void(ParamVisitor&, TtfsParams&, TtfsCircuit&)> declare;
  std::function<std::unique_ptr<TtfsChip>(const char* name, const TtfsNetwork& net,
                                          const std::vector<std::vector<double>>& inputs, const TtfsParams& p,
                                          sc_core::sc_time period)>
      make;
};
const std::vector<ArrayKind>& array_kinds();

}  // namespace cimsim
