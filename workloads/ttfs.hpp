// Time-to-first-spike (TTFS) charge-domain layers with resistively coupled synapses (RC-Spike):
// the IR, the ONNX encoding (custom op domain `cimsim`), and the exact event-driven solution of
//   dv/dt = sum_i w_i (1 - v / E_i) H(t - t_i),   v(0) = 0,  t in [0, 1] (one window)
// with E_i = E+ for w_i >= 0 and E- for w_i < 0 (+-inf: the ideal integrator). Between two
// consecutive input spike times, with A = sum of active w and B = sum of active w / E:
//   v(t) = v_k e^{-B (t - t_k)} + A (1 - e^{-B (t - t_k)}) / B     (v_k + A (t - t_k) when B = 0).
// Firing: after the window the potential ramps up at `ramp` per window and the neuron spikes when
// it reaches the threshold: t_out = clamp((V_th - v(1)) / ramp, 0, 1); one that does not reach
// V_th within the firing window does not spike. Values pass on as x = 1 - t; a missing spike is
// written as t = 1 (x = 0, which is what it means downstream).
#pragma once
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
}

namespace cimsim {

inline constexpr double kNoSpike = std::numeric_limits<double>::infinity();

// How the firing ramp rises: linearly (ideal), or as a discharger with its own reversal
// potential, dv/dt = alpha (1 - v / E_dis), alpha chosen so that v = 0 fires at the window's end.
struct RampModel {
  double slope = 1.0;  // per window (ideal ramp)
  double e_dis = kNoSpike;  // finite: the nonideal discharger
};

struct TtfsLayer {
  std::string name, op_type;  // TTFSDense | TTFSConv
  int64_t in = 0, out = 0;    // inputs per neuron (K) and neurons (N) per output pixel
  // Convolution geometry (TTFSConv); dense layers are 1 x 1.
  int64_t in_c = 0, in_h = 1, in_w = 1, kernel = 1, stride = 1, pad = 0, out_h = 1, out_w = 1;
  std::vector<double> w;     // [N][K]
  std::vector<double> bias;  // [N] bias synapses, firing at t = 0 (empty: none)
  double e_pos = kNoSpike, e_neg = -kNoSpike;  // reversal potentials in units of V_th
  double threshold = 1.0;
  RampModel ramp;
  int64_t neurons() const { return out * out_h * out_w; }
};

struct TtfsNetwork {
  std::string source, input_name, output_name;
  std::vector<int64_t> input_shape, output_shape;  // per sample
  std::vector<TtfsLayer> layers;
  int64_t input_numel() const;
};

// True when the model uses the `cimsim` op domain (TTFSDense / TTFSConv).
bool is_ttfs_model(const onnx::ModelProto& m);
// Throws InputError naming the node, its op and the reason.
TtfsNetwork import_ttfs(const onnx::ModelProto& m, const std::string& where);

// One neuron's input: spike times (sorted ascending, kNoSpike for none) and weights.
struct SynapseInput {
  double t;
  double w;
};

// The accumulation window's result for one neuron.
struct NeuronWindow {
  double v1 = 0;         // potential at the window's end
  double q_exc = 0;      // integral over the window of sum over excitatory w (1 - v/E+) dt
  double q_inh = 0;      // the same for inhibitory synapses, as a magnitude
  int64_t events = 0;    // synapses that switched on (input spiked, weight non-zero)
};

// Exact solution over one window (inputs sorted by time).
NeuronWindow solve_exact(const std::vector<SynapseInput>& in, double e_pos, double e_neg);
// DSTD: each input spike t_j spread over the grid T_m = m/M, m = 0..M, with weights
// s_jm = max(0, (dt - |T_m - t_j|) / dt); between grid points the coefficients are constant and
// each step is solved in closed form.
NeuronWindow solve_dstd(const std::vector<SynapseInput>& in, double e_pos, double e_neg, int64_t steps);

// Output spike time of a potential v1 after the window (kNoSpike when it does not fire).
double fire_time(double v1, double threshold, const RampModel& ramp);

// The receptive field of output pixel (oy, ox) of a TTFSConv layer: the input indices (CHW) in
// weight order, -1 for padding.
std::vector<int64_t> receptive_field(const TtfsLayer& L, int64_t oy, int64_t ox);

// Reference: spike times of every layer's outputs for one sample (input: values x in [0, 1],
// turned into spike times 1 - x). `dstd_steps` > 0 uses DSTD instead of the exact solver.
std::vector<std::vector<double>> ttfs_forward(const TtfsNetwork& net, const std::vector<double>& x, int64_t dstd_steps = 0);

}  // namespace cimsim
