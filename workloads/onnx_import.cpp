#include "workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>

#include "workloads/errors.hpp"
#include "workloads/tensor.hpp"

namespace cimsim {
namespace {

// What a tensor of the graph holds while the chain is folded.
struct Value {
  enum class Kind { Raw, Bits, Bool, Accum, Const } kind = Kind::Raw;
  std::vector<int64_t> shape;  // per sample (no batch) except for Const
  BitCode code = BitCode::Unsigned01;
  int layer = -1;  // Bits/Bool: producing layer (-1: the input stage); Accum: its layer
  Tensor constant;
};

class Importer {
 public:
  explicit Importer(std::filesystem::path path) : m_path(std::move(path)) {}

  Network run() {
    onnx::ModelProto model;
    {
      std::ifstream f(m_path, std::ios::binary);
      if (!f) throw InputError(fmt::format("{}: cannot open ONNX model", m_path.string()));
      if (!model.ParseFromIstream(&f)) {
        throw InputError(fmt::format("{}: not a valid ONNX model (protobuf parse failed)",
                                     m_path.string()));
      }
    }
    const onnx::GraphProto& g = model.graph();
    m_net.source = m_path.string();
    for (const auto& init : g.initializer()) {
      Value v;
      v.kind = Value::Kind::Const;
      v.constant = tensor_from_proto(init, fmt::format("{}: initializer", m_path.string()));
      m_values[init.name()] = std::move(v);
    }
    read_input(g);
    if (g.output_size() != 1) {
      throw InputError(fmt::format("{}: the graph has {} outputs; exactly one is supported",
                                   m_path.string(), g.output_size()));
    }
    m_net.output_name = g.output(0).name();
    for (const auto& node : g.node())
      for (const auto& in : node.input()) ++m_uses[in];
    ++m_uses[m_net.output_name];

    for (int i = 0; i < g.node_size(); ++i) visit(g.node(i), i);
    finish();
    return std::move(m_net);
  }

 private:
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    throw InputError(fmt::format("{}: node '{}' ({}): {}", m_path.string(), node_name(n),
                                 n.op_type(), why));
  }
  std::string node_name(const onnx::NodeProto& n) const {
    return n.name().empty() ? fmt::format("{}_{}", n.op_type(), m_index) : n.name();
  }

  void read_input(const onnx::GraphProto& g) {
    int found = 0;
    for (const auto& in : g.input()) {
      if (m_values.count(in.name())) continue;  // initializer listed as an input
      ++found;
      m_net.input_name = in.name();
      const auto& tt = in.type().tensor_type();
      if (tt.elem_type() != onnx::TensorProto::FLOAT) {
        throw InputError(fmt::format("{}: graph input '{}' has element type {}; expected float",
                                     m_path.string(), in.name(), tt.elem_type()));
      }
      const auto& dims = tt.shape().dim();
      if (dims.size() < 2) {
        throw InputError(fmt::format("{}: graph input '{}' has rank {}; expected a batch "
                                     "dimension followed by the sample shape",
                                     m_path.string(), in.name(), dims.size()));
      }
      for (int d = 1; d < dims.size(); ++d) {
        if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0) {
          throw InputError(fmt::format("{}: graph input '{}' dimension {} is not a fixed positive "
                                       "size", m_path.string(), in.name(), d));
        }
        m_net.input_shape.push_back(dims[d].dim_value());
      }
    }
    if (found != 1) {
      throw InputError(fmt::format("{}: the graph has {} non-constant inputs; exactly one is "
                                   "supported", m_path.string(), found));
    }
    Value v;
    v.kind = Value::Kind::Raw;
    v.shape = m_net.input_shape;
    m_values[m_net.input_name] = v;
  }

  Value& get(const onnx::NodeProto& n, int i) {
    if (i >= n.input_size() || n.input(i).empty()) fail(n, fmt::format("missing input {}", i));
    auto it = m_values.find(n.input(i));
    if (it == m_values.end()) fail(n, fmt::format("input '{}' is not produced earlier in the graph", n.input(i)));
    return it->second;
  }
  const Tensor& get_const(const onnx::NodeProto& n, int i, const char* what) {
    Value& v = get(n, i);
    if (v.kind != Value::Kind::Const) fail(n, fmt::format("{} (input {}) must be a constant", what, i));
    return v.constant;
  }
  void put(const onnx::NodeProto& n, Value v) {
    if (n.output_size() < 1) fail(n, "node has no output");
    const std::string& out = n.output(0);
    if ((v.kind == Value::Kind::Accum || v.kind == Value::Kind::Bits) && m_uses[out] > 1) {
      fail(n, fmt::format("output '{}' is used {} times; only chains of layers are supported in "
                          "this version (no branches)", out, m_uses[out]));
    }
    m_values[out] = std::move(v);
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  static int64_t attr_i(const onnx::NodeProto& n, const std::string& name, int64_t def) {
    const auto* a = attr(n, name);
    return a ? a->i() : def;
  }
  static double attr_f(const onnx::NodeProto& n, const std::string& name, double def) {
    const auto* a = attr(n, name);
    return a ? a->f() : def;
  }
  static std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name) {
    const auto* a = attr(n, name);
    return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
  }

  void visit(const onnx::NodeProto& n, int index) {
    m_index = index;
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      fail(n, fmt::format("custom op domain '{}' is not supported", n.domain()));
    }
    const std::string& op = n.op_type();
    if (op == "Constant") return visit_constant(n);
    if (op == "Identity" || op == "Dropout") return put(n, get(n, 0));
    if (op == "Cast") return visit_cast(n);
    if (op == "Flatten" || op == "Reshape") return visit_flatten(n);
    if (op == "Gemm" || op == "MatMul" || op == "Conv") return visit_linear(n);
    if (op == "BatchNormalization") return visit_batchnorm(n);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return visit_arith(n);
    if (op == "GreaterOrEqual" || op == "Greater") return visit_compare(n);
    if (op == "Sign") return visit_sign(n);
    if (op == "Transpose") return visit_transpose(n);
    fail(n, "op type not supported by the binary 1x1/dense mapping of this version");
  }

  void visit_constant(const onnx::NodeProto& n) {
    const auto* a = attr(n, "value");
    if (!a || !a->has_t()) fail(n, "only the 'value' tensor form of Constant is supported");
    Value v;
    v.kind = Value::Kind::Const;
    v.constant = tensor_from_proto(a->t(), fmt::format("{}: node '{}'", m_path.string(), node_name(n)));
    put(n, std::move(v));
  }

  void visit_cast(const onnx::NodeProto& n) {
    Value v = get(n, 0);
    if (v.kind == Value::Kind::Bool) {
      v.kind = Value::Kind::Bits;
      v.code = BitCode::Unsigned01;
    } else if (v.kind == Value::Kind::Accum) {
      fail(n, "Cast of a pre-activation (only Cast of a comparison result is supported)");
    }
    put(n, std::move(v));
  }

  void visit_flatten(const onnx::NodeProto& n) {
    Value v = get(n, 0);
    if (v.kind == Value::Kind::Const) fail(n, "Flatten/Reshape of a constant is not supported");
    if (v.kind == Value::Kind::Accum) fail(n, "Flatten/Reshape of a pre-activation is not supported; binarize first");
    int64_t numel = 1;
    for (auto d : v.shape) numel *= d;
    if (n.op_type() == "Flatten") {
      if (attr_i(n, "axis", 1) != 1) fail(n, "only Flatten with axis=1 is supported");
    } else {
      const Tensor& s = get_const(n, 1, "shape");
      const bool ok = s.data.size() == 2 && (s.data[0] == 0 || s.data[0] == -1 || s.data[0] > 0) &&
                      (s.data[1] == -1 || s.data[1] == double(numel));
      if (!ok) fail(n, fmt::format("only Reshape to [batch, {}] (a flatten) is supported, got {}",
                                   numel, shape_str(std::vector<int64_t>(s.data.begin(), s.data.end()))));
    }
    v.shape = {numel};
    put(n, std::move(v));
  }

  void visit_transpose(const onnx::NodeProto& n) {
    const Tensor& t = get_const(n, 0, "data");
    auto perm = attr_ints(n, "perm");
    if (t.shape.size() != 2 || !(perm.empty() || perm == std::vector<int64_t>{1, 0})) {
      fail(n, "only Transpose of a constant matrix (perm [1,0]) is supported");
    }
    Value v;
    v.kind = Value::Kind::Const;
    v.constant.shape = {t.shape[1], t.shape[0]};
    v.constant.data.resize(t.data.size());
    for (int64_t r = 0; r < t.shape[0]; ++r)
      for (int64_t c = 0; c < t.shape[1]; ++c) v.constant.data[c * t.shape[0] + r] = t.data[r * t.shape[1] + c];
    put(n, std::move(v));
  }

  // Per output channel magnitude a_n and sign/presence bits of a [N][K] weight matrix.
  void decode_weights(const onnx::NodeProto& n, const std::vector<double>& w, LayerSpec& L) {
    const int64_t N = L.out_channels, K = L.in_channels;
    std::vector<double> mag(N, 0.0);
    bool all_signed = true, all_01 = true;
    int64_t bad_signed = -1, bad_01 = -1;
    for (int64_t c = 0; c < N; ++c) {
      const double* row = &w[c * K];
      double a = 0.0;
      for (int64_t k = 0; k < K; ++k) a = std::max(a, std::fabs(row[k]));
      mag[c] = a;
      bool s_ok = a > 0, z_ok = true;
      for (int64_t k = 0; k < K; ++k) {
        const double v = row[k];
        if (std::fabs(std::fabs(v) - a) > 1e-6 * a) s_ok = false;
        if (!(v == 0.0 || std::fabs(v - a) <= 1e-6 * a)) z_ok = false;
      }
      if (a == 0.0) s_ok = true;  // a pruned channel: constant output, its column is discarded
      if (!s_ok && bad_signed < 0) bad_signed = c;
      if (!z_ok && bad_01 < 0) bad_01 = c;
      all_signed &= s_ok;
      all_01 &= z_ok;
    }
    if (!all_signed && !all_01) {
      const int64_t c = bad_signed;
      std::vector<double> vals;
      for (int64_t k = 0; k < K && vals.size() < 4; ++k)
        if (std::find(vals.begin(), vals.end(), w[c * K + k]) == vals.end()) vals.push_back(w[c * K + k]);
      fail(n, fmt::format("weights of output channel {} take values {{{}{}}}; a binary macro needs "
                          "+-a or {{0, a}} per output channel (multi-bit and ternary weights come "
                          "with bit slicing)", c, fmt::join(vals, ", "), vals.size() >= 4 ? ", ..." : ""));
    }
    L.w_code = all_signed ? BitCode::Signed : BitCode::Unsigned01;
    L.weights.assign(N * K, 0);
    for (int64_t c = 0; c < N; ++c)
      for (int64_t k = 0; k < K; ++k) L.weights[c * K + k] = w[c * K + k] > 0 ? 1 : 0;
    L.scale = mag;
    L.bias.assign(N, 0.0);
  }

  void visit_linear(const onnx::NodeProto& n) {
    Value& x = get(n, 0);
    if (x.kind != Value::Kind::Bits && x.kind != Value::Kind::Raw) {
      fail(n, "input must be binary activations (the output of a binarizing step or the network input)");
    }
    const int prev = x.kind == Value::Kind::Raw ? -1 : x.layer;
    if (prev != int(m_net.layers.size()) - 1) fail(n, "layers must form a single chain");
    if (x.kind == Value::Kind::Raw) {
      if (!m_net.layers.empty()) fail(n, "raw network input used after the first layer");
      m_net.input.kind = InputStage::Kind::Direct;
    }
    LayerSpec L;
    L.name = node_name(n);
    L.op_type = n.op_type();
    L.in_code = x.kind == Value::Kind::Raw ? BitCode::Unsigned01 : x.code;
    const Tensor& W = get_const(n, 1, "weight");
    std::vector<double> w;  // [N][K]
    std::vector<int64_t> out_shape;
    std::vector<double> bias_in;
    if (n.op_type() == "Conv") {
      if (x.shape.size() != 3) fail(n, fmt::format("input shape {} is not [C,H,W]", shape_str(x.shape)));
      if (W.shape.size() != 4 || W.shape[2] != 1 || W.shape[3] != 1) {
        fail(n, fmt::format("weight shape {} is not a 1x1 kernel (3x3 convolutions come with the 3x3 macro)", shape_str(W.shape)));
      }
      if (attr_i(n, "group", 1) != 1) fail(n, "grouped/depthwise convolution is not supported yet");
      for (auto s : attr_ints(n, "strides")) if (s != 1) fail(n, "strides other than 1 are not supported for 1x1 convolutions");
      for (auto s : attr_ints(n, "pads")) if (s != 0) fail(n, "padding is not supported for 1x1 convolutions");
      for (auto s : attr_ints(n, "dilations")) if (s != 1) fail(n, "dilation is not supported");
      const auto* ap = attr(n, "auto_pad");
      if (ap && ap->s() != "NOTSET" && ap->s() != "VALID") fail(n, "auto_pad is not supported");
      if (W.shape[1] != x.shape[0]) fail(n, fmt::format("weight has {} input channels, input has {}", W.shape[1], x.shape[0]));
      L.kind = LayerKind::Conv1x1;
      L.out_channels = W.shape[0];
      L.in_channels = W.shape[1];
      L.height = x.shape[1];
      L.width = x.shape[2];
      w = W.data;
      out_shape = {L.out_channels, L.height, L.width};
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const Tensor& b = get_const(n, 2, "bias");
        if (b.numel() != L.out_channels) fail(n, "bias length differs from the output channels");
        bias_in = b.data;
      }
    } else {
      if (x.shape.size() != 1) fail(n, fmt::format("input shape {} is not a flat vector; add a Flatten", shape_str(x.shape)));
      if (W.shape.size() != 2) fail(n, fmt::format("weight shape {} is not a matrix", shape_str(W.shape)));
      const int64_t K = x.shape[0];
      bool trans_b = false;
      double alpha = 1.0, beta = 1.0;
      if (n.op_type() == "Gemm") {
        if (attr_i(n, "transA", 0) != 0) fail(n, "transA=1 is not supported");
        trans_b = attr_i(n, "transB", 0) != 0;
        alpha = attr_f(n, "alpha", 1.0);
        beta = attr_f(n, "beta", 1.0);
      }
      const int64_t wk = trans_b ? W.shape[1] : W.shape[0];
      const int64_t wn = trans_b ? W.shape[0] : W.shape[1];
      if (wk != K) fail(n, fmt::format("weight shape {} does not take {} inputs", shape_str(W.shape), K));
      L.kind = LayerKind::Dense;
      L.in_channels = K;
      L.out_channels = wn;
      w.resize(wn * K);
      for (int64_t c = 0; c < wn; ++c)
        for (int64_t k = 0; k < K; ++k) w[c * K + k] = alpha * (trans_b ? W.data[c * K + k] : W.data[k * wn + c]);
      out_shape = {wn};
      if (n.op_type() == "Gemm" && n.input_size() > 2 && !n.input(2).empty()) {
        const Tensor& b = get_const(n, 2, "C");
        if (b.numel() != 1 && b.numel() != wn) fail(n, "C must be a scalar or one value per output");
        bias_in.resize(wn);
        for (int64_t c = 0; c < wn; ++c) bias_in[c] = beta * b.data[b.numel() == 1 ? 0 : c];
      }
    }
    decode_weights(n, w, L);
    if (!bias_in.empty()) L.bias = bias_in;
    m_net.layers.push_back(std::move(L));
    Value out;
    out.kind = Value::Kind::Accum;
    out.shape = out_shape;
    out.layer = int(m_net.layers.size()) - 1;
    put(n, std::move(out));
  }

  // A constant broadcast against a per-sample tensor of `shape` must vary by channel only.
  std::vector<double> per_channel(const onnx::NodeProto& n, const Tensor& c, const std::vector<int64_t>& shape) {
    const int64_t N = shape[0];
    std::vector<double> out(N);
    if (c.numel() == 1) {
      std::fill(out.begin(), out.end(), c.data[0]);
      return out;
    }
    // Right-align the constant's shape with [batch] + shape; only the channel axis may exceed 1.
    std::vector<int64_t> full = {1};
    full.insert(full.end(), shape.begin(), shape.end());
    if (c.shape.size() > full.size()) fail(n, fmt::format("constant of shape {} has too many dimensions", shape_str(c.shape)));
    const size_t off = full.size() - c.shape.size();
    for (size_t i = 0; i < c.shape.size(); ++i) {
      const size_t axis = off + i;
      const bool channel_axis = axis == 1;
      if (c.shape[i] != 1 && !(channel_axis && c.shape[i] == N)) {
        fail(n, fmt::format("constant of shape {} does not broadcast per channel over {}", shape_str(c.shape), shape_str(shape)));
      }
    }
    if (c.numel() != N) fail(n, fmt::format("constant of shape {} is not per channel", shape_str(c.shape)));
    std::copy(c.data.begin(), c.data.end(), out.begin());
    return out;
  }

  Value& accum_input(const onnx::NodeProto& n, int i) {
    Value& v = get(n, i);
    if (v.kind != Value::Kind::Accum) fail(n, "expected the pre-activation of a linear layer here");
    if (m_net.layers[v.layer].binarized) fail(n, "layer already binarized");
    return v;
  }

  void visit_batchnorm(const onnx::NodeProto& n) {
    Value v = accum_input(n, 0);
    if (attr_i(n, "training_mode", 0) != 0) fail(n, "training_mode BatchNormalization cannot be folded");
    const double eps = attr_f(n, "epsilon", 1e-5);
    auto gamma = per_channel(n, get_const(n, 1, "scale"), v.shape);
    auto beta = per_channel(n, get_const(n, 2, "B"), v.shape);
    auto mean = per_channel(n, get_const(n, 3, "input_mean"), v.shape);
    auto var = per_channel(n, get_const(n, 4, "input_var"), v.shape);
    LayerSpec& L = m_net.layers[v.layer];
    for (int64_t c = 0; c < L.out_channels; ++c) {
      if (var[c] + eps <= 0) fail(n, fmt::format("variance + epsilon of channel {} is not positive", c));
      const double k = gamma[c] / std::sqrt(var[c] + eps);
      L.scale[c] *= k;
      L.bias[c] = (L.bias[c] - mean[c]) * k + beta[c];
    }
    put(n, std::move(v));
  }

  void visit_arith(const onnx::NodeProto& n) {
    const bool first_accum = get(n, 0).kind == Value::Kind::Accum;
    const int ai = first_accum ? 0 : 1;
    Value v = accum_input(n, ai);
    const std::string& op = n.op_type();
    if ((op == "Div") && ai != 0) fail(n, "division by a pre-activation is not supported");
    auto c = per_channel(n, get_const(n, 1 - ai, "constant operand"), v.shape);
    LayerSpec& L = m_net.layers[v.layer];
    for (int64_t i = 0; i < L.out_channels; ++i) {
      if (op == "Add") L.bias[i] += c[i];
      else if (op == "Sub" && ai == 0) L.bias[i] -= c[i];
      else if (op == "Sub") { L.scale[i] = -L.scale[i]; L.bias[i] = c[i] - L.bias[i]; }
      else if (op == "Mul") { L.scale[i] *= c[i]; L.bias[i] *= c[i]; }
      else {
        if (c[i] == 0) fail(n, fmt::format("division by zero in channel {}", i));
        L.scale[i] /= c[i]; L.bias[i] /= c[i];
      }
    }
    put(n, std::move(v));
  }

  // Reachable range of the integer dot product of channel c.
  static std::pair<int64_t, int64_t> dot_range(const LayerSpec& L, int64_t c) {
    const int64_t K = L.in_channels, ones = L.weight_ones(c);
    if (L.w_code == BitCode::Signed && L.in_code == BitCode::Signed) return {-K, K};
    if (L.w_code == BitCode::Signed) return {-(K - ones), ones};
    if (L.in_code == BitCode::Signed) return {-ones, ones};
    return {0, ones};
  }

  // Folds `y >= c` (strict: y > c) into integer thresholds on the dot product.
  void binarize(const onnx::NodeProto& n, LayerSpec& L, const std::vector<double>& cmp, bool strict,
                BitCode code, bool is_sign) {
    const int64_t N = L.out_channels;
    L.binarized = true;
    L.out_code = code;
    L.thr.assign(N, 0);
    L.dir.assign(N, 0);
    for (int64_t c = 0; c < N; ++c) {
      const double a = L.scale[c], b = L.bias[c];
      if (a == 0.0) {
        L.dir[c] = 0;
        L.thr[c] = strict ? (b > cmp[c]) : (b >= cmp[c]);
        continue;
      }
      const double t = (cmp[c] - b) / a;  // y == cmp at s == t
      const double big = 4.0 * double(L.in_channels) + 4.0;
      const double tc = std::clamp(t, -big, big);
      const bool at_int = std::fabs(tc - std::round(tc)) <= 1e-9 * std::max(1.0, std::fabs(tc));
      if (is_sign && at_int && std::fabs(tc) < big) {
        const auto [lo, hi] = dot_range(L, c);
        const int64_t s0 = int64_t(std::llround(tc));
        const bool parity_ok = !(L.w_code == BitCode::Signed && L.in_code == BitCode::Signed) ||
                               ((s0 - L.in_channels) % 2 == 0);
        if (s0 >= lo && s0 <= hi && parity_ok) {
          fail(n, fmt::format("output channel {} is exactly 0 when the dot product is {}; Sign then "
                              "gives 0, which a binary activation cannot hold (fold a threshold "
                              "that cannot be hit, e.g. x >= 0 instead of Sign)", c, s0));
        }
      }
      if (a > 0) {  // y >= cmp  <=>  s >= t
        L.dir[c] = 1;
        L.thr[c] = at_int ? std::llround(tc) + (strict ? 1 : 0) : int64_t(std::ceil(tc));
      } else {      // y >= cmp  <=>  s <= t
        L.dir[c] = -1;
        L.thr[c] = at_int ? std::llround(tc) - (strict ? 1 : 0) : int64_t(std::floor(tc));
      }
    }
  }

  void visit_compare(const onnx::NodeProto& n) {
    const bool strict = n.op_type() == "Greater";
    Value& x = get(n, 0);
    const Tensor& c = get_const(n, 1, "threshold");
    Value out;
    out.kind = Value::Kind::Bool;
    out.shape = x.shape;
    if (x.kind == Value::Kind::Raw) {
      if (c.numel() != 1) fail(n, "the network input can only be binarized with a scalar threshold");
      if (!m_net.layers.empty()) fail(n, "binarizing the raw input after the first layer");
      m_net.input.kind = InputStage::Kind::Threshold;
      m_net.input.threshold = c.data[0];
      m_net.input.strict = strict;
      out.layer = -1;
    } else {
      Value& v = accum_input(n, 0);
      LayerSpec& L = m_net.layers[v.layer];
      binarize(n, L, per_channel(n, c, v.shape), strict, BitCode::Unsigned01, false);
      out.layer = v.layer;
    }
    put(n, std::move(out));
  }

  void visit_sign(const onnx::NodeProto& n) {
    Value& x = get(n, 0);
    Value out;
    out.kind = Value::Kind::Bits;
    out.code = BitCode::Signed;
    out.shape = x.shape;
    if (x.kind == Value::Kind::Raw) {
      if (!m_net.layers.empty()) fail(n, "binarizing the raw input after the first layer");
      m_net.input.kind = InputStage::Kind::Threshold;
      m_net.input.threshold = 0.0;
      m_net.input.strict = true;
      m_net.input.sign = true;
      m_net.input.code = BitCode::Signed;
      out.layer = -1;
    } else {
      Value& v = accum_input(n, 0);
      LayerSpec& L = m_net.layers[v.layer];
      binarize(n, L, std::vector<double>(L.out_channels, 0.0), true, BitCode::Signed, true);
      out.layer = v.layer;
    }
    put(n, std::move(out));
  }

  void finish() {
    if (m_net.layers.empty()) {
      throw InputError(fmt::format("{}: the graph has no Gemm, MatMul or Conv layer to map onto a "
                                   "macro", m_path.string()));
    }
    auto it = m_values.find(m_net.output_name);
    if (it == m_values.end()) {
      throw InputError(fmt::format("{}: graph output '{}' is never produced", m_path.string(),
                                   m_net.output_name));
    }
    const Value& out = it->second;
    const int last = int(m_net.layers.size()) - 1;
    const bool is_float = out.kind == Value::Kind::Accum;
    if (!(is_float || out.kind == Value::Kind::Bits) || out.layer != last) {
      throw InputError(fmt::format("{}: graph output '{}' must be the last layer's pre-activation "
                                   "or its binarized (Cast to float) output", m_path.string(),
                                   m_net.output_name));
    }
    for (int i = 0; i < last; ++i) {
      if (!m_net.layers[i].binarized) {
        throw InputError(fmt::format("{}: layer '{}' feeds another layer without a binarizing step",
                                     m_path.string(), m_net.layers[i].name));
      }
    }
    m_net.output_shape = out.shape;
    // The first layer reads the input stage's bits.
    if (m_net.input.kind == InputStage::Kind::Threshold)
      m_net.layers.front().in_code = m_net.input.code;
    int64_t first_in = m_net.layers.front().in_channels * (m_net.layers.front().kind == LayerKind::Conv1x1 ? m_net.layers.front().pixels() : 1);
    if (first_in != m_net.input_numel()) {
      throw InputError(fmt::format("{}: first layer '{}' takes {} inputs but the network input "
                                   "'{}' has shape {}", m_path.string(), m_net.layers.front().name,
                                   first_in, m_net.input_name, shape_str(m_net.input_shape)));
    }
  }

  std::filesystem::path m_path;
  Network m_net;
  std::map<std::string, Value> m_values;
  std::map<std::string, int> m_uses;
  int m_index = 0;
};

}  // namespace

Network import_onnx(const std::filesystem::path& model_path) {
  return Importer(model_path).run();
}

}  // namespace cimsim
