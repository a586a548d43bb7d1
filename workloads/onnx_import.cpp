#include "workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include "workloads/errors.hpp"
#include "workloads/tensor.hpp"

namespace cimsim {
namespace {

class Importer {
 public:
  explicit Importer(std::filesystem::path path) : m_path(std::move(path)) {}

  Network run() {
    onnx::ModelProto model;
    {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(m_path, ec)) {
        throw InputError(fmt::format("{}: not a regular file (expected an ONNX model)", m_path.string()));
      }
      std::ifstream f(m_path, std::ios::binary);
      if (!f) throw InputError(fmt::format("{}: cannot open ONNX model", m_path.string()));
      if (!model.ParseFromIstream(&f)) {
        throw InputError(fmt::format("{}: not a valid ONNX model (protobuf parse failed)", m_path.string()));
      }
    }
    const onnx::GraphProto& g = model.graph();
    for (const auto& o : model.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") m_opset = o.version();
    m_net.source = m_path.string();
    for (const auto& init : g.initializer())
      m_const[init.name()] = tensor_from_proto(init, fmt::format("{}: initializer", m_path.string()));
    read_input(g);
    if (g.output_size() != 1) {
      throw InputError(fmt::format("{}: the graph has {} outputs; exactly one is supported", m_path.string(),
                                   g.output_size()));
    }
    for (int i = 0; i < g.node_size(); ++i) {
      m_index = i;
      visit(g.node(i));
    }
    auto it = m_value.find(g.output(0).name());
    if (it == m_value.end()) {
      throw InputError(fmt::format("{}: graph output '{}' is not computed from the input", m_path.string(),
                                   g.output(0).name()));
    }
    m_net.output = it->second;
    if (m_net.layers.empty()) {
      throw InputError(fmt::format("{}: the graph has no Gemm, MatMul or Conv layer to map onto a macro",
                                   m_path.string()));
    }
    return std::move(m_net);
  }

 private:
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& why) const {
    throw InputError(fmt::format("{}: node '{}' ({}): {}", m_path.string(), node_name(n), n.op_type(), why));
  }
  std::string node_name(const onnx::NodeProto& n) const {
    return n.name().empty() ? fmt::format("{}_{}", n.op_type(), m_index) : n.name();
  }

  int add_value(const std::string& name, std::vector<int64_t> shape, ValueKind kind,
                BitCode code = BitCode::Unsigned01, int64_t bits = 1, double scale = 1.0) {
    m_net.values.push_back(ValueInfo::make(name, std::move(shape), kind, code, bits, scale));
    const int id = int(m_net.values.size()) - 1;
    m_value[name] = id;
    return id;
  }
  const ValueInfo& val(int id) const { return m_net.values[std::size_t(id)]; }

  void read_input(const onnx::GraphProto& g) {
    int found = 0;
    for (const auto& in : g.input()) {
      if (m_const.count(in.name())) continue;  // initializer listed as an input
      ++found;
      const auto& tt = in.type().tensor_type();
      if (tt.elem_type() != onnx::TensorProto::FLOAT) {
        throw InputError(fmt::format("{}: graph input '{}' has element type {}; expected float", m_path.string(),
                                     in.name(), tt.elem_type()));
      }
      const auto& dims = tt.shape().dim();
      if (dims.size() < 2) {
        throw InputError(fmt::format("{}: graph input '{}' has rank {}; expected a batch dimension followed "
                                     "by the sample shape", m_path.string(), in.name(), dims.size()));
      }
      std::vector<int64_t> shape;
      for (int d = 1; d < dims.size(); ++d) {
        if (!dims[d].has_dim_value() || dims[d].dim_value() <= 0 || dims[d].dim_value() > (int64_t{1} << 24)) {
          throw InputError(fmt::format("{}: graph input '{}' dimension {} is not a fixed positive size",
                                       m_path.string(), in.name(), d));
        }
        shape.push_back(dims[d].dim_value());
      }
      int64_t numel = 1;
      for (auto d : shape) {
        numel *= d;
        if (numel > (int64_t{1} << 28)) {
          throw InputError(fmt::format("{}: graph input '{}' has more than 2^28 elements per sample ({}); "
                                       "not a network cimsim can hold", m_path.string(), in.name(), shape_str(shape)));
        }
      }
      m_net.input = add_value(in.name(), shape, ValueKind::Real);
    }
    if (found != 1) {
      throw InputError(fmt::format("{}: the graph has {} non-constant inputs; exactly one is supported",
                                   m_path.string(), found));
    }
  }

  bool is_const(const onnx::NodeProto& n, int i) const {
    return i < n.input_size() && m_const.count(n.input(i)) > 0;
  }
  int value_in(const onnx::NodeProto& n, int i) {
    if (i >= n.input_size() || n.input(i).empty()) fail(n, fmt::format("missing input {}", i));
    auto it = m_value.find(n.input(i));
    if (it == m_value.end()) {
      if (m_const.count(n.input(i))) fail(n, fmt::format("input {} ('{}') is a constant where a tensor computed from the network input is expected", i, n.input(i)));
      fail(n, fmt::format("input '{}' is not produced earlier in the graph", n.input(i)));
    }
    return it->second;
  }
  const Tensor& const_in(const onnx::NodeProto& n, int i, const char* what) {
    if (i >= n.input_size() || !m_const.count(n.input(i))) fail(n, fmt::format("{} (input {}) must be a constant", what, i));
    return m_const.at(n.input(i));
  }
  const std::string& out_name(const onnx::NodeProto& n) {
    if (n.output_size() < 1) fail(n, "node has no output");
    return n.output(0);
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

  int add_step(const onnx::NodeProto& n, DigitalStep s, std::vector<int64_t> shape, ValueKind kind,
               BitCode code = BitCode::Unsigned01, int64_t bits = 1, double scale = 1.0) {
    s.name = node_name(n);
    s.output = add_value(out_name(n), std::move(shape), kind, code, bits, scale);
    m_net.digital.push_back(std::move(s));
    m_net.steps.push_back({false, int(m_net.digital.size()) - 1});
    return m_net.digital.back().output;
  }

  void visit(const onnx::NodeProto& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, fmt::format("custom op domain '{}' is not supported", n.domain()));
    const std::string& op = n.op_type();
    if (op == "Constant") return visit_constant(n);
    if (op == "Identity" || op == "Dropout" || op == "Cast") return visit_alias(n);
    if (op == "Flatten" || op == "Reshape") return visit_reshape(n);
    if (op == "Transpose") return visit_transpose(n);
    if (op == "Gemm" || op == "MatMul" || op == "Conv") return visit_linear(n);
    if (op == "BatchNormalization") return visit_batchnorm(n);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return visit_arith(n);
    if (op == "GreaterOrEqual" || op == "Greater" || op == "Sign") return visit_binarize(n);
    if (op == "Relu" || op == "Sigmoid") return visit_activation(n);
    if (op == "Clip" || op == "LeakyRelu" || op == "PRelu" || op == "HardSigmoid" || op == "Softmax" || op == "LogSoftmax")
      return visit_real_activation(n);
    if (op == "Squeeze" || op == "Unsqueeze") return visit_squeeze(n);
    if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return visit_pool(n);
    fail(n, "op type not supported by cimsim's mapping (docs/model.md lists the supported ops)");
  }

  void visit_constant(const onnx::NodeProto& n) {
    const auto* a = attr(n, "value");
    if (!a || !a->has_t()) fail(n, "only the 'value' tensor form of Constant is supported");
    m_const[out_name(n)] = tensor_from_proto(a->t(), fmt::format("{}: node '{}'", m_path.string(), node_name(n)));
  }

  void visit_alias(const onnx::NodeProto& n) {
    if (is_const(n, 0)) {
      m_const[out_name(n)] = m_const.at(n.input(0));
      return;
    }
    m_value[out_name(n)] = value_in(n, 0);  // same values (a comparison is already 0/1)
  }

  void visit_reshape(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const int64_t numel = val(in).numel();
    std::vector<int64_t> shape;
    if (n.op_type() == "Flatten") {
      if (attr_i(n, "axis", 1) != 1) fail(n, "only Flatten with axis=1 is supported");
      shape = {numel};
    } else {
      const Tensor& s = const_in(n, 1, "shape");
      if (s.data.empty()) fail(n, "empty target shape");
      int64_t known = 1, infer = -1;
      for (std::size_t i = 1; i < s.data.size(); ++i) {
        int64_t d = int64_t(s.data[i]);
        if (d == 0 && i < val(in).shape.size() + 1) d = val(in).shape[i - 1];
        if (d == -1) {
          if (infer >= 0) fail(n, "more than one -1 in the target shape");
          infer = int64_t(shape.size());
          shape.push_back(1);
          continue;
        }
        if (d <= 0) fail(n, fmt::format("target dimension {} is {}", i, d));
        known *= d;
        shape.push_back(d);
      }
      if (infer >= 0) {
        if (numel % known) fail(n, "target shape does not divide the element count");
        shape[std::size_t(infer)] = numel / known;
      }
      if (!(s.data[0] == 0 || s.data[0] == -1 || s.data[0] > 0)) fail(n, "the batch dimension must stay");
      int64_t prod = 1;
      for (auto d : shape) prod *= d;
      if (prod != numel) fail(n, fmt::format("reshape of {} elements to {} per sample", numel, shape_str(shape)));
    }
    add_view(n, in, shape);
  }

  // The same data under a new per-sample shape.
  void add_view(const onnx::NodeProto& n, int in, const std::vector<int64_t>& shape) {
    DigitalStep s;
    s.op = DigitalOp::Reshape;
    s.inputs = {in};
    const ValueInfo& v = val(in);
    const int out = add_step(n, s, shape, v.kind, v.code, v.bits, v.scale);
    if (is_input(in)) m_input_views.push_back(out);  // still the raw input, reshaped
  }

  // Squeeze / Unsqueeze: axes (of the full shape, batch first) from the attribute (opset < 13)
  // or the constant input 1; the batch axis stays.
  void visit_squeeze(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const std::vector<int64_t> shape = val(in).shape;
    std::vector<int64_t> axes = attr_ints(n, "axes");
    if (axes.empty() && n.input_size() > 1 && !n.input(1).empty())
      for (double a : const_in(n, 1, "axes").data) axes.push_back(int64_t(a));
    const bool squeeze = n.op_type() == "Squeeze";
    const int64_t rank = int64_t(shape.size()) + 1 + (squeeze ? 0 : int64_t(axes.size()));
    for (auto& a : axes) {
      if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
      if (a < 0) a += rank;
      if (a == 0) fail(n, "the batch axis (0) cannot be squeezed or inserted");
    }
    std::sort(axes.begin(), axes.end());
    std::vector<int64_t> out;
    if (squeeze) {
      for (std::size_t d = 0; d < shape.size(); ++d) {
        const bool listed = std::binary_search(axes.begin(), axes.end(), int64_t(d) + 1);
        if (listed && shape[d] != 1) fail(n, fmt::format("axis {} has size {}, not 1", d + 1, shape[d]));
        if (!(listed || (axes.empty() && shape[d] == 1))) out.push_back(shape[d]);
      }
    } else {
      std::size_t next = 0;
      for (int64_t d = 1; d < rank; ++d) {
        if (std::binary_search(axes.begin(), axes.end(), d)) out.push_back(1);
        else out.push_back(shape[next++]);
      }
    }
    add_view(n, in, out);
  }

  // Real-valued activations in the digital periphery.
  void visit_real_activation(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    DigitalStep s;
    s.inputs = {in};
    if (op == "Clip") {
      s.op = DigitalOp::Clip;
      s.alpha = attr_f(n, "min", -INFINITY);
      s.beta = attr_f(n, "max", INFINITY);
      auto scalar = [&](int i, const char* what, double& v) {
        if (n.input_size() <= i || n.input(i).empty()) return;
        const Tensor& t = const_in(n, i, what);
        if (t.numel() != 1) fail(n, fmt::format("{} holds {} values; expected one", what, t.numel()));
        v = t.data[0];
      };
      scalar(1, "min", s.alpha);
      scalar(2, "max", s.beta);
      if (!(s.alpha <= s.beta)) fail(n, fmt::format("min {} is above max {}", s.alpha, s.beta));
    } else if (op == "LeakyRelu") {
      s.op = DigitalOp::LeakyRelu;
      s.alpha = attr_f(n, "alpha", 0.01);
    } else if (op == "PRelu") {
      s.op = DigitalOp::PRelu;
      s.a = per_channel(n, const_in(n, 1, "slope"), v.shape);
    } else if (op == "HardSigmoid") {
      s.op = DigitalOp::HardSigmoid;
      s.alpha = attr_f(n, "alpha", 0.2);
      s.beta = attr_f(n, "beta", 0.5);
    } else {  // Softmax, LogSoftmax: over the last axis only
      s.op = DigitalOp::Softmax;
      s.log = op == "LogSoftmax";
      const int64_t rank = int64_t(v.shape.size()) + 1;
      int64_t axis = attr_i(n, "axis", m_opset >= 13 ? -1 : 1);
      if (axis < 0) axis += rank;
      if (axis != rank - 1)
        fail(n, fmt::format("{} over axis {} of a rank-{} tensor: only the last axis is supported", op, axis, rank));
    }
    add_step(n, s, v.shape, ValueKind::Real);
  }

  // The network input, or a reshape of it: its encoding is decided from the samples later.
  bool is_input(int v) const {
    return v == m_net.input || std::find(m_input_views.begin(), m_input_views.end(), v) != m_input_views.end();
  }

  void visit_transpose(const onnx::NodeProto& n) {
    const Tensor& t = const_in(n, 0, "data");
    auto perm = attr_ints(n, "perm");
    if (t.shape.size() != 2 || !(perm.empty() || perm == std::vector<int64_t>{1, 0})) {
      fail(n, "only Transpose of a constant matrix (perm [1,0]) is supported");
    }
    Tensor o;
    o.shape = {t.shape[1], t.shape[0]};
    o.data.resize(t.data.size());
    for (int64_t r = 0; r < t.shape[0]; ++r)
      for (int64_t c = 0; c < t.shape[1]; ++c) o.data[std::size_t(c * t.shape[0] + r)] = t.data[std::size_t(r * t.shape[1] + c)];
    m_const[out_name(n)] = o;
  }

  // Weights [N][Kper] -> integer levels x per-channel magnitude.
  void decode_weights(const onnx::NodeProto& n, const std::vector<double>& w, LayerSpec& L) {
    const int64_t N = L.out_channels, K = L.k_per_out();
    std::vector<double> mag(static_cast<std::size_t>(N), 0.0);
    bool all_signed = true, all_01 = true;
    int64_t max_bits = 1;
    std::vector<std::vector<int64_t>> levels(static_cast<std::size_t>(N));
    for (int64_t c = 0; c < N; ++c) {
      const double* row = &w[std::size_t(c * K)];
      double amax = 0.0, amin = INFINITY;
      for (int64_t k = 0; k < K; ++k) {
        const double a = std::fabs(row[k]);
        amax = std::max(amax, a);
        if (a > 0) amin = std::min(amin, a);
      }
      bool s_ok = true, z_ok = true;
      for (int64_t k = 0; k < K; ++k) {
        if (std::fabs(std::fabs(row[k]) - amax) > 1e-6 * amax) s_ok = false;
        if (!(row[k] == 0.0 || std::fabs(row[k] - amax) <= 1e-6 * amax)) z_ok = false;
      }
      all_signed &= s_ok;
      all_01 &= z_ok;
      auto& lv = levels[std::size_t(c)];
      if (amax == 0.0) {  // pruned channel: constant output, its columns are discarded
        lv.assign(std::size_t(K), 0);
        continue;
      }
      mag[std::size_t(c)] = amin;
      int64_t lo = 0, hi = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double q = row[k] / amin;
        const double r = std::round(q);
        if (std::fabs(q - r) > 1e-4 || std::fabs(r) > 127) {
          std::vector<double> vals;
          for (int64_t j = 0; j < K && vals.size() < 4; ++j)
            if (std::find(vals.begin(), vals.end(), row[j]) == vals.end()) vals.push_back(row[j]);
          fail(n, fmt::format("weights of output channel {} take values {{{}{}}}; a macro needs per output "
                              "channel +-a, {{0, a}}, or small integer multiples of one step a (bit slicing)",
                              c, fmt::join(vals, ", "), vals.size() >= 4 ? ", ..." : ""));
        }
        lv.push_back(int64_t(r));
        lo = std::min(lo, int64_t(r));
        hi = std::max(hi, int64_t(r));
      }
      int64_t b = 2;  // two's complement bits holding [lo, hi]
      while (lo < -(int64_t{1} << (b - 1)) || hi > (int64_t{1} << (b - 1)) - 1) ++b;
      max_bits = std::max(max_bits, b);
      if (s_ok) mag[std::size_t(c)] = amax;
    }
    L.weights.assign(std::size_t(N * K), 0);
    if (all_signed) {
      L.w_code = BitCode::Signed;
      L.w_bits = 1;
    } else if (all_01) {
      L.w_code = BitCode::Unsigned01;
      L.w_bits = 1;
    } else {
      L.w_code = BitCode::Unsigned01;  // two's complement slices, each a {0,1} column
      L.w_bits = max_bits;
    }
    for (int64_t c = 0; c < N; ++c) {
      const auto& lv = levels[std::size_t(c)];
      for (int64_t k = 0; k < K; ++k) {
        int64_t q = lv[std::size_t(k)];
        if (L.w_code == BitCode::Signed) q = mag[std::size_t(c)] == 0 ? 1 : (q > 0 ? 1 : -1);
        else if (L.w_bits == 1) q = q != 0 ? 1 : 0;
        L.weights[std::size_t(c * K + k)] = int8_t(q);
      }
    }
    L.scale = mag;
    L.bias.assign(std::size_t(N), 0.0);
  }

  void visit_linear(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo x = val(in);
    if (x.kind == ValueKind::Real && !is_input(in)) {
      fail(n, fmt::format("input '{}' holds real values; a macro layer needs binary or unsigned fixed-point "
                          "inputs (binarize it, or pool binary activations)", x.name));
    }
    LayerSpec L;
    L.name = node_name(n);
    L.op_type = n.op_type();
    L.input = in;
    L.in_kind = x.kind == ValueKind::Real ? ValueKind::Bits : x.kind;  // the network input: resolved later
    L.in_code = x.code;
    L.in_bits = x.kind == ValueKind::UInt ? x.bits : 1;
    const Tensor& W = const_in(n, 1, "weight");
    std::vector<double> w;  // [N][Kper]
    std::vector<int64_t> out_shape;
    std::vector<double> bias_in;
    if (n.op_type() == "Conv") {
      if (x.shape.size() != 3) fail(n, fmt::format("input shape {} is not [C,H,W]", shape_str(x.shape)));
      if (W.shape.size() != 4 || W.shape[2] != W.shape[3] || (W.shape[2] != 1 && W.shape[2] != 3)) {
        fail(n, fmt::format("weight shape {} is not a 1x1 or 3x3 kernel", shape_str(W.shape)));
      }
      const int64_t k = W.shape[2], C = x.shape[0], G = attr_i(n, "group", 1);
      for (auto d : attr_ints(n, "dilations")) if (d != 1) fail(n, "dilation is not supported");
      const auto* ap = attr(n, "auto_pad");
      if (ap && ap->s() != "NOTSET" && ap->s() != "VALID") fail(n, "auto_pad is not supported; export explicit pads");
      auto strides = attr_ints(n, "strides");
      auto pads = attr_ints(n, "pads");
      const int64_t s = strides.empty() ? 1 : strides[0];
      const int64_t p = pads.empty() ? 0 : pads[0];
      for (auto v : strides) if (v != s) fail(n, "strides must be equal in both dimensions");
      for (auto v : pads) if (v != p) fail(n, "pads must be equal on every side");
      if (s < 1 || s > 4) fail(n, fmt::format("stride {} is not supported (1 to 4)", s));
      if (p > k / 2) fail(n, fmt::format("padding {} is larger than the kernel's half width", p));
      if (G != 1 && !(G == C && W.shape[0] == C && k == 3)) {
        fail(n, fmt::format("group={} is not supported: only dense convolutions and depthwise 3x3 with one "
                            "output per channel (group = channels = outputs)", G));
      }
      if (W.shape[1] * G != C) fail(n, fmt::format("weight takes {} input channels per group, input has {} channels", W.shape[1], C));
      L.kind = k == 1 ? LayerKind::Conv1x1 : (G == 1 ? LayerKind::Conv3x3 : LayerKind::Depthwise3x3);
      L.kernel = k;
      L.stride = s;
      L.pad = p;
      L.groups = G;
      L.in_channels = C;
      L.out_channels = W.shape[0];
      L.in_h = x.shape[1];
      L.in_w = x.shape[2];
      L.out_h = (L.in_h + 2 * p - k) / s + 1;
      L.out_w = (L.in_w + 2 * p - k) / s + 1;
      if (L.out_h < 1 || L.out_w < 1) fail(n, "the output would be empty");
      w = W.data;
      out_shape = {L.out_channels, L.out_h, L.out_w};
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const Tensor& b = const_in(n, 2, "bias");
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
      w.resize(std::size_t(wn * K));
      for (int64_t c = 0; c < wn; ++c)
        for (int64_t k = 0; k < K; ++k)
          w[std::size_t(c * K + k)] = alpha * (trans_b ? W.data[std::size_t(c * K + k)] : W.data[std::size_t(k * wn + c)]);
      out_shape = {wn};
      if (n.op_type() == "Gemm" && n.input_size() > 2 && !n.input(2).empty()) {
        const Tensor& b = const_in(n, 2, "C");
        if (b.numel() != 1 && b.numel() != wn) fail(n, "C must be a scalar or one value per output");
        bias_in.resize(std::size_t(wn));
        for (int64_t c = 0; c < wn; ++c) bias_in[std::size_t(c)] = beta * b.data[std::size_t(b.numel() == 1 ? 0 : c)];
      }
    }
    decode_weights(n, w, L);
    if (!bias_in.empty()) L.bias = bias_in;
    if (x.kind == ValueKind::UInt)
      for (auto& s : L.scale) s *= x.scale;  // the fixed-point step of the input
    L.output = add_value(out_name(n), out_shape, ValueKind::Real);
    m_net.layers.push_back(std::move(L));
    m_net.steps.push_back({true, int(m_net.layers.size()) - 1});
  }

  // A constant broadcast against a per-sample tensor of `shape` must vary by channel only.
  std::vector<double> per_channel(const onnx::NodeProto& n, const Tensor& c, const std::vector<int64_t>& shape) {
    const int64_t N = shape.empty() ? 1 : shape[0];
    std::vector<double> out(static_cast<std::size_t>(N));
    if (c.numel() == 1) {
      std::fill(out.begin(), out.end(), c.data[0]);
      return out;
    }
    std::vector<int64_t> full = {1};
    full.insert(full.end(), shape.begin(), shape.end());
    if (c.shape.size() > full.size()) fail(n, fmt::format("constant of shape {} has too many dimensions", shape_str(c.shape)));
    const std::size_t off = full.size() - c.shape.size();
    for (std::size_t i = 0; i < c.shape.size(); ++i) {
      const bool channel_axis = off + i == 1;
      if (c.shape[i] != 1 && !(channel_axis && c.shape[i] == N)) {
        fail(n, fmt::format("constant of shape {} does not broadcast per channel over {}", shape_str(c.shape), shape_str(shape)));
      }
    }
    if (c.numel() != N) fail(n, fmt::format("constant of shape {} is not per channel", shape_str(c.shape)));
    std::copy(c.data.begin(), c.data.end(), out.begin());
    return out;
  }

  void add_affine(const onnx::NodeProto& n, int in, std::vector<double> a, std::vector<double> b) {
    DigitalStep s;
    s.op = DigitalOp::Affine;
    s.inputs = {in};
    s.a = std::move(a);
    s.b = std::move(b);
    add_step(n, s, val(in).shape, ValueKind::Real);
  }

  void visit_batchnorm(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    if (attr_i(n, "training_mode", 0) != 0) fail(n, "training_mode BatchNormalization cannot be folded");
    const double eps = attr_f(n, "epsilon", 1e-5);
    // BatchNormalization's parameters are one value per channel (dimension 1 of the input).
    const int64_t C = val(in).shape.empty() ? 1 : val(in).shape[0];
    auto param = [&](int i, const char* what) {
      const Tensor& t = const_in(n, i, what);
      if (t.numel() != C) fail(n, fmt::format("{} holds {} values; the input has {} channels", what, t.numel(), C));
      return t.data;
    };
    auto gamma = param(1, "scale");
    auto beta = param(2, "B");
    auto mean = param(3, "input_mean");
    auto var = param(4, "input_var");
    std::vector<double> a(gamma.size()), b(gamma.size());
    for (std::size_t c = 0; c < gamma.size(); ++c) {
      if (var[c] + eps <= 0) fail(n, fmt::format("variance + epsilon of channel {} is not positive", c));
      a[c] = gamma[c] / std::sqrt(var[c] + eps);
      b[c] = beta[c] - mean[c] * a[c];
    }
    add_affine(n, in, a, b);
  }

  // Shape of broadcasting two per-sample tensors (ONNX multidirectional broadcasting, the batch
  // axis first in both): the same rank, and along each axis equal dimensions or a 1. Of
  // different ranks, ONNX aligns one's batch axis with a feature axis of the other: refused.
  std::vector<int64_t> broadcast_shape(const onnx::NodeProto& n, const ValueInfo& a, const ValueInfo& b) {
    if (a.shape == b.shape) return a.shape;
    if (a.shape.size() != b.shape.size())
      fail(n, fmt::format("shapes {} and {} (per sample) have different ranks: ONNX would align the batch axis of one "
                          "with a feature axis of the other; reshape the smaller one to {} axes (e.g. [C, 1, 1])",
                          shape_str(a.shape), shape_str(b.shape), std::max(a.shape.size(), b.shape.size())));
    std::vector<int64_t> out(a.shape.size());
    for (std::size_t d = 0; d < out.size(); ++d) {
      if (a.shape[d] != b.shape[d] && a.shape[d] != 1 && b.shape[d] != 1)
        fail(n, fmt::format("shapes {} and {} do not broadcast (axis {}: {} against {})", shape_str(a.shape),
                            shape_str(b.shape), d + 1, a.shape[d], b.shape[d]));
      out[d] = std::max(a.shape[d], b.shape[d]);
    }
    return out;
  }

  void visit_arith(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    const bool c0 = is_const(n, 0), c1 = is_const(n, 1);
    if (c0 && c1) fail(n, "constant folding of two constants is not supported; export with do_constant_folding");
    if (!c0 && !c1) {  // two tensors
      if (op != "Add" && op != "Mul") fail(n, fmt::format("{} of two computed tensors is not supported (Add and Mul are)", op));
      const int a = value_in(n, 0), b = value_in(n, 1);
      DigitalStep s;
      s.op = op == "Add" ? DigitalOp::Add : DigitalOp::Mul;
      s.inputs = {a, b};
      const auto shape = broadcast_shape(n, val(a), val(b));
      const bool gate = op == "Mul" && val(a).kind == ValueKind::Bits && val(b).kind == ValueKind::Bits &&
                        val(a).code == BitCode::Unsigned01 && val(b).code == BitCode::Unsigned01;
      add_step(n, s, shape, gate ? ValueKind::Bits : ValueKind::Real);
      return;
    }
    const int ai = c0 ? 1 : 0;
    const int in = value_in(n, ai);
    auto c = per_channel(n, const_in(n, 1 - ai, "constant operand"), val(in).shape);
    std::vector<double> a(c.size(), 1.0), b(c.size(), 0.0);
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (op == "Add") b[i] = c[i];
      else if (op == "Sub" && ai == 0) b[i] = -c[i];
      else if (op == "Sub") { a[i] = -1.0; b[i] = c[i]; }
      else if (op == "Mul") a[i] = c[i];
      else if (ai != 0) fail(n, "division by a computed tensor is not supported");
      else if (c[i] == 0) fail(n, fmt::format("division by zero in channel {}", i));
      else a[i] = 1.0 / c[i];
    }
    add_affine(n, in, a, b);
  }

  void visit_binarize(const onnx::NodeProto& n) {
    int in = value_in(n, 0);
    DigitalStep s;
    s.op = DigitalOp::Binarize;
    s.inputs = {in};
    if (n.op_type() == "Sign") {
      s.sign = true;
      add_step(n, s, val(in).shape, ValueKind::Bits, BitCode::Signed);
      return;
    }
    s.strict = n.op_type() == "Greater";
    const Tensor& c = const_in(n, 1, "threshold");
    if (c.numel() == 1) {
      s.threshold = c.data[0];
    } else {  // per-channel thresholds: subtract them first
      auto t = per_channel(n, c, val(in).shape);
      for (auto& v : t) v = -v;
      DigitalStep sub;
      sub.op = DigitalOp::Affine;
      sub.inputs = {in};
      sub.a.assign(t.size(), 1.0);
      sub.b = t;
      sub.name = node_name(n) + "/threshold";
      sub.output = add_value(out_name(n) + "/shifted", val(in).shape, ValueKind::Real);
      m_net.digital.push_back(sub);
      m_net.steps.push_back({false, int(m_net.digital.size()) - 1});
      s.inputs = {sub.output};
    }
    add_step(n, s, val(in).shape, ValueKind::Bits, BitCode::Unsigned01);
  }

  void visit_activation(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    DigitalStep s;
    s.op = n.op_type() == "Relu" ? DigitalOp::Relu : DigitalOp::Sigmoid;
    s.inputs = {in};
    const ValueInfo& v = val(in);
    const bool keeps = s.op == DigitalOp::Relu && v.kind != ValueKind::Real && v.code == BitCode::Unsigned01;
    add_step(n, s, v.shape, keeps ? v.kind : ValueKind::Real, v.code, v.bits, v.scale);
  }

  void visit_pool(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    if (v.shape.size() != 3) fail(n, fmt::format("input shape {} is not [C,H,W]", shape_str(v.shape)));
    DigitalStep s;
    s.op = n.op_type() == "MaxPool" ? DigitalOp::MaxPool : DigitalOp::AvgPool;
    s.inputs = {in};
    int64_t window;
    std::vector<int64_t> shape;
    if (n.op_type() == "GlobalAveragePool") {
      s.kernel = 0;  // the whole image
      window = v.shape[1] * v.shape[2];
      shape = {v.shape[0], 1, 1};
    } else {
      auto ks = attr_ints(n, "kernel_shape");
      auto st = attr_ints(n, "strides");
      if (ks.size() != 2 || ks[0] != ks[1]) fail(n, "only square 2-D pooling windows are supported");
      s.kernel = ks[0];
      s.stride = st.empty() ? 1 : st[0];
      for (auto x : st) if (x != s.stride) fail(n, "strides must be equal in both dimensions");
      for (auto x : attr_ints(n, "pads")) if (x != 0) fail(n, "padded pooling is not supported");
      for (auto x : attr_ints(n, "dilations")) if (x != 1) fail(n, "dilated pooling is not supported");
      if (attr_i(n, "ceil_mode", 0) != 0) fail(n, "ceil_mode pooling is not supported");
      if (s.kernel > v.shape[1] || s.kernel > v.shape[2] || s.kernel < 1 || s.stride < 1) fail(n, "window larger than the input");
      window = s.kernel * s.kernel;
      shape = {v.shape[0], (v.shape[1] - s.kernel) / s.stride + 1, (v.shape[2] - s.kernel) / s.stride + 1};
    }
    if (s.op == DigitalOp::MaxPool) {
      add_step(n, s, shape, v.kind, v.code, v.bits, v.scale);  // max of bits is their OR
      return;
    }
    // The mean of binary {0,1} (or unsigned fixed-point) values is unsigned fixed point.
    if (v.kind == ValueKind::Bits && v.code == BitCode::Unsigned01) {
      int64_t b = 1;
      while ((int64_t{1} << b) <= window) ++b;
      add_step(n, s, shape, ValueKind::UInt, BitCode::Unsigned01, b, 1.0 / double(window));
    } else if (v.kind == ValueKind::UInt) {
      int64_t b = v.bits;
      while ((int64_t{1} << b) <= window * ((int64_t{1} << v.bits) - 1)) ++b;
      add_step(n, s, shape, ValueKind::UInt, BitCode::Unsigned01, b, v.scale / double(window));
    } else {
      add_step(n, s, shape, ValueKind::Real);
    }
  }

  std::filesystem::path m_path;
  int64_t m_opset = 13;  // the default domain's opset (some ops' defaults depend on it)
  Network m_net;
  std::map<std::string, Tensor> m_const;
  std::map<std::string, int> m_value;
  std::vector<int> m_input_views;
  int m_index = 0;
};

}  // namespace

Network import_onnx(const std::filesystem::path& model_path) { return Importer(model_path).run(); }

}  // namespace cimsim
