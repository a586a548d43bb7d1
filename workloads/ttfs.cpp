#include "workloads/ttfs.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "workloads/errors.hpp"
#include "workloads/tensor.hpp"

namespace cimsim {

int64_t TtfsNetwork::input_numel() const {
  int64_t n = 1;
  for (auto d : input_shape) n *= d;
  return n;
}

namespace {

// A DSTD grid point at which synapses switch on (partly): what it adds to the sums of the
// switched-on synapses.
struct SwitchOn {
  double t;
  double a_exc, b_exc;    // excitatory: sum of w, sum of w / E+
  double a_inh, b_inh;    // inhibitory: sum of |w|, sum of |w| / E- (negative)
};

// e^{-B d}, phi = (1 - e^{-B d}) / B and psi = (d - phi) / B, stable as B d -> 0.
struct Decay {
  double e, phi, psi;
};
// With x = B d: psi / d^2 = f(x) = sum_n (-x)^n / (n + 2)!, phi / d = 1 - x f(x) and
// e = 1 - x phi / d. For |x| < 1/2 the 14 terms below leave a truncation under 3e-18 of f, and
// neither subtraction cancels (x f <= 1/4, x phi / d <= 2/5), so no transcendental is needed
// there; beyond, one exp, and the subtractions 1 - e and d - phi lose at most a factor 5.
Decay decay(double B, double d) {
  const double x = B * d;
  if (std::fabs(x) < 0.5) {
    static constexpr double kInvFact[14] = {1.0 / 2,         1.0 / 6,          1.0 / 24,          1.0 / 120,
                                            1.0 / 720,       1.0 / 5040,       1.0 / 40320,       1.0 / 362880,
                                            1.0 / 3628800,   1.0 / 39916800,   1.0 / 479001600,   1.0 / 6227020800,
                                            1.0 / 87178291200, 1.0 / 1307674368000};
    // Estrin's scheme in y = -x: shorter dependency chains than Horner's.
    const double y = -x, y2 = y * y, y4 = y2 * y2, y8 = y4 * y4;
    const auto pair = [&](int i) { return kInvFact[i] + kInvFact[i + 1] * y; };
    const double q0 = pair(0) + pair(2) * y2, q1 = pair(4) + pair(6) * y2, q2 = pair(8) + pair(10) * y2,
                 q3 = pair(12);
    const double f = (q0 + q1 * y4) + (q2 + q3 * y4) * y8;
    const double g = 1 - x * f;  // phi / d
    return {1 - x * g, d * g, d * d * f};
  }
  const double e = std::exp(-x), phi = (1 - e) / B;
  return {e, phi, (d - phi) / B};
}

// A window being integrated: the potential and charges so far, and the sums of the synapses
// switched on so far, from which the ODE's coefficients are A = a_exc - a_inh (sum of w) and
// B = b_exc - b_inh (sum of w / E). The charge of a synapse switched on at t_i is
// a_i (1 - t_i) - b_i V(t_i), with V(t_i) the integral of v from t_i to 1; summed over synapses
// that is, segment by segment, (sum of a so far) d - (sum of b so far) (integral of v over the
// segment), so one forward pass over the segments gives v(1) and both charges.
struct Window {
  double v = 0, a_exc = 0, b_exc = 0, a_inh = 0, b_inh = 0;
  NeuronWindow r;
  // Advances over a segment of length d with the coefficients constant.
  void advance(double d) {
    const double A = a_exc - a_inh, B = b_exc - b_inh;
    const Decay dc = decay(B, d);
    const double seg = v * dc.phi + A * dc.psi;  // integral of v over the segment
    r.q_exc += a_exc * d - b_exc * seg;
    r.q_inh += a_inh * d - b_inh * seg;
    v = v * dc.e + A * dc.phi;
  }
  NeuronWindow done() {
    r.v1 = v;
    return r;
  }
};

SwitchOn contribution(double t, double w, double frac, double e_pos, double e_neg) {
  SwitchOn p{t, 0, 0, 0, 0};
  const double fw = frac * w;
  if (w >= 0) {
    p.a_exc = fw;
    p.b_exc = std::isinf(e_pos) ? 0.0 : fw * (1.0 / e_pos);
  } else {
    p.a_inh = -fw;
    p.b_inh = std::isinf(e_neg) ? 0.0 : -fw * (1.0 / e_neg);
  }
  return p;
}

}  // namespace

// The exact solution integrates straight from the inputs, in time order: each input adds its
// weight to the excitatory or the inhibitory sums (chosen without a branch).
NeuronWindow solve_exact(const std::vector<SynapseInput>& in, double e_pos, double e_neg) {
  const double inv_pos = std::isinf(e_pos) ? 0.0 : 1.0 / e_pos, inv_neg = std::isinf(e_neg) ? 0.0 : 1.0 / e_neg;
  // Switch-on time: spikes before 0 switch on at 0; no spike in the window (or NaN) never.
  const auto key = [](const SynapseInput& s) { return s.t < 1.0 ? std::max(0.0, s.t) : INFINITY; };
  const auto by_time = [&](const SynapseInput& a, const SynapseInput& b) { return key(a) < key(b); };
  const SynapseInput* p = in.data();
  if (!std::is_sorted(in.begin(), in.end(), by_time)) {
    thread_local std::vector<SynapseInput> sorted;  // scratch, reused from neuron to neuron
    sorted.assign(in.begin(), in.end());
    std::stable_sort(sorted.begin(), sorted.end(), by_time);
    p = sorted.data();
  }
  Window win;
  double t = 0;
  for (std::size_t k = 0; k < in.size(); ++k) {
    const double at = key(p[k]);
    if (at >= 1.0) break;  // the rest switch on at or after the window's end
    if (at > t) {
      win.advance(at - t);
      t = at;
    }
    const double w = p[k].w, wp = w > 0 ? w : 0.0, wn = w < 0 ? -w : 0.0;
    win.a_exc += wp;
    win.b_exc += wp * inv_pos;
    win.a_inh += wn;
    win.b_inh += wn * inv_neg;
    win.r.events += w != 0.0;
  }
  win.advance(1.0 - t);
  return win.done();
}

NeuronWindow solve_dstd(const std::vector<SynapseInput>& in, double e_pos, double e_neg, int64_t steps) {
  const double dt = 1.0 / double(steps);
  std::map<int64_t, SwitchOn> grid;  // one switch point per grid index
  int64_t events = 0;
  for (const auto& s : in) {
    if (!(s.t < 1.0) || s.w == 0.0) continue;
    ++events;
    const double u = std::max(0.0, s.t) / dt;
    const int64_t m0 = int64_t(std::floor(u));
    const double frac = u - double(m0);
    // s_jm = max(0, (dt - |T_m - t_j|) / dt): the two grid points around t_j.
    for (const auto& [m, share] : {std::pair{m0, 1.0 - frac}, std::pair{m0 + 1, frac}}) {
      if (share <= 0.0 || m > steps) continue;
      SwitchOn c = contribution(double(m) * dt, s.w, share, e_pos, e_neg);
      auto [it, fresh] = grid.try_emplace(m, c);
      if (!fresh) {
        SwitchOn& g = it->second;
        g.a_exc += c.a_exc; g.b_exc += c.b_exc; g.a_inh += c.a_inh; g.b_inh += c.b_inh;
      }
    }
  }
  Window win;  // the grid points in time order (the map's)
  double t = 0;
  for (const auto& [m, g] : grid) {
    if (g.t >= 1.0) break;
    if (g.t > t) {
      win.advance(g.t - t);
      t = g.t;
    }
    win.a_exc += g.a_exc;
    win.b_exc += g.b_exc;
    win.a_inh += g.a_inh;
    win.b_inh += g.b_inh;
  }
  win.advance(1.0 - t);
  win.r.events = events;
  return win.done();
}

double fire_time(double v1, double threshold, const RampModel& ramp) {
  if (v1 >= threshold) return 0.0;
  double t;
  if (std::isinf(ramp.e_dis)) {
    t = (threshold - v1) / ramp.slope;
  } else {
    // dv/dt = alpha (1 - v / E_dis) with v = 0 reaching the threshold at t = 1.
    const double E = ramp.e_dis;
    t = std::log((E - v1) / (E - threshold)) / std::log(E / (E - threshold));
  }
  return t <= 1.0 ? std::max(0.0, t) : kNoSpike;
}

std::vector<int64_t> receptive_field(const TtfsLayer& L, int64_t oy, int64_t ox) {
  std::vector<int64_t> f;
  f.reserve(std::size_t(L.in));
  for (int64_t c = 0; c < L.in_c; ++c)
    for (int64_t ky = 0; ky < L.kernel; ++ky)
      for (int64_t kx = 0; kx < L.kernel; ++kx) {
        const int64_t iy = oy * L.stride - L.pad + ky, ix = ox * L.stride - L.pad + kx;
        f.push_back(iy < 0 || iy >= L.in_h || ix < 0 || ix >= L.in_w ? -1 : (c * L.in_h + iy) * L.in_w + ix);
      }
  return f;
}

std::vector<std::vector<double>> ttfs_forward(const TtfsNetwork& net, const std::vector<double>& x0, int64_t dstd) {
  std::vector<std::vector<double>> outs;
  std::vector<double> t = x0;  // the graph's input holds spike times already
  for (auto& v : t)
    if (!(v < 1.0)) v = kNoSpike;
  std::vector<SynapseInput> in;
  for (const auto& L : net.layers) {
    std::vector<double> next(std::size_t(L.neurons()));
    for (int64_t oy = 0; oy < L.out_h; ++oy)
      for (int64_t ox = 0; ox < L.out_w; ++ox) {
        const std::vector<int64_t> field = L.op_type == "TTFSConv" ? receptive_field(L, oy, ox) : std::vector<int64_t>{};
        for (int64_t n = 0; n < L.out; ++n) {
          in.clear();
          for (int64_t k = 0; k < L.in; ++k) {
            const int64_t src = field.empty() ? k : field[std::size_t(k)];
            if (src >= 0) in.push_back({t[std::size_t(src)], L.w[std::size_t(n * L.in + k)]});
          }
          if (!L.bias.empty()) in.push_back({0.0, L.bias[std::size_t(n)]});
          const NeuronWindow r = dstd > 0 ? solve_dstd(in, L.e_pos, L.e_neg, dstd) : solve_exact(in, L.e_pos, L.e_neg);
          next[std::size_t((n * L.out_h + oy) * L.out_w + ox)] = fire_time(r.v1, L.threshold, L.ramp);
        }
      }
    t = next;
    outs.push_back(t);
  }
  return outs;
}

// ---- ONNX import ------------------------------------------------------------------------

bool is_ttfs_model(const onnx::ModelProto& m) {
  for (const auto& n : m.graph().node())
    if (n.domain() == "cimsim") return true;
  return false;
}

namespace {

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

}  // namespace

TtfsNetwork import_ttfs(const onnx::ModelProto& m, const std::string& where) {
  const auto& g = m.graph();
  TtfsNetwork net;
  net.source = where;
  std::map<std::string, Tensor> consts;
  for (const auto& init : g.initializer()) consts[init.name()] = tensor_from_proto(init, where + ": initializer");
  for (const auto& in : g.input()) {
    if (consts.count(in.name())) continue;
    if (!net.input_name.empty()) throw InputError(fmt::format("{}: a TTFS graph takes exactly one input", where));
    net.input_name = in.name();
    const auto& dims = in.type().tensor_type().shape().dim();
    for (int d = 1; d < dims.size(); ++d) {
      if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0 || dims[d].dim_value() > (1 << 24))
        throw InputError(fmt::format("{}: graph input '{}' dimension {} is not a fixed positive size", where, in.name(), d));
      net.input_shape.push_back(dims[d].dim_value());
    }
  }
  if (net.input_name.empty() || net.input_shape.empty()) throw InputError(fmt::format("{}: the graph has no input", where));
  std::map<std::string, std::vector<int64_t>> shape = {{net.input_name, net.input_shape}};
  int idx = 0;
  // The chain's head: the graph input, then each layer's output, through Flatten/Reshape/Identity.
  std::string head = net.input_name;
  for (const auto& n : g.node()) {
    const std::string name = n.name().empty() ? fmt::format("{}_{}", n.op_type(), idx) : n.name();
    ++idx;
    auto fail = [&](const std::string& why) {
      throw InputError(fmt::format("{}: node '{}' ({}): {}", where, name, n.op_type(), why));
    };
    if (n.input_size() < 1 || !shape.count(n.input(0))) fail("its input is not computed from the network input");
    const auto& in_shape = shape.at(n.input(0));
    int64_t numel = 1;
    for (auto d : in_shape) numel *= d;
    if (n.domain().empty() && (n.op_type() == "Flatten" || n.op_type() == "Reshape" || n.op_type() == "Identity")) {
      shape[n.output(0)] = n.op_type() == "Identity" ? in_shape : std::vector<int64_t>{numel};
      if (n.input(0) == head) head = n.output(0);
      continue;
    }
    if (n.domain() != "cimsim" || (n.op_type() != "TTFSDense" && n.op_type() != "TTFSConv")) {
      fail("a TTFS network holds cimsim.TTFSDense / cimsim.TTFSConv layers (with Flatten/Reshape between them) only");
    }
    if (n.input(0) != head)
      fail(fmt::format("TTFS layers must form a chain: its input '{}' is not the previous layer's output '{}' (or a "
                       "Flatten/Reshape of it)", n.input(0), head));
    TtfsLayer L;
    L.name = name;
    L.op_type = n.op_type();
    if (n.input_size() < 2 || !consts.count(n.input(1))) fail("the weight W (input 1) must be a constant");
    const Tensor& W = consts.at(n.input(1));
    for (double w : W.data)
      if (!std::isfinite(w)) fail("weights must be finite");
    if (L.op_type == "TTFSDense") {
      if (W.shape.size() != 2 || W.shape[1] != numel) fail(fmt::format("W has shape {}; expected [out, {}]", shape_str(W.shape), numel));
      L.out = W.shape[0];
      L.in = W.shape[1];
      L.w = W.data;
      shape[n.output(0)] = {L.out};
    } else {
      if (in_shape.size() != 3) fail(fmt::format("input shape {} is not [C,H,W]", shape_str(in_shape)));
      if (W.shape.size() != 4 || W.shape[2] != W.shape[3] || W.shape[1] != in_shape[0]) fail(fmt::format("W has shape {}; expected [out, {}, k, k]", shape_str(W.shape), in_shape[0]));
      if (const auto* a = attr(n, "group"); a && a->i() != 1) fail("grouped TTFS convolutions are not supported");
      L.in_c = in_shape[0];
      L.in_h = in_shape[1];
      L.in_w = in_shape[2];
      L.kernel = W.shape[2];
      if (const auto* a = attr(n, "strides"); a && a->ints_size()) L.stride = a->ints(0);
      if (const auto* a = attr(n, "pads"); a && a->ints_size()) L.pad = a->ints(0);
      if (L.stride < 1 || L.pad < 0 || L.pad >= L.kernel) fail("strides must be >= 1 and pads smaller than the kernel");
      L.out = W.shape[0];
      L.in = L.in_c * L.kernel * L.kernel;
      L.out_h = (L.in_h + 2 * L.pad - L.kernel) / L.stride + 1;
      L.out_w = (L.in_w + 2 * L.pad - L.kernel) / L.stride + 1;
      if (L.out_h < 1 || L.out_w < 1) fail("the output would be empty");
      L.w = W.data;
      shape[n.output(0)] = {L.out, L.out_h, L.out_w};
    }
    if (n.input_size() > 2 && !n.input(2).empty()) {
      if (!consts.count(n.input(2))) fail("the bias b (input 2) must be a constant");
      const Tensor& b = consts.at(n.input(2));
      if (b.numel() != L.out) fail(fmt::format("b holds {} values; expected {}", b.numel(), L.out));
      L.bias = b.data;
    }
    auto fattr = [&](const char* k, double def) {
      const auto* a = attr(n, k);
      return a ? double(a->f()) : def;
    };
    if (const auto* a = attr(n, "e_rev"); a) {
      L.e_pos = std::fabs(a->f());
      L.e_neg = -std::fabs(a->f());
    }
    L.e_pos = fattr("e_rev_pos", L.e_pos);
    L.e_neg = fattr("e_rev_neg", L.e_neg);
    L.threshold = fattr("threshold", 1.0);
    L.ramp.slope = fattr("ramp", 1.0);
    if (!(L.e_pos > 0) || !(L.e_neg < 0)) fail(fmt::format("e_rev_pos must be > 0 and e_rev_neg < 0 (got {}, {})", L.e_pos, L.e_neg));
    if (!(L.threshold > 0) || !std::isfinite(L.threshold)) fail("threshold must be a positive number");
    if (!(L.ramp.slope > 0) || !std::isfinite(L.ramp.slope)) fail("ramp must be a positive number");
    net.output_name = n.output(0);
    head = net.output_name;
    net.layers.push_back(std::move(L));
  }
  if (net.layers.empty()) throw InputError(fmt::format("{}: no TTFS layer", where));
  if (g.output_size() != 1 || g.output(0).name() != net.output_name) {
    throw InputError(fmt::format("{}: the graph output must be the last TTFS layer's output", where));
  }
  net.output_shape = shape.at(net.output_name);
  return net;
}

}  // namespace cimsim
