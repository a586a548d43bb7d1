#include "workloads/network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "workloads/errors.hpp"

namespace cimsim {

const char* to_string(BitCode c) { return c == BitCode::Signed ? "pm1" : "01"; }

const char* to_string(LayerKind k) {
  switch (k) {
    case LayerKind::Dense: return "dense";
    case LayerKind::Conv1x1: return "conv1x1";
    case LayerKind::Conv3x3: return "conv3x3";
    case LayerKind::Depthwise3x3: return "dwconv3x3";
  }
  return "?";
}

std::string kind_name(const LayerSpec& L) {
  if (L.kind == LayerKind::Dense) return "dense";
  std::string s = fmt::format("{}{}x{}", L.depthwise() ? "dwconv" : "conv", L.kernel, L.kw());
  if (L.dilation > 1) s += fmt::format("d{}", L.dilation);
  return s;
}

const char* to_string(DigitalOp op) {
  switch (op) {
    case DigitalOp::Binarize: return "binarize";
    case DigitalOp::Add: return "add";
    case DigitalOp::Mul: return "mul";
    case DigitalOp::Affine: return "affine";
    case DigitalOp::MaxPool: return "maxpool";
    case DigitalOp::AvgPool: return "avgpool";
    case DigitalOp::Relu: return "relu";
    case DigitalOp::Sigmoid: return "sigmoid";
    case DigitalOp::Reshape: return "reshape";
    case DigitalOp::Clip: return "clip";
    case DigitalOp::LeakyRelu: return "leaky_relu";
    case DigitalOp::PRelu: return "prelu";
    case DigitalOp::HardSigmoid: return "hard_sigmoid";
    case DigitalOp::Softmax: return "softmax";
    case DigitalOp::Sub: return "sub";
    case DigitalOp::Expand: return "expand";
    case DigitalOp::Concat: return "concat";
    case DigitalOp::Slice: return "slice";
    case DigitalOp::Transpose: return "transpose";
    case DigitalOp::Pad: return "pad";
    case DigitalOp::Mac: return "mac";
    case DigitalOp::Max: return "max";
    case DigitalOp::Min: return "min";
    case DigitalOp::Reduce: return "reduce";
  }
  return "?";
}

int64_t ValueInfo::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

int64_t LayerSpec::slice_coef(int64_t j) const {
  if (w_code == BitCode::Signed || w_bits == 1) return 1;
  return j == w_bits - 1 ? -(int64_t{1} << j) : (int64_t{1} << j);
}

bool LayerSpec::output_bit(int64_t n, int64_t s) const {
  if (dir[std::size_t(n)] > 0) return s >= thr[std::size_t(n)];
  if (dir[std::size_t(n)] < 0) return s <= thr[std::size_t(n)];
  return thr[std::size_t(n)] != 0;
}

void resolve_input(Network& net, const std::vector<double>& all, const std::string& where) {
  ValueInfo& in = net.values[std::size_t(net.input)];
  // The input and its reshapes, slices and transposes (a Flatten in front of a dense layer, the
  // channel slices of a grouped convolution) carry the raw values.
  std::vector<int> views = {net.input};
  for (const Step& st : net.steps) {
    if (st.macro) continue;
    const DigitalStep& d = net.digital[std::size_t(st.index)];
    const bool layout = d.op == DigitalOp::Reshape || d.op == DigitalOp::Slice || d.op == DigitalOp::Transpose;
    if (layout && std::find(views.begin(), views.end(), d.inputs[0]) != views.end())
      views.push_back(d.output);
  }
  auto is_view = [&](int v) { return std::find(views.begin(), views.end(), v) != views.end(); };
  bool feeds_macro = false;
  for (const auto& L : net.layers) feeds_macro |= is_view(L.input);
  bool bin01 = true, pm1 = true, px = true, ints = true;
  double maxv = 0;
  for (double v : all) {
    bin01 &= v == 0.0 || v == 1.0;
    pm1 &= v == -1.0 || v == 1.0;
    const double k = v * 255.0;
    px &= v >= 0 && v <= 1.0 && std::fabs(k - std::round(k)) < 1e-3;
    ints &= v >= 0 && v == std::round(v) && v < 65536;
    maxv = std::max(maxv, v);
  }
  if (!feeds_macro) {  // the graph binarizes or pools the input first: it stays real, stored at its data's width
    int64_t b = 1;
    while (ints && (int64_t{1} << b) <= int64_t(maxv)) ++b;
    const int64_t width = bin01 || pm1 ? 1 : ints ? b : px ? 8 : 0;
    for (int v : views) net.values[std::size_t(v)].storage_bits = width;
    return;
  }
  if (bin01) {
    in.kind = ValueKind::Bits;
    in.code = BitCode::Unsigned01;
  } else if (pm1) {
    in.kind = ValueKind::Bits;
    in.code = BitCode::Signed;
  } else if (ints || px) {
    in.kind = ValueKind::UInt;
    in.scale = ints ? 1.0 : 1.0 / 255.0;
    int64_t b = 1;
    const int64_t top = ints ? int64_t(maxv) : 255;
    while ((int64_t{1} << b) <= top) ++b;
    in.bits = ints ? b : 8;
  } else {
    throw InputError(fmt::format(
        "{}: the values of input '{}' are neither binary ({{0,1}} or {{-1,+1}}) nor unsigned fixed "
        "point (multiples of 1/255 in [0, 1], or non-negative integers); the first layer reads them "
        "directly, so quantize or binarize them in the graph", where, in.name));
  }
  for (int v : views) {
    ValueInfo& vi = net.values[std::size_t(v)];
    vi.kind = in.kind;
    vi.code = in.code;
    vi.bits = in.bits;
    vi.scale = in.scale;
  }
  for (auto& L : net.layers) {
    if (!is_view(L.input)) continue;
    L.in_kind = in.kind;
    L.in_code = in.code;
    L.in_bits = in.kind == ValueKind::UInt ? in.bits : 1;
    if (in.kind == ValueKind::UInt)
      for (auto& s : L.scale) s *= in.scale;
  }
}

}  // namespace cimsim
