// The layer IR: a network is data. It is a list of steps in topological order over typed values.
// Macro layers (dense, 1x1 conv, 3x3 conv, depthwise 3x3 conv) compute integer dot products on
// CIM macros, with their epilogue (bias, BatchNormalization, optionally a binarizing step) folded
// in; digital steps (add, channel gating, pooling, activations) run in the digital periphery.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workloads/bits.hpp"

namespace cimsim {

// How a stored or applied bit maps to a value: {0,1} as is, or +-1 as 2b-1 (the offset is
// corrected digitally so that zeros exist to gate).
enum class BitCode { Unsigned01, Signed };
const char* to_string(BitCode c);

// What a value holds, which decides whether a macro layer can take it as input.
enum class ValueKind {
  Bits,   // one bit per element, code Unsigned01 or Signed
  UInt,   // unsigned fixed point: integer in [0, 2^bits) times `scale` (applied bit-serially)
  Real,   // any real number: only digital steps take it
};

struct ValueInfo {
  std::string name;            // ONNX tensor name
  std::vector<int64_t> shape;  // per sample, without the batch dimension
  ValueKind kind = ValueKind::Real;
  BitCode code = BitCode::Unsigned01;  // Bits
  int64_t bits = 1;                    // UInt: bit planes
  double scale = 1.0;                  // UInt: value = integer x scale + offset
  double offset = 0.0;                 // UInt: the mean of +-1 bits is k x 2/n - 1
  // Bits per element as held in a buffer when the value's kind does not say (0: from the kind;
  // e.g. 8 for image pixels that only digital steps read).
  int64_t storage_bits = 0;
  int64_t numel() const;
  static ValueInfo make(std::string name, std::vector<int64_t> shape, ValueKind kind,
                        BitCode code = BitCode::Unsigned01, int64_t bits = 1, double scale = 1.0) {
    ValueInfo v;
    v.name = std::move(name);
    v.shape = std::move(shape);
    v.kind = kind;
    v.code = code;
    v.bits = bits;
    v.scale = scale;
    return v;
  }
};

// Conv3x3 and Depthwise3x3 name every kernel but 1x1 (kxk, 1xk, kx1, dilated): the layer's
// kernel fields say which; a 3x3 macro takes the square, undilated 3x3 ones.
enum class LayerKind { Dense, Conv1x1, Conv3x3, Depthwise3x3 };
const char* to_string(LayerKind k);
struct LayerSpec;
// The layer's kind with its kernel, as reports name it: dense, conv1x1, conv3x3, conv7x7,
// conv1x3, dwconv5x5, conv3x3d2 (dilation 2).
std::string kind_name(const LayerSpec& L);

// A layer computed on macros. Weight index k of output channel n follows ONNX's layout
// [N][C/groups][kh][kw]; dense layers are 1x1 convolutions over a 1x1 image of K channels.
struct LayerSpec {
  std::string name;     // ONNX node name
  std::string op_type;  // Gemm, MatMul or Conv
  LayerKind kind = LayerKind::Dense;
  int64_t in_channels = 0, out_channels = 0, groups = 1;
  int64_t kernel = 1, stride = 1, pad = 0;  // kernel height; padding top and bottom
  int64_t kernel_w = 0;  // kernel width (0: square, = kernel)
  int64_t pad_w = -1;    // padding left and right (-1: = pad)
  int64_t dilation = 1;  // spacing of the taps, both axes
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;
  int input = -1, output = -1;  // value ids

  // Input as the macro sees it: bits (one plane) or an unsigned integer (bits planes).
  ValueKind in_kind = ValueKind::Bits;
  BitCode in_code = BitCode::Unsigned01;
  int64_t in_bits = 1;

  // Integer weight levels: +-1 (Signed, one column per channel), {0,1} (Unsigned01, one
  // column), or two's complement with w_bits >= 2 (bit-sliced over w_bits columns).
  BitCode w_code = BitCode::Signed;
  int64_t w_bits = 1;
  std::vector<int8_t> weights;  // [N][k_per_out]

  // Epilogue: y = scale[n] * s + bias[n] with s the integer dot product of weight and input
  // levels (the input's fixed-point scale is folded into `scale`).
  std::vector<double> scale, bias;
  // A binarized layer outputs bits: bit = dir > 0 ? s >= thr : s <= thr (dir == 0: constant thr).
  bool binarized = false;
  BitCode out_code = BitCode::Unsigned01;
  std::vector<int64_t> thr;
  std::vector<int8_t> dir;

  int64_t kw() const { return kernel_w > 0 ? kernel_w : kernel; }
  int64_t pw() const { return pad_w >= 0 ? pad_w : pad; }
  int64_t taps() const { return kernel * kw(); }
  // Offsets of tap t (row-major over the kernel) from the window's corner.
  int64_t tap_y(int64_t t) const { return t / kw() * dilation; }
  int64_t tap_x(int64_t t) const { return t % kw() * dilation; }
  bool depthwise() const { return kind == LayerKind::Depthwise3x3; }
  // Calls f(k, i) for every tap of output (n, oy, ox) inside the image ([C][H][W], zero padding
  // skipped): k the weight's index in n's row, i the input element's index.
  template <class F>
  void for_each_tap(int64_t n, int64_t oy, int64_t ox, F f) const {
    const int64_t Cg = in_channels / groups, Ng = out_channels / groups, T = taps();
    for (int64_t cl = 0; cl < Cg; ++cl)
      for (int64_t t = 0; t < T; ++t) {
        const int64_t iy = oy * stride - pad + tap_y(t), ix = ox * stride - pw() + tap_x(t);
        if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
        f(cl * T + t, ((n / Ng * Cg + cl) * in_h + iy) * in_w + ix);
      }
  }
  int64_t k_per_out() const { return in_channels / groups * taps(); }
  int64_t out_pixels() const { return out_h * out_w; }
  int64_t macs_per_sample() const { return out_pixels() * out_channels * k_per_out(); }
  int weight(int64_t n, int64_t k) const { return weights[std::size_t(n * k_per_out() + k)]; }
  // Stored bit of slice j (Signed/Unsigned01: j = 0; two's complement slices otherwise).
  bool weight_bit(int64_t n, int64_t k, int64_t j) const {
    const int w = weight(n, k);
    if (w_code == BitCode::Signed) return w > 0;
    if (w_bits == 1) return w != 0;
    return ((static_cast<unsigned>(w) & ((1u << w_bits) - 1)) >> j) & 1u;
  }
  // Column weight of slice j in the dot product: 1, or two's complement 2^j / -2^(b-1).
  int64_t slice_coef(int64_t j) const;
  int64_t slices() const { return w_code == BitCode::Signed ? 1 : w_bits; }
  // Does output channel n need its dot product (false: pruned / constant output)?
  bool column_needed(int64_t n) const { return scale[std::size_t(n)] != 0.0 && !(binarized && dir[std::size_t(n)] == 0); }
  bool output_bit(int64_t n, int64_t s) const;
  double output_value(int64_t n, int64_t s) const { return scale[std::size_t(n)] * double(s) + bias[std::size_t(n)]; }
};

// Steps of the digital periphery.
enum class DigitalOp {
  Binarize,       // x >= thr (strict: >) -> {0,1} (pm1: +-1 bits); or Sign -> +-1 bits
  Add,            // elementwise, with broadcasting of per-channel constants
  Mul,            // elementwise, broadcasting [C,1,1] over [C,H,W] (channel gating)
  Affine,         // y = a[c] * x + b[c] (BatchNormalization, Add/Mul/Sub/Div by constants)
  MaxPool,
  AvgPool,        // kernel/stride window mean (global: kernel = whole image)
  Relu,
  Sigmoid,
  Reshape,        // flatten, squeeze, unsqueeze: same data, new shape
  Clip,           // min(max(x, alpha), beta) (Hardtanh, ReLU6)
  LeakyRelu,      // x < 0: alpha x
  PRelu,          // x < 0: a[c] x (slope per channel; a shared slope repeated)
  HardSigmoid,    // max(0, min(1, alpha x + beta))
  Softmax,        // over the last axis; `log`: LogSoftmax
  Sub,            // elementwise difference of two tensors, broadcast as Add
  Expand,         // broadcast to a larger shape (axes of size 1 repeated)
  Concat,         // along per-sample axis `axis` (0 = channels)
  Slice,          // per axis: start, step, output size (`starts`, `steps`, the output shape)
  Transpose,      // per-sample axes permuted by `perm`
  Pad,            // `pads` (begins, then ends, per axis); mode constant (`alpha`), reflect or edge
  Mac,            // a dense or convolution layer with real weights or inputs, on the digital MAC unit
  Max,            // elementwise maximum of two tensors, broadcast as Add ({0,1} bits: OR)
  Min,            // elementwise minimum of two tensors ({0,1} bits: AND)
  Reduce,         // mean / max / min / sum over per-sample `axes` (kept as size 1)
};
const char* to_string(DigitalOp op);

struct DigitalStep {
  DigitalOp op;
  std::string name;  // ONNX node name
  std::vector<int> inputs;
  int output = -1;
  std::vector<double> a, b;    // Affine per channel; Add/Mul per-channel constant in `a` when one input
  double threshold = 0;        // Binarize
  bool pm1 = false;            // Binarize: +1 / -1 (Signed bits) instead of 1 / 0
  std::vector<int64_t> pads;   // Pad; pools: top, left, bottom, right
  std::vector<int64_t> perm, starts, steps;  // Transpose; Slice
  int64_t axis = 0;            // Concat
  enum class PadMode { Constant, Reflect, Edge } pad_mode = PadMode::Constant;
  bool count_pad = true;       // AvgPool: padded cells count in the divisor (count_include_pad)
  bool ceil = false;           // pools: ceil_mode output size
  enum class ReduceKind { Mean, Max, Min, Sum } reduce = ReduceKind::Mean;
  std::vector<int64_t> axes;   // Reduce: per-sample axes
  LayerSpec layer;             // Mac: the layer's geometry and bias (its integer weights unused)
  std::vector<double> weights; // Mac: real weights [N][k_per_out], ONNX layout
  double alpha = 0, beta = 0;  // Clip (min, max), LeakyRelu (alpha), HardSigmoid (alpha, beta)
  bool log = false;            // Softmax: LogSoftmax
  bool strict = false, sign = false;
  int64_t kernel = 1, stride = 1;  // pools: window height (0: global) and stride
  int64_t kernel_w = 0;            // pools: window width (0: = kernel)
};

struct Step {
  bool macro = false;
  int index = 0;  // into Network::layers or Network::digital
};

struct Network {
  std::string source;
  std::vector<ValueInfo> values;
  std::vector<LayerSpec> layers;
  std::vector<DigitalStep> digital;
  std::vector<Step> steps;  // execution order
  int input = -1, output = -1;
  // A batch size the export traced into a Reshape (x.data.size(), a constant): the graph holds
  // only for batches of exactly that many samples, which the sample files must have (0: none).
  int64_t traced_batch = 0;
  std::string traced_node;

  const ValueInfo& in() const { return values[std::size_t(input)]; }
  const ValueInfo& out() const { return values[std::size_t(output)]; }
  int64_t input_numel() const { return in().numel(); }
  int64_t output_numel() const { return out().numel(); }
  std::vector<int64_t> output_shape() const { return out().shape; }
};

// Digital offset correction: the dot product of the value codes over `rows` driven rows, from
// the AND popcount p, the input bits set and the stored bits set (on the driven rows).
// With w = 2w'-1 and x = 2b-1: sum w x = 4p - 2 sum w' - 2 sum b + rows.
inline int64_t signed_dot(BitCode w, BitCode in, int64_t p, int64_t input_ones, int64_t weight_ones,
                          int64_t rows) {
  if (w == BitCode::Signed && in == BitCode::Signed) return 4 * p - 2 * weight_ones - 2 * input_ones + rows;
  if (w == BitCode::Signed) return 2 * p - input_ones;    // sum (2w'-1) b
  if (in == BitCode::Signed) return 2 * p - weight_ones;  // sum w' (2b-1)
  return p;
}

// Value of bit b under code c.
inline int bit_value(BitCode c, bool b) { return c == BitCode::Signed ? (b ? 1 : -1) : (b ? 1 : 0); }

// Decides how the network input is applied from the samples' values: {0,1} or {-1,+1} bits, or
// unsigned fixed point (multiples of 1/255, as image pixels, or non-negative integers); throws
// InputError otherwise. Propagates the decision to the layers that read the input.
void resolve_input(Network& net, const std::vector<double>& all_inputs, const std::string& where);


}  // namespace cimsim
