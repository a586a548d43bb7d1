// The chip controller: an SC_THREAD sequencer that runs a network layer by layer through a
// macro. Weight-stationary: each tile's weights are written once, then every sample's operations
// for that tile are issued. The digital periphery (offset correction, partial-sum adds, epilogue)
// and the buffers are modelled here.
#pragma once
#include <systemc>
#include <string>
#include <vector>

#include "arch/cim_macro.hpp"
#include "arch/params.hpp"
#include "workloads/network.hpp"

namespace cimsim {

struct LayerRun {
  std::string name, kind, op_type;
  std::string macro = "cim1x1";
  int row_tiles = 0, col_tiles = 0;
  uint64_t macs = 0;
  uint64_t cycles = 0;  // elapsed from the layer's first weight write to its last operation
  MacroCounters counters;  // macro and periphery actions during the layer
};

struct ChipRun {
  std::vector<LayerRun> layers;
  std::vector<double> outputs;  // [samples][output_numel], NCHW per sample
  uint64_t cycles = 0;
  MacroCounters total;
  int64_t domains = 0;
};

class Controller : public sc_core::sc_module {
 public:
  sc_core::sc_port<MacroIf> macro;

  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, const Network& net, std::vector<BitVec> inputs,
             const ChipParams& chip, CimMacro& macro_for_stats);

  const ChipRun& result() const { return m_run; }

 private:
  void sequence();
  void run_layer(const LayerSpec& L);
  MacroCounters snapshot();

  const Network& m_net;
  std::vector<BitVec> m_act;  // current activations per sample (NCHW bits)
  const ChipParams& m_chip;
  CimMacro& m_stats;
  sc_core::sc_time m_period;
  MacroCounters m_periph;  // digital periphery and buffer actions
  ChipRun m_run;
};

}  // namespace cimsim
