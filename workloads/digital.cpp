#include "workloads/digital.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "workloads/errors.hpp"

namespace cimsim {

namespace {

// Index of the channel of element i of a tensor of `shape` (channel = first dimension).
inline std::size_t channel_of(const std::vector<int64_t>& shape, std::size_t i) {
  int64_t inner = 1;
  for (std::size_t d = 1; d < shape.size(); ++d) inner *= shape[d];
  return std::size_t(int64_t(i) / inner);
}

// Elementwise binary op with ONNX broadcasting of two per-sample tensors of the same rank:
// along each axis a dimension is the output's or 1 (repeated); the importer refuses the rest.
template <class F>
std::vector<double> broadcast(const ValueInfo& out, const ValueInfo& xs, const std::vector<double>& x,
                              const ValueInfo& ys, const std::vector<double>& y, F f) {
  std::vector<double> r(std::size_t(out.numel()));
  if (xs.shape == out.shape && ys.shape == out.shape) {
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = f(x[i], y[i]);
    return r;
  }
  // Strides of x and y along the output's axes (0 where broadcast).
  const std::size_t rank = out.shape.size();
  std::vector<int64_t> sx(rank, 0), sy(rank, 0);
  int64_t kx = 1, ky = 1;
  for (std::size_t d = rank; d-- > 0;) {
    if (xs.shape[d] != 1) sx[d] = kx;
    if (ys.shape[d] != 1) sy[d] = ky;
    kx *= xs.shape[d];
    ky *= ys.shape[d];
  }
  std::vector<int64_t> idx(rank, 0);
  int64_t ix = 0, iy = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    r[i] = f(x[std::size_t(ix)], y[std::size_t(iy)]);
    for (std::size_t d = rank; d-- > 0;) {  // next output index, last axis fastest
      ix += sx[d];
      iy += sy[d];
      if (++idx[d] < out.shape[d]) break;
      ix -= sx[d] * out.shape[d];
      iy -= sy[d] * out.shape[d];
      idx[d] = 0;
    }
  }
  return r;
}

// Pooling windows over the zero-padded image (pads: top, left, bottom, right); cells of the
// padding are left out of a max and, unless count_pad, of a mean's divisor. A window that ceil
// mode lets run past the padding counts only the padded image's cells (PyTorch's rule).
std::vector<double> pool(const ValueInfo& in, const ValueInfo& out, const std::vector<double>& x, const DigitalStep& s,
                         bool max) {
  // [C,H,W], or [C,W] (1-D pooling) as one row.
  const bool one_d = in.shape.size() == 2;
  const int64_t C = in.shape[0], H = one_d ? 1 : in.shape[1], W = in.shape.back();
  const int64_t Ho = one_d ? 1 : out.shape[1], Wo = out.shape.back();
  const int64_t kh = s.kernel > 0 ? s.kernel : H, kw = s.kernel > 0 ? (s.kernel_w > 0 ? s.kernel_w : s.kernel) : W;
  const int64_t sh = s.kernel > 0 ? s.stride : H, sw = s.kernel > 0 ? s.stride : W;
  const bool padded = s.pads.size() == 4;
  const int64_t pt = padded ? s.pads[0] : 0, pl = padded ? s.pads[1] : 0;
  const int64_t pb = padded ? s.pads[2] : 0, pr = padded ? s.pads[3] : 0;
  std::vector<double> r(std::size_t(C * Ho * Wo));
  for (int64_t c = 0; c < C; ++c)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        const int64_t y0 = oy * sh - pt, x0 = ox * sw - pl;
        const int64_t y1 = std::min(y0 + kh, H + pb), x1 = std::min(x0 + kw, W + pr);
        double acc = max ? -INFINITY : 0.0;
        int64_t cells = 0;
        for (int64_t y = std::max<int64_t>(y0, 0); y < std::min(y1, H); ++y)
          for (int64_t xx = std::max<int64_t>(x0, 0); xx < std::min(x1, W); ++xx) {
            const double v = x[std::size_t((c * H + y) * W + xx)];
            acc = max ? std::max(acc, v) : acc + v;
            ++cells;
          }
        const int64_t divisor = s.count_pad ? (y1 - y0) * (x1 - x0) : cells;
        r[std::size_t((c * Ho + oy) * Wo + ox)] = max ? acc : acc / double(divisor);
      }
  return r;
}

// Per-sample strides of `shape` (row-major).
std::vector<int64_t> strides_of(const std::vector<int64_t>& shape) {
  std::vector<int64_t> st(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) st[d - 1] = st[d] * shape[d];
  return st;
}

// Calls f(i, idx) for every element i of `shape` with its multi-index idx.
template <class F>
void for_index(const std::vector<int64_t>& shape, F f) {
  std::vector<int64_t> idx(shape.size(), 0);
  int64_t n = 1;
  for (auto d : shape) n *= d;
  for (int64_t i = 0; i < n; ++i) {
    f(std::size_t(i), idx);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

std::vector<double> run_digital(const Network& net, const DigitalStep& s,
                                const std::vector<const std::vector<double>*>& in) {
  const ValueInfo& out = net.values[std::size_t(s.output)];
  const std::vector<double>& x = *in[0];
  std::vector<double> r;
  switch (s.op) {
    case DigitalOp::Binarize:
      r.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (s.sign) {
          if (x[i] == 0.0) {
            throw InputError(fmt::format("node '{}' (Sign): element {} is exactly 0, which a binary "
                                         "activation cannot hold", s.name, i));
          }
          r[i] = x[i] > 0 ? 1.0 : -1.0;
        } else {
          r[i] = (s.strict ? x[i] > s.threshold : x[i] >= s.threshold) ? 1.0 : (s.pm1 ? -1.0 : 0.0);
        }
      }
      return r;
    case DigitalOp::Add:
      return broadcast(out, net.values[std::size_t(s.inputs[0])], x, net.values[std::size_t(s.inputs[1])], *in[1],
                       [](double a, double b) { return a + b; });
    case DigitalOp::Mul:
      return broadcast(out, net.values[std::size_t(s.inputs[0])], x, net.values[std::size_t(s.inputs[1])], *in[1],
                       [](double a, double b) { return a * b; });
    case DigitalOp::Sub:
      return broadcast(out, net.values[std::size_t(s.inputs[0])], x, net.values[std::size_t(s.inputs[1])], *in[1],
                       [](double a, double b) { return a - b; });
    case DigitalOp::Max:
      return broadcast(out, net.values[std::size_t(s.inputs[0])], x, net.values[std::size_t(s.inputs[1])], *in[1],
                       [](double a, double b) { return std::max(a, b); });
    case DigitalOp::Min:
      return broadcast(out, net.values[std::size_t(s.inputs[0])], x, net.values[std::size_t(s.inputs[1])], *in[1],
                       [](double a, double b) { return std::min(a, b); });
    case DigitalOp::Reduce: {
      // Each input element adds into the output element with the reduced axes at 0.
      const ValueInfo& vi = net.values[std::size_t(s.inputs[0])];
      const auto ost = strides_of(out.shape);
      std::vector<bool> red(vi.shape.size(), false);
      for (auto a : s.axes) red[std::size_t(a)] = true;
      const bool mx = s.reduce == DigitalStep::ReduceKind::Max, mn = s.reduce == DigitalStep::ReduceKind::Min;
      r.assign(std::size_t(out.numel()), mx ? -INFINITY : mn ? INFINITY : 0.0);
      for_index(vi.shape, [&](std::size_t i, const std::vector<int64_t>& idx) {
        int64_t o = 0;
        for (std::size_t d = 0; d < idx.size(); ++d) o += red[d] ? 0 : idx[d] * ost[d];
        double& acc = r[std::size_t(o)];
        acc = mx ? std::max(acc, x[i]) : mn ? std::min(acc, x[i]) : acc + x[i];
      });
      if (s.reduce == DigitalStep::ReduceKind::Mean) {
        const double n = double(vi.numel()) / double(std::max<int64_t>(1, out.numel()));
        for (auto& v : r) v /= n;
      }
      return r;
    }
    case DigitalOp::Expand: {
      const ValueInfo& vi = net.values[std::size_t(s.inputs[0])];
      return broadcast(out, vi, x, vi, x, [](double a, double) { return a; });
    }
    case DigitalOp::Concat: {
      const std::size_t axis = std::size_t(s.axis);
      int64_t outer = 1, inner = 1;
      for (std::size_t d = 0; d < axis; ++d) outer *= out.shape[d];
      for (std::size_t d = axis + 1; d < out.shape.size(); ++d) inner *= out.shape[d];
      r.reserve(std::size_t(out.numel()));
      for (int64_t o = 0; o < outer; ++o)
        for (std::size_t k = 0; k < in.size(); ++k) {
          const int64_t blk = net.values[std::size_t(s.inputs[k])].shape[axis] * inner;
          r.insert(r.end(), in[k]->begin() + o * blk, in[k]->begin() + (o + 1) * blk);
        }
      return r;
    }
    case DigitalOp::Slice:
    case DigitalOp::Transpose:
    case DigitalOp::Pad: {
      const ValueInfo& vi = net.values[std::size_t(s.inputs[0])];
      const auto st = strides_of(vi.shape);
      const std::size_t rank = vi.shape.size();
      r.resize(std::size_t(out.numel()));
      for_index(out.shape, [&](std::size_t i, const std::vector<int64_t>& idx) {
        int64_t off = 0;
        for (std::size_t d = 0; d < rank; ++d) {
          if (s.op == DigitalOp::Slice) {
            off += (s.starts[d] + idx[d] * s.steps[d]) * st[d];
          } else if (s.op == DigitalOp::Transpose) {
            off += idx[d] * st[std::size_t(s.perm[d])];
          } else {
            const int64_t n = vi.shape[d];
            int64_t j = idx[d] - s.pads[d];
            if (j < 0 || j >= n) {
              if (s.pad_mode == DigitalStep::PadMode::Constant) {
                off = -1;
                break;
              }
              if (s.pad_mode == DigitalStep::PadMode::Edge) j = std::clamp<int64_t>(j, 0, n - 1);
              else j = j < 0 ? -j : 2 * (n - 1) - j;  // reflect (the importer keeps pads below n)
            }
            off += j * st[d];
          }
        }
        r[i] = off < 0 ? s.alpha : x[std::size_t(off)];
      });
      return r;
    }
    case DigitalOp::Mac: {
      // y[n] = bias[n] + sum over the group's channels and the kernel taps of w x x (zero padding).
      const LayerSpec& L = s.layer;
      const int64_t K = L.k_per_out();
      r.assign(std::size_t(L.out_channels * L.out_pixels()), 0.0);
      for (int64_t n = 0; n < L.out_channels; ++n)
        for (int64_t oy = 0; oy < L.out_h; ++oy)
          for (int64_t ox = 0; ox < L.out_w; ++ox) {
            double acc = L.bias[std::size_t(n)];
            L.for_each_tap(n, oy, ox, [&](int64_t k, int64_t i) { acc += s.weights[std::size_t(n * K + k)] * x[std::size_t(i)]; });
            r[std::size_t((n * L.out_h + oy) * L.out_w + ox)] = acc;
          }
      return r;
    }
    case DigitalOp::Affine:
      r.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        const std::size_t c = channel_of(out.shape, i);
        r[i] = s.a[c] * x[i] + s.b[c];
      }
      return r;
    case DigitalOp::MaxPool:
      return pool(net.values[std::size_t(s.inputs[0])], out, x, s, true);
    case DigitalOp::AvgPool:
      return pool(net.values[std::size_t(s.inputs[0])], out, x, s, false);
    case DigitalOp::Relu:
      r = x;
      for (auto& v : r) v = std::max(0.0, v);
      return r;
    case DigitalOp::Sigmoid:
      r = x;
      for (auto& v : r) v = 1.0 / (1.0 + std::exp(-v));
      return r;
    case DigitalOp::Reshape:
      return x;
    case DigitalOp::Clip:
      r = x;
      for (auto& v : r) v = std::min(std::max(v, s.alpha), s.beta);
      return r;
    case DigitalOp::LeakyRelu:
      r = x;
      for (auto& v : r) v = v < 0 ? s.alpha * v : v;
      return r;
    case DigitalOp::PRelu:
      r.resize(x.size());
      for (std::size_t i = 0; i < x.size(); ++i) r[i] = x[i] < 0 ? s.a[channel_of(out.shape, i)] * x[i] : x[i];
      return r;
    case DigitalOp::HardSigmoid:
      r = x;
      for (auto& v : r) v = std::max(0.0, std::min(1.0, s.alpha * v + s.beta));
      return r;
    case DigitalOp::Softmax: {
      // Over the last axis, with the maximum subtracted first (the usual stable form).
      r.resize(x.size());
      const std::size_t k = std::size_t(out.shape.empty() ? 1 : out.shape.back());
      for (std::size_t o = 0; o + k <= x.size(); o += k) {
        const double mx = *std::max_element(x.begin() + std::ptrdiff_t(o), x.begin() + std::ptrdiff_t(o + k));
        double sum = 0;
        for (std::size_t i = o; i < o + k; ++i) sum += std::exp(x[i] - mx);
        for (std::size_t i = o; i < o + k; ++i) r[i] = s.log ? x[i] - mx - std::log(sum) : std::exp(x[i] - mx) / sum;
      }
      return r;
    }
  }
  return r;
}

uint64_t digital_ops(const Network& net, const DigitalStep& s) {
  const uint64_t n_out = uint64_t(net.values[std::size_t(s.output)].numel());
  switch (s.op) {
    case DigitalOp::Reshape: return 0;
    case DigitalOp::Mac: return uint64_t(s.layer.macs_per_sample());
    case DigitalOp::Reduce: return uint64_t(net.values[std::size_t(s.inputs[0])].numel());
    case DigitalOp::MaxPool:
    case DigitalOp::AvgPool: return uint64_t(net.values[std::size_t(s.inputs[0])].numel());
    default: return n_out;
  }
}

namespace {

// Reachable range of the integer dot product of output channel n.
std::pair<int64_t, int64_t> dot_range(const LayerSpec& L, int64_t n) {
  int64_t lo = 0, hi = 0;
  const int64_t xmax = L.in_kind == ValueKind::UInt ? (int64_t{1} << L.in_bits) - 1 : 1;
  const int64_t xmin = L.in_kind == ValueKind::Bits && L.in_code == BitCode::Signed ? -1 : 0;
  for (int64_t k = 0; k < L.k_per_out(); ++k) {
    const int64_t w = L.weight(n, k);
    lo += std::min(w * xmin, w * xmax);
    hi += std::max(w * xmin, w * xmax);
  }
  return {lo, hi};
}

void fold_threshold(LayerSpec& L, const DigitalStep& b) {
  const int64_t N = L.out_channels;
  L.binarized = true;
  L.out_code = b.sign || b.pm1 ? BitCode::Signed : BitCode::Unsigned01;
  const bool strict = b.sign || b.strict;
  const double cmp = b.sign ? 0.0 : b.threshold;
  L.thr.assign(std::size_t(N), 0);
  L.dir.assign(std::size_t(N), 0);
  for (int64_t c = 0; c < N; ++c) {
    const double a = L.scale[std::size_t(c)], bias = L.bias[std::size_t(c)];
    if (a == 0.0) {
      L.dir[std::size_t(c)] = 0;
      L.thr[std::size_t(c)] = strict ? (bias > cmp) : (bias >= cmp);
      continue;
    }
    const double big = 4.0 * double(L.k_per_out()) * double(int64_t{1} << std::min<int64_t>(L.in_bits + L.w_bits, 40)) + 4.0;
    const double t = std::clamp((cmp - bias) / a, -big, big);  // y == cmp at s == t
    const bool at_int = std::fabs(t - std::round(t)) <= 1e-9 * std::max(1.0, std::fabs(t));
    if (b.sign && at_int) {
      const auto [lo, hi] = dot_range(L, c);
      const int64_t s0 = std::llround(t);
      const bool parity_ok = !(L.w_code == BitCode::Signed && L.in_kind == ValueKind::Bits &&
                               L.in_code == BitCode::Signed) || ((s0 - L.k_per_out()) % 2 == 0);
      if (s0 >= lo && s0 <= hi && parity_ok) {
        throw InputError(fmt::format("node '{}' (Sign): output channel {} of layer '{}' is exactly 0 when "
                                     "the dot product is {}; Sign then gives 0, which a binary activation "
                                     "cannot hold (use a threshold that cannot be hit, e.g. x >= 0)",
                                     b.name, c, L.name, s0));
      }
    }
    if (a > 0) {  // y >= cmp  <=>  s >= t
      L.dir[std::size_t(c)] = 1;
      L.thr[std::size_t(c)] = at_int ? std::llround(t) + (strict ? 1 : 0) : int64_t(std::ceil(t));
    } else {      // y >= cmp  <=>  s <= t
      L.dir[std::size_t(c)] = -1;
      L.thr[std::size_t(c)] = at_int ? std::llround(t) - (strict ? 1 : 0) : int64_t(std::floor(t));
    }
  }
}

}  // namespace

void fuse_epilogues(Network& net) {
  std::map<int, int> uses;
  std::map<int, int> producer_step;  // value -> digital step index consuming it (last seen)
  for (const auto& st : net.steps) {
    if (st.macro) ++uses[net.layers[std::size_t(st.index)].input];
    else for (int v : net.digital[std::size_t(st.index)].inputs) ++uses[v];
  }
  ++uses[net.output];
  auto consumer = [&](int value) -> int {  // the digital step reading `value`, if it is the only use
    if (uses[value] != 1) return -1;
    for (std::size_t i = 0; i < net.steps.size(); ++i) {
      const Step& st = net.steps[i];
      if (!st.macro && net.digital[std::size_t(st.index)].inputs.size() == 1 &&
          net.digital[std::size_t(st.index)].inputs[0] == value)
        return int(i);
    }
    return -1;
  };
  for (auto& L : net.layers) {
    if (L.binarized) continue;
    for (;;) {
      const int si = consumer(L.output);
      if (si < 0) break;
      const DigitalStep& d = net.digital[std::size_t(net.steps[std::size_t(si)].index)];
      if (d.op == DigitalOp::Affine) {
        for (int64_t c = 0; c < L.out_channels; ++c) {
          L.scale[std::size_t(c)] *= d.a[std::size_t(c)];
          L.bias[std::size_t(c)] = d.a[std::size_t(c)] * L.bias[std::size_t(c)] + d.b[std::size_t(c)];
        }
      } else if (d.op == DigitalOp::Binarize) {
        fold_threshold(L, d);
      } else {
        break;
      }
      L.output = d.output;
      net.steps.erase(net.steps.begin() + si);
      if (L.binarized) break;
    }
    ValueInfo& v = net.values[std::size_t(L.output)];
    if (L.binarized) {
      v.kind = ValueKind::Bits;
      v.code = L.out_code;
    }
  }
}

void finalize_network(Network& net, const std::vector<double>& all_inputs, const std::string& where) {
  resolve_input(net, all_inputs, where);
  fuse_epilogues(net);
}

}  // namespace cimsim
