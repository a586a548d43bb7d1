#include "workloads/onnx_import.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "workloads/errors.hpp"
#include "workloads/onnx_fold.hpp"
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
    // Every node is visited; a node that cannot be imported is recorded and its outputs are
    // poisoned, so that the nodes it feeds are skipped instead of reported a second time.
    std::vector<std::string> blockers;
    for (int i = 0; i < g.node_size(); ++i) {
      m_index = i;
      const onnx::NodeProto& n = g.node(i);
      bool skip = false;
      for (const auto& in : n.input()) skip |= m_poisoned.count(in) > 0;
      if (!skip) {
        try {
          visit(n);
        } catch (const InputError& e) {
          std::string msg = e.what();
          const std::string prefix = m_path.string() + ": ";
          if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
          blockers.push_back(msg);
          skip = true;
        }
      }
      if (skip)
        for (const auto& o : n.output()) m_poisoned.insert(o);
    }
    if (blockers.size() == 1) throw InputError(fmt::format("{}: {}", m_path.string(), blockers[0]));
    if (!blockers.empty()) {
      std::string msg = fmt::format("{}: {} nodes cannot be imported (nodes fed only by them are not checked):",
                                    m_path.string(), blockers.size());
      for (const auto& b : blockers) msg += "\n  " + b;
      throw InputError(msg);
    }
    auto it = m_value.find(g.output(0).name());
    if (it == m_value.end()) {
      throw InputError(fmt::format("{}: graph output '{}' is not computed from the input", m_path.string(),
                                   g.output(0).name()));
    }
    m_net.output = it->second;
    prune_dead_steps();
    if (m_net.layers.empty()) {
      throw InputError(fmt::format("{}: the graph has no Gemm, MatMul or Conv layer to map onto a macro (layers with "
                                   "real-valued weights or inputs run on the digital MAC unit)",
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
      m_batch = dims[0].has_dim_value() && dims[0].dim_value() > 0 ? dims[0].dim_value() : 1;
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

  // Appends digital step s, named `name`, computing a new value `out` of `shape` encoded like
  // `enc` (kind, code, bits, scale, offset). Returns the value.
  int push_step(const std::string& name, const std::string& out, DigitalStep s, std::vector<int64_t> shape,
                ValueInfo enc) {  // by value: adding the output may move the values it came from
    s.name = name;
    s.output = add_value(out, std::move(shape), enc.kind, enc.code, enc.bits, enc.scale);
    m_net.values[std::size_t(s.output)].offset = enc.offset;
    m_producer[s.output] = int(m_net.digital.size());
    m_net.digital.push_back(std::move(s));
    m_net.steps.push_back({false, int(m_net.digital.size()) - 1});
    return m_net.digital.back().output;
  }
  static ValueInfo real() { return ValueInfo::make("", {}, ValueKind::Real); }

  // Node n's step: its name and output. The shape must have positive dimensions and at most 2^36
  // elements per sample (no overflow downstream; the memory check before a run says whether the
  // machine can hold it).
  int add_like(const onnx::NodeProto& n, DigitalStep s, std::vector<int64_t> shape, const ValueInfo& enc) {
    int64_t numel = 1;
    for (auto d : shape) {
      if (d < 1 || d > (int64_t{1} << 36) / numel)
        fail(n, fmt::format("the result's shape {} per sample is empty or larger than 2^36 elements", shape_str(shape)));
      numel *= d;
    }
    return push_step(node_name(n), out_name(n), std::move(s), std::move(shape), enc);
  }
  int add_step(const onnx::NodeProto& n, DigitalStep s, std::vector<int64_t> shape, ValueKind kind,
               BitCode code = BitCode::Unsigned01, int64_t bits = 1, double scale = 1.0) {
    return add_like(n, std::move(s), std::move(shape), ValueInfo::make("", {}, kind, code, bits, scale));
  }

  void visit(const onnx::NodeProto& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, fmt::format("custom op domain '{}' is not supported", n.domain()));
    const std::string& op = n.op_type();
    if (op == "Constant") return visit_constant(n);
    if (fold(n)) return;
    if (op == "Identity" || op == "Dropout" || op == "Cast") return visit_alias(n);
    if (op == "Flatten" || op == "Reshape") return visit_reshape(n);
    if (op == "Transpose") return visit_transpose(n);
    if (op == "Expand") return visit_expand(n);
    if (op == "Concat") return visit_concat(n);
    if (op == "Slice") return visit_slice(n);
    if (op == "Pad") return visit_pad(n);
    if (op == "Where") return visit_where(n);
    if (op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin" || op == "ReduceSum") return visit_reduce(n);
    if (op == "Max" || op == "Min") return visit_max_min(n);
    if (op == "Gemm" || op == "MatMul" || op == "Conv") return visit_linear(n);
    if (op == "BatchNormalization") return visit_batchnorm(n);
    if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") return visit_arith(n);
    if (op == "Neg") {
      const int in = value_in(n, 0);
      const int64_t C = val(in).shape.empty() ? 1 : val(in).shape[0];
      return add_affine(n, in, std::vector<double>(std::size_t(C), -1.0), std::vector<double>(std::size_t(C), 0.0));
    }
    if (op == "GreaterOrEqual" || op == "Greater" || op == "LessOrEqual" || op == "Less" || op == "Sign")
      return visit_binarize(n);
    if (op == "Relu" || op == "Sigmoid") return visit_activation(n);
    if (op == "Clip" || op == "LeakyRelu" || op == "PRelu" || op == "HardSigmoid" || op == "Softmax" || op == "LogSoftmax")
      return visit_real_activation(n);
    if (op == "Squeeze" || op == "Unsqueeze") return visit_squeeze(n);
    if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return visit_pool(n);
    fail(n, "op type not supported by cimsim's mapping (docs/model.md lists the supported ops)");
  }

  void visit_constant(const onnx::NodeProto& n) {
    Tensor t;
    if (const auto* a = attr(n, "value"); a && a->has_t()) {
      t = tensor_from_proto(a->t(), fmt::format("{}: node '{}'", m_path.string(), node_name(n)));
    } else if (const auto* f = attr(n, "value_float")) {
      t.data = {double(f->f())};
    } else if (const auto* i = attr(n, "value_int")) {
      t.data = {double(i->i())};
      t.is_integer = true;
    } else if (const auto* fs = attr(n, "value_floats")) {
      t.data.assign(fs->floats().begin(), fs->floats().end());
      t.shape = {int64_t(t.data.size())};
    } else if (const auto* is = attr(n, "value_ints")) {
      for (auto v : is->ints()) t.data.push_back(double(v));
      t.shape = {int64_t(t.data.size())};
      t.is_integer = true;
    } else {
      fail(n, "only the value, value_float(s) and value_int(s) forms of Constant are supported");
    }
    m_const[out_name(n)] = std::move(t);
  }

  // Constant folding: a node whose inputs are all constants becomes a constant. The shape (or
  // size) of a computed tensor is a constant too: its per-sample shape with the batch in front
  // (the declared batch, or 1 when it is dynamic; the simulator runs one sample at a time, and a
  // reshape that would move elements between samples is refused in visit_reshape).
  bool fold(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if ((op == "Shape" || op == "Size") && n.input_size() == 1 && m_value.count(n.input(0))) {
      std::vector<int64_t> full = val(m_value.at(n.input(0))).shape;
      full.insert(full.begin(), m_batch);
      Tensor t = shape_result(n, full);
      m_const[out_name(n)] = std::move(t);
      return true;
    }
    if (n.input_size() == 0 || !foldable_op(op)) return false;
    std::vector<const Tensor*> ins;
    for (const auto& name : n.input()) {
      if (name.empty()) {
        ins.push_back(nullptr);
        continue;
      }
      auto it = m_const.find(name);
      if (it == m_const.end()) return false;
      ins.push_back(&it->second);
    }
    std::vector<Tensor> outs;
    try {
      outs = fold_node(n, ins, m_opset);
    } catch (const FoldError& e) {
      fail(n, fmt::format("folding constants: {}", e.what()));
    } catch (const InputError& e) {
      fail(n, fmt::format("folding constants: {}", e.what()));
    }
    for (std::size_t i = 0; i < outs.size() && int(i) < n.output_size(); ++i)
      if (!n.output(int(i)).empty()) m_const[n.output(int(i))] = std::move(outs[i]);
    return true;
  }

  // Removes digital steps whose results nothing reads (left behind by patterns such as the
  // straight-through estimator, whose forward value is an earlier tensor).
  void prune_dead_steps() {
    std::vector<bool> live(m_net.values.size(), false);
    live[std::size_t(m_net.output)] = true;
    std::vector<bool> keep(m_net.steps.size(), true);
    for (std::size_t i = m_net.steps.size(); i-- > 0;) {
      const Step& st = m_net.steps[i];
      if (st.macro) {
        live[std::size_t(m_net.layers[std::size_t(st.index)].input)] = true;
        continue;
      }
      const DigitalStep& d = m_net.digital[std::size_t(st.index)];
      keep[i] = live[std::size_t(d.output)];
      if (keep[i])
        for (int v : d.inputs) live[std::size_t(v)] = true;
    }
    std::vector<DigitalStep> digital;
    std::vector<Step> steps;
    for (std::size_t i = 0; i < m_net.steps.size(); ++i) {
      if (!keep[i]) continue;
      Step st = m_net.steps[i];
      if (!st.macro) {
        digital.push_back(std::move(m_net.digital[std::size_t(st.index)]));
        st.index = int(digital.size()) - 1;
      }
      steps.push_back(st);
    }
    m_net.digital = std::move(digital);
    m_net.steps = std::move(steps);
  }

  void visit_alias(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    if (n.op_type() == "Cast") {  // to a float type, or to an integer or bool type of values that already are
      const int64_t to = attr_i(n, "to", onnx::TensorProto::FLOAT);
      const bool to_float = is_float_type(to);
      const ValueInfo& v = val(in);
      const bool integral = v.kind == ValueKind::Bits && (v.code == BitCode::Unsigned01 || to != onnx::TensorProto::BOOL);
      if (!to_float && !integral)
        fail(n, fmt::format("Cast of '{}' ({} values) to element type {} would truncate or change them; only casts of "
                            "comparisons and binary values, or to a float type, pass through", v.name,
                            v.kind == ValueKind::Real ? "real" : "fixed-point", to));
    }
    m_value[out_name(n)] = in;  // same values (a comparison is already 0/1)
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
      const auto target = ints(n, 1, "shape");
      int64_t known = 1, infer = -1;
      for (std::size_t i = 1; i < s.data.size(); ++i) {
        int64_t d = target[i];
        if (d == 0 && i < val(in).shape.size() + 1) d = val(in).shape[i - 1];
        if (d == -1) {
          if (infer >= 0) fail(n, "more than one -1 in the target shape");
          infer = int64_t(shape.size());
          shape.push_back(1);
          continue;
        }
        if (d <= 0 || d > numel) fail(n, fmt::format("target dimension {} is {} for {} elements per sample", i, d, numel));
        known *= d;
        if (known > numel) fail(n, fmt::format("target shape {} holds more than {} elements per sample", shape_str(target), numel));
        shape.push_back(d);
      }
      if (infer >= 0) {
        if (numel % known) fail(n, "target shape does not divide the element count");
        shape[std::size_t(infer)] = numel / known;
      }
      // The first target dimension is the batch: 0 (kept), the batch size, or -1 with the rest
      // holding exactly one sample. Anything else would move elements between samples.
      if (s.data[0] == -1 && infer >= 0) fail(n, "more than one -1 in the target shape");
      // Another positive first dimension is a batch size the export traced (x.data.size(), a
      // constant): the graph holds only for batches of exactly that size, which the sample files
      // are checked to have (workloads/bundle.cpp).
      if (!(s.data[0] == 0 || s.data[0] == -1 || s.data[0] == double(m_batch))) {
        if (target[0] < 1) fail(n, fmt::format("target dimension 0 is {}", target[0]));
        if (m_net.traced_batch > 0 && m_net.traced_batch != target[0])
          fail(n, fmt::format("target shape {} traces a batch of {}, node '{}' one of {}", shape_str(target), target[0],
                              m_net.traced_node, m_net.traced_batch));
        m_net.traced_batch = target[0];
        m_net.traced_node = node_name(n);
      }
      int64_t prod = 1;
      for (auto d : shape) prod *= d;
      if (prod != numel)
        fail(n, fmt::format("reshape of {} elements per sample to {}: it would move elements between samples", numel,
                            shape_str(shape)));
    }
    add_view(n, in, shape);
  }

  // The same data under a new per-sample shape.
  void add_view(const onnx::NodeProto& n, int in, const std::vector<int64_t>& shape) {
    DigitalStep s;
    s.op = DigitalOp::Reshape;
    s.inputs = {in};
    const ValueInfo& v = val(in);
    const int out = add_like(n, s, shape, v);
    if (is_input(in)) m_input_views.push_back(out);  // still the raw input, reshaped
  }

  // Squeeze / Unsqueeze: axes (of the full shape, batch first) from the attribute (opset < 13)
  // or the constant input 1; the batch axis stays.
  void visit_squeeze(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const std::vector<int64_t> shape = val(in).shape;
    std::vector<int64_t> axes = attr_ints(n, "axes");
    if (axes.empty() && n.input_size() > 1 && !n.input(1).empty())
      axes = ints(n, 1, "axes");
    const bool squeeze = n.op_type() == "Squeeze";
    const int64_t rank = int64_t(shape.size()) + 1 + (squeeze ? 0 : int64_t(axes.size()));
    for (auto& a : axes) {
      if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
      if (a < 0) a += rank;
      if (a == 0) fail(n, "the batch axis (0) cannot be squeezed or inserted");
    }
    std::sort(axes.begin(), axes.end());
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fail(n, "an axis is listed twice");
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

  // A constant integer input of node n (shape, axes, pads, starts).
  std::vector<int64_t> ints(const onnx::NodeProto& n, int i, const char* what) {
    try {
      return int_values(const_in(n, i, what));
    } catch (const FoldError& e) {
      fail(n, fmt::format("{}: {}", what, e.what()));
    }
  }
  // A per-sample axis (1 = the first after the batch) from an ONNX axis of the full rank.
  int64_t sample_axis(const onnx::NodeProto& n, int64_t a, const ValueInfo& v, const char* what) {
    const int64_t rank = int64_t(v.shape.size()) + 1;
    if (a < -rank || a >= rank) fail(n, fmt::format("{} {} is out of range for rank {}", what, a, rank));
    if (a < 0) a += rank;
    if (a == 0) fail(n, fmt::format("{} 0 is the batch axis; only per-sample axes are supported", what));
    return a;
  }

  // Transpose of a computed tensor: the batch stays first (channel shuffle: Reshape, Transpose, Reshape).
  void visit_transpose(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    auto perm = attr_ints(n, "perm");
    const std::size_t rank = v.shape.size() + 1;
    if (perm.empty())
      for (std::size_t d = rank; d-- > 0;) perm.push_back(int64_t(d));
    if (perm.size() != rank || perm[0] != 0)
      fail(n, fmt::format("perm {} does not keep the batch axis first", shape_str(perm)));
    DigitalStep s;
    s.op = DigitalOp::Transpose;
    s.inputs = {in};
    std::vector<int64_t> shape;
    std::vector<bool> seen(rank, false);
    for (std::size_t d = 1; d < rank; ++d) {
      if (perm[d] < 1 || perm[d] >= int64_t(rank) || seen[std::size_t(perm[d])]) fail(n, fmt::format("perm {} is not a permutation", shape_str(perm)));
      seen[std::size_t(perm[d])] = true;
      s.perm.push_back(perm[d] - 1);
      shape.push_back(v.shape[std::size_t(perm[d] - 1)]);
    }
    const int out = add_like(n, s, shape, v);
    if (is_input(in)) m_input_views.push_back(out);
  }

  // Expand of a computed tensor (expand_as): axes of size 1 repeated; the batch axis stays.
  void visit_expand(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    const auto target = ints(n, 1, "shape");
    if (target.size() > v.shape.size() + 1)
      fail(n, fmt::format("target shape {} has a higher rank than the input ({} per sample): ONNX would align the batch axis "
                          "with a feature axis", shape_str(target), shape_str(v.shape)));
    std::vector<int64_t> shape = v.shape;
    const std::size_t off = v.shape.size() + 1 - target.size();
    for (std::size_t i = 0; i < target.size(); ++i) {
      const std::size_t d = off + i;  // axis of the full shape
      if (d == 0) {
        if (target[i] != 1 && target[i] != m_batch) fail(n, "the batch axis cannot be expanded");
        continue;
      }
      const int64_t have = v.shape[d - 1];
      if (target[i] != have && have != 1 && target[i] != 1)
        fail(n, fmt::format("shape {} does not expand to {}", shape_str(v.shape), shape_str(target)));
      if (have == 1) shape[d - 1] = target[i];
    }
    if (is_input(in)) fail(n, "Expand of the network input is not supported");
    DigitalStep s;
    s.op = DigitalOp::Expand;
    s.inputs = {in};
    add_like(n, s, shape, v);
  }

  // Concat of computed tensors along a per-sample axis: bits stay bits when all agree.
  void visit_concat(const onnx::NodeProto& n) {
    DigitalStep s;
    for (int i = 0; i < n.input_size(); ++i) {
      if (is_const(n, i)) fail(n, fmt::format("input {} is a constant; only computed tensors are concatenated", i));
      s.inputs.push_back(value_in(n, i));
      if (is_input(s.inputs.back())) fail(n, "Concat of the network input is not supported");
    }
    const ValueInfo v = val(s.inputs[0]);
    const int64_t axis = sample_axis(n, attr_i(n, "axis", 1), v, "axis");
    s.op = DigitalOp::Concat;
    s.axis = axis - 1;
    std::vector<int64_t> shape = v.shape;
    shape[std::size_t(s.axis)] = 0;
    bool same = true;
    for (int id : s.inputs) {
      const ValueInfo& u = val(id);
      if (u.shape.size() != v.shape.size()) fail(n, "inputs of different ranks");
      for (std::size_t d = 0; d < shape.size(); ++d)
        if (int64_t(d) != s.axis && u.shape[d] != v.shape[d])
          fail(n, fmt::format("shapes {} and {} differ off the concatenation axis", shape_str(v.shape), shape_str(u.shape)));
      shape[std::size_t(s.axis)] += u.shape[std::size_t(s.axis)];
      same &= u.kind == v.kind && u.code == v.code && u.bits == v.bits && u.scale == v.scale;
    }
    if (same) add_like(n, s, shape, v);
    else add_step(n, s, shape, ValueKind::Real);
  }

  // Slice of a computed tensor (strided shortcuts x[:, :, ::2, ::2]): the batch axis whole.
  void visit_slice(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    std::vector<int64_t> starts, ends, axes, steps;
    if (m_opset < 10) {
      starts = attr_ints(n, "starts");
      ends = attr_ints(n, "ends");
      axes = attr_ints(n, "axes");
    } else {
      starts = ints(n, 1, "starts");
      ends = ints(n, 2, "ends");
      if (n.input_size() > 3 && !n.input(3).empty()) axes = ints(n, 3, "axes");
      if (n.input_size() > 4 && !n.input(4).empty()) steps = ints(n, 4, "steps");
    }
    if (axes.empty())
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
      fail(n, "starts, ends, axes and steps differ in length");
    DigitalStep s;
    s.op = DigitalOp::Slice;
    s.inputs = {in};
    s.starts.assign(v.shape.size(), 0);
    s.steps.assign(v.shape.size(), 1);
    std::vector<int64_t> shape = v.shape;
    for (std::size_t i = 0; i < starts.size(); ++i) {
      const int64_t rank = int64_t(v.shape.size()) + 1;
      int64_t a = axes[i];
      if (a < -rank || a >= rank) fail(n, fmt::format("axis {} is out of range for rank {}", a, rank));
      if (a < 0) a += rank;
      if (a == 0) {
        if (steps[i] == 1 && starts[i] == 0 && ends[i] >= m_batch) continue;  // the whole batch
        fail(n, "slicing the batch axis is not supported");
      }
      const auto d = std::size_t(a - 1);
      const int64_t dim = v.shape[d], step = std::min<int64_t>(steps[i], int64_t{1} << 40);  // beyond any dimension
      if (step <= 0) fail(n, fmt::format("step {} along axis {}: only positive steps are supported", step, a));
      auto clampi = [&](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + dim : x, 0, dim); };
      const int64_t b = clampi(starts[i]), e = clampi(ends[i]);
      const int64_t len = e > b ? (e - b + step - 1) / step : 0;
      if (len == 0) fail(n, fmt::format("the slice along axis {} is empty", a));
      s.starts[d] = b;
      s.steps[d] = step;
      shape[d] = len;
    }
    const int out = add_like(n, s, shape, v);
    if (is_input(in)) m_input_views.push_back(out);
  }

  // Pad of a computed tensor along per-sample axes. A zero constant pad keeps {0,1} bits and
  // fixed point; reflect and edge keep any kind. A zero pad in front of a convolution is folded
  // into the convolution's padding (visit_linear).
  void visit_pad(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    std::vector<int64_t> pads = m_opset < 11 ? attr_ints(n, "pads") : ints(n, 1, "pads");
    double value = attr_f(n, "value", 0.0);
    if (m_opset >= 11 && n.input_size() > 2 && !n.input(2).empty()) {
      const Tensor& c = const_in(n, 2, "constant_value");
      if (c.numel() != 1) fail(n, "constant_value must hold one value");
      value = c.data[0];
    }
    if (n.input_size() > 3 && !n.input(3).empty()) fail(n, "Pad with an axes input is not supported");
    const std::size_t rank = v.shape.size() + 1;
    if (pads.size() != 2 * rank) fail(n, fmt::format("pads holds {} values; the input has rank {}", pads.size(), rank));
    if (pads[0] != 0 || pads[rank] != 0) fail(n, "padding the batch axis is not supported");
    const auto* m = attr(n, "mode");
    const std::string mode = m ? m->s() : "constant";
    DigitalStep s;
    s.op = DigitalOp::Pad;
    s.inputs = {in};
    s.alpha = value;
    if (mode == "reflect") s.pad_mode = DigitalStep::PadMode::Reflect;
    else if (mode == "edge") s.pad_mode = DigitalStep::PadMode::Edge;
    else if (mode != "constant") fail(n, fmt::format("pad mode '{}' is not supported (constant, reflect, edge)", mode));
    std::vector<int64_t> shape = v.shape;
    s.pads.assign(v.shape.size(), 0);
    for (std::size_t d = 1; d < rank; ++d) {
      const int64_t b = pads[d], e = pads[d + rank];
      if (b < 0 || e < 0) fail(n, "negative pads (cropping) are not supported; use a Slice");
      if (b > (int64_t{1} << 28) || e > (int64_t{1} << 28)) fail(n, fmt::format("pads of {} along axis {}", std::max(b, e), d));
      if (s.pad_mode == DigitalStep::PadMode::Reflect && (b >= v.shape[d - 1] || e >= v.shape[d - 1]))
        fail(n, fmt::format("reflect padding of {} along axis {} of size {}", std::max(b, e), d, v.shape[d - 1]));
      s.pads[d - 1] = b;
      shape[d - 1] += b + e;
    }
    s.pads.insert(s.pads.end(), pads.begin() + long(rank) + 1, pads.end());
    if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) {
      m_value[out_name(n)] = in;  // nothing to pad (PyTorch's AvgPool2d exports one)
      return;
    }
    const bool keeps = s.pad_mode != DigitalStep::PadMode::Constant ||
                       (v.kind != ValueKind::Real && v.code == BitCode::Unsigned01 && value == 0.0) ||
                       (v.kind == ValueKind::Bits && v.code == BitCode::Signed && (value == 1.0 || value == -1.0));
    if (keeps) add_like(n, s, shape, v);
    else add_step(n, s, shape, ValueKind::Real);
  }

  // Where(condition, A, B) with a computed {0,1} condition and constant A, B (per channel or
  // scalar): torch.where(x >= 0, 1, -1) becomes a +-1 binarizing step; others an affine step.
  void visit_where(const onnx::NodeProto& n) {
    const int c = value_in(n, 0);
    const ValueInfo cv = val(c);
    if (!is_const(n, 1) || !is_const(n, 2))
      fail(n, "Where of computed values is supported only with constant branches (e.g. torch.where(x >= 0, 1., -1.))");
    if (cv.kind != ValueKind::Bits || cv.code != BitCode::Unsigned01) fail(n, "the condition is not a comparison's {0,1} result");
    const auto A = per_channel(n, const_in(n, 1, "X"), cv.shape), B = per_channel(n, const_in(n, 2, "Y"), cv.shape);
    auto branches = [&](double a, double b) {  // A == a and B == b in every channel
      return std::all_of(A.begin(), A.end(), [a](double x) { return x == a; }) &&
             std::all_of(B.begin(), B.end(), [b](double x) { return x == b; });
    };
    const bool pm = branches(1, -1), mp = branches(-1, 1), id = branches(1, 0);
    if (id) {
      m_value[out_name(n)] = c;
      return;
    }
    auto p = m_producer.find(c);
    if ((pm || mp) && p != m_producer.end() && m_net.digital[std::size_t(p->second)].op == DigitalOp::Binarize &&
        !m_net.digital[std::size_t(p->second)].sign && !m_net.digital[std::size_t(p->second)].pm1) {
      DigitalStep s = m_net.digital[std::size_t(p->second)];  // the same comparison, giving +-1
      s.pm1 = true;
      if (mp) {  // -1 where the comparison holds: compare the negated value the other way
        const int neg = add_negation(n, s.inputs[0]);
        s.inputs = {neg};
        s.threshold = -s.threshold;
        s.strict = !s.strict;
      }
      add_step(n, s, cv.shape, ValueKind::Bits, BitCode::Signed);
      return;
    }
    std::vector<double> a(A.size()), b(B);
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = A[i] - B[i];
    add_affine(n, c, a, b);
  }

  // -x as an affine step of its own, named after node n.
  int add_negation(const onnx::NodeProto& n, int in) {
    DigitalStep neg;
    neg.op = DigitalOp::Affine;
    neg.inputs = {in};
    const int64_t C = val(in).shape.empty() ? 1 : val(in).shape[0];
    neg.a.assign(std::size_t(C), -1.0);
    neg.b.assign(std::size_t(C), 0.0);
    return push_step(node_name(n) + "/negate", out_name(n) + "/negated", neg, val(in).shape, real());
  }

  // Max / Min of two computed tensors (broadcast as Add; of {0,1} bits an OR / AND), or of a
  // computed tensor and a scalar constant (a clip).
  void visit_max_min(const onnx::NodeProto& n) {
    const bool mx = n.op_type() == "Max";
    if (n.input_size() != 2) fail(n, fmt::format("{} of {} inputs: two are supported", n.op_type(), n.input_size()));
    if (is_const(n, 0) || is_const(n, 1)) {
      const int ci = is_const(n, 0) ? 0 : 1;
      const Tensor& c = const_in(n, ci, "bound");
      if (c.numel() != 1) fail(n, "a bound that is not a scalar");
      const int in = value_in(n, 1 - ci);
      DigitalStep s;
      s.op = DigitalOp::Clip;
      s.inputs = {in};
      s.alpha = mx ? c.data[0] : -INFINITY;
      s.beta = mx ? INFINITY : c.data[0];
      add_step(n, s, val(in).shape, ValueKind::Real);
      return;
    }
    const int a = value_in(n, 0), b = value_in(n, 1);
    DigitalStep s;
    s.op = mx ? DigitalOp::Max : DigitalOp::Min;
    s.inputs = {a, b};
    const auto shape = broadcast_shape(n, val(a), val(b));
    const bool bits = val(a).kind == ValueKind::Bits && val(b).kind == ValueKind::Bits &&
                      val(a).code == val(b).code;
    if (bits) add_step(n, s, shape, ValueKind::Bits, val(a).code);
    else add_step(n, s, shape, ValueKind::Real);
  }

  // ReduceMean over the spatial axes of [C,H,W] is a global average pool (squeeze, GAP heads,
  // fixed point for bits); other reductions over per-sample axes are a reduce step.
  void visit_reduce(const onnx::NodeProto& n) {
    const int in = value_in(n, 0);
    const ValueInfo v = val(in);
    std::vector<int64_t> axes = attr_ints(n, "axes");
    if (n.input_size() > 1 && !n.input(1).empty()) axes = ints(n, 1, "axes");
    if (axes.empty()) fail(n, "a reduction over every axis would mix the samples (the batch axis)");
    std::vector<int64_t> norm;
    for (auto a : axes) norm.push_back(sample_axis(n, a, v, "axis"));
    std::sort(norm.begin(), norm.end());
    if (std::adjacent_find(norm.begin(), norm.end()) != norm.end()) fail(n, "an axis is listed twice");
    std::vector<int64_t> kept = v.shape, squeezed;  // the reduced axes as 1, or dropped
    for (auto a : norm) kept[std::size_t(a - 1)] = 1;
    for (std::size_t d = 0; d < v.shape.size(); ++d)
      if (!std::binary_search(norm.begin(), norm.end(), int64_t(d) + 1)) squeezed.push_back(v.shape[d]);
    const bool keep = attr_i(n, "keepdims", 1) != 0;
    if (!keep && squeezed.empty()) fail(n, "a reduction to a scalar per sample");
    onnx::NodeProto first = n;  // the reduction, then (keepdims 0) a view dropping the reduced axes
    if (!keep) first.set_output(0, out_name(n) + "/reduced");
    DigitalStep s;
    s.inputs = {in};
    int r;
    if (n.op_type() == "ReduceMean" && v.shape.size() == 3 && norm == std::vector<int64_t>{2, 3}) {
      s.op = DigitalOp::AvgPool;
      s.kernel = 0;
      r = add_mean(first, s, v, v.shape[1] * v.shape[2], kept);
    } else {
      s.op = DigitalOp::Reduce;
      const std::string& op = n.op_type();
      s.reduce = op == "ReduceMax" ? DigitalStep::ReduceKind::Max : op == "ReduceMin" ? DigitalStep::ReduceKind::Min
                 : op == "ReduceSum" ? DigitalStep::ReduceKind::Sum : DigitalStep::ReduceKind::Mean;
      for (auto a : norm) s.axes.push_back(a - 1);
      const bool order = s.reduce == DigitalStep::ReduceKind::Max || s.reduce == DigitalStep::ReduceKind::Min;
      r = order ? add_like(first, s, kept, v) : add_step(first, s, kept, ValueKind::Real);
    }
    if (!keep) {
      onnx::NodeProto view = n;
      view.set_name(node_name(n) + "/squeeze");
      add_view(view, r, squeezed);
    }
  }

  // Weights [N][Kper] -> integer levels x per-channel magnitude. False when the weights are not
  // a macro's (no step of which every weight of a channel is a multiple up to 127): the layer
  // then runs on the digital MAC unit.
  bool decode_weights(const std::vector<double>& w, LayerSpec& L) {
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
      // The step: the smallest weight magnitude divided by the smallest d that makes every weight
      // an integer multiple (4-bit weights {-7, -4, 2, 6} x s have no weight at one step).
      auto fits = [&](double step) {
        for (int64_t k = 0; k < K; ++k) {
          const double q = row[k] / step;
          if (std::fabs(q - std::round(q)) > 1e-4 || std::fabs(std::round(q)) > 127) return false;
        }
        return true;
      };
      int64_t div = 1;
      while (!fits(amin / double(div)))
        if (++div > 127) return false;
      const double step = amin / double(div);
      mag[std::size_t(c)] = step;
      int64_t lo = 0, hi = 0;
      for (int64_t k = 0; k < K; ++k) {
        const double r = std::round(row[k] / step);
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
    return true;
  }

  // A zero constant Pad of the spatial axes, the same on every side, in front of a convolution
  // becomes the convolution's own padding (padded taps drive no row) when the sum stays within
  // the kernel's half width. Returns the padding taken over (the input moved to the Pad's input).
  int64_t fold_pad_into_conv(const onnx::NodeProto& n, int& in) {
    auto p = m_producer.find(in);
    if (n.op_type() != "Conv" || p == m_producer.end() || !is_const(n, 1)) return 0;
    const DigitalStep& d = m_net.digital[std::size_t(p->second)];
    const Tensor& W = m_const.at(n.input(1));
    auto pads = attr_ints(n, "pads");
    auto dil = attr_ints(n, "dilations");
    const int64_t dl = dil.empty() ? 1 : dil[0];
    if (d.op != DigitalOp::Pad || d.pad_mode != DigitalStep::PadMode::Constant || d.alpha != 0.0 || d.pads.size() != 6 ||
        W.shape.size() != 4)
      return 0;
    const int64_t q = d.pads[1];
    if (d.pads[0] != 0 || d.pads[3] != 0 || d.pads[2] != q || d.pads[4] != q || d.pads[5] != q) return 0;
    for (std::size_t a = 0; a < 2; ++a)  // the sum within each axis' extent
      if ((pads.size() == 4 ? pads[a] : 0) + q >= (W.shape[2 + a] - 1) * dl + 1) return 0;
    in = d.inputs[0];
    return q;
  }

  // A grouped convolution that is not depthwise with one output per channel, as convolutions
  // the macros take: per group a channel slice and a dense convolution (block-diagonal tiles, one
  // layer each), concatenated; or, with groups = channels and a channel multiplier m, m
  // depthwise convolutions whose outputs are interleaved back into ONNX's channel order
  // (output c x m + j is depthwise layer j's channel c).
  bool split_groups(const onnx::NodeProto& n) {
    if (n.op_type() != "Conv" || !is_const(n, 1)) return false;
    const int64_t G = attr_i(n, "group", 1);
    const int in = value_in(n, 0);
    const ValueInfo x = val(in);
    const Tensor W = m_const.at(n.input(1));
    if (G <= 1 || x.shape.empty() || W.shape.size() < 3) return false;
    const int64_t C = x.shape[0], N = W.shape[0];
    if (G == C && N == C) return false;  // plain depthwise: one layer
    if (C % G || N % G || W.shape[1] * G != C)
      fail(n, fmt::format("group={} does not divide {} input and {} output channels (weight {})", G, C, N, shape_str(W.shape)));
    const bool multiplier = G == C;
    const int64_t parts = multiplier ? N / C : G, per = W.numel() / N;  // weights per output channel
    const Tensor* B = n.input_size() > 2 && !n.input(2).empty() ? &const_in(n, 2, "bias") : nullptr;
    const std::string base = node_name(n), out = out_name(n);
    std::vector<int> pieces;
    for (int64_t g = 0; g < parts; ++g) {
      // Output channels of this part, in ONNX's order.
      std::vector<int64_t> chans;
      for (int64_t i = 0; i < (multiplier ? C : N / G); ++i) chans.push_back(multiplier ? i * parts + g : g * (N / G) + i);
      Tensor Wg;
      Wg.shape = W.shape;
      Wg.shape[0] = int64_t(chans.size());
      Tensor Bg;
      Bg.shape = {int64_t(chans.size())};
      for (int64_t c : chans) {
        Wg.data.insert(Wg.data.end(), W.data.begin() + c * per, W.data.begin() + (c + 1) * per);
        if (B) Bg.data.push_back(B->data[std::size_t(c)]);
      }
      const std::string tag = fmt::format("{}/{}{}", base, multiplier ? "multiplier" : "group", g);
      m_const[tag + "/W"] = Wg;
      if (B) m_const[tag + "/B"] = Bg;
      int src = in;
      if (!multiplier) {  // this group's input channels
        DigitalStep sl;
        sl.op = DigitalOp::Slice;
        sl.inputs = {in};
        sl.starts.assign(x.shape.size(), 0);
        sl.steps.assign(x.shape.size(), 1);
        sl.starts[0] = g * (C / G);
        std::vector<int64_t> shape = x.shape;
        shape[0] = C / G;
        src = push_step(tag + "/Slice", tag + "/input", sl, shape, x);
        if (is_input(in)) m_input_views.push_back(src);  // still raw input values
      }
      onnx::NodeProto conv = n;
      conv.set_name(tag);
      conv.clear_input();
      conv.add_input(val(src).name);
      conv.add_input(tag + "/W");
      if (B) conv.add_input(tag + "/B");
      conv.set_output(0, tag + "/output");
      for (auto& a : *conv.mutable_attribute())
        if (a.name() == "group") a.set_i(multiplier ? C : 1);
      visit_linear(conv);
      pieces.push_back(m_value.at(tag + "/output"));
    }
    DigitalStep cat;
    cat.op = DigitalOp::Concat;
    cat.inputs = pieces;
    cat.axis = 0;
    std::vector<int64_t> shape = val(pieces[0]).shape;
    shape[0] = N;
    const int joined = push_step(base + "/concat", multiplier ? out + "/parts" : out, cat, shape, real());
    if (multiplier) {  // [m][C] -> [C][m]: channel c x m + j
      const std::string name = base + "/interleave";
      std::vector<int64_t> split = {parts, C}, swapped = {C, parts};
      split.insert(split.end(), shape.begin() + 1, shape.end());
      swapped.insert(swapped.end(), shape.begin() + 1, shape.end());
      DigitalStep view, tr;
      view.op = DigitalOp::Reshape;
      view.inputs = {joined};
      tr.op = DigitalOp::Transpose;
      tr.inputs = {push_step(name, out + "/split", view, split, real())};
      tr.perm = {1, 0};
      for (std::size_t d = 2; d < split.size(); ++d) tr.perm.push_back(int64_t(d));
      view.inputs = {push_step(name, out + "/interleaved", tr, swapped, real())};
      push_step(name, out, view, shape, real());
    }
    return true;
  }

  void visit_linear(const onnx::NodeProto& n) {
    if (split_groups(n)) return;
    int in = value_in(n, 0);
    const int64_t folded_pad = fold_pad_into_conv(n, in);
    const ValueInfo x = val(in);
    // Real-valued inputs (or, below, weights that are not a macro's) run on the digital MAC unit.
    bool mac = x.kind == ValueKind::Real && !is_input(in);
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
      // Conv2d on [C,H,W], or Conv1d on [C,W] as a 1 x k kernel over one row.
      const bool one_d = x.shape.size() == 2;
      if (x.shape.size() != 3 && !one_d) fail(n, fmt::format("input shape {} is not [C,H,W] or [C,W]", shape_str(x.shape)));
      if (W.shape.size() != (one_d ? 3u : 4u))
        fail(n, fmt::format("weight shape {} does not fit the input {}", shape_str(W.shape), shape_str(x.shape)));
      const int64_t kh = one_d ? 1 : W.shape[2], kw = W.shape.back(), C = x.shape[0], G = attr_i(n, "group", 1);
      const std::size_t axes = one_d ? 1 : 2;
      auto per_axis = [&](const char* name, int64_t def) {  // [h, w] from an attribute of `axes` values
        auto v = attr_ints(n, name);
        if (v.empty()) v.assign(axes, def);
        if (v.size() != axes) fail(n, fmt::format("{} holds {} values; expected {}", name, v.size(), axes));
        if (one_d) v.insert(v.begin(), def);
        return v;
      };
      const auto dil = per_axis("dilations", 1), strides = per_axis("strides", 1);
      if (dil[0] != dil[1] && !one_d) fail(n, "dilations must be equal in both dimensions");
      if (strides[0] != strides[1] && !one_d) fail(n, "strides must be equal in both dimensions");
      const int64_t d = dil[1], s = strides[1];
      if (d < 1 || d > 8) fail(n, fmt::format("dilation {} is not supported (1 to 8)", d));
      const auto* ap = attr(n, "auto_pad");
      if (ap && ap->s() != "NOTSET" && ap->s() != "VALID") fail(n, "auto_pad is not supported; export explicit pads");
      auto pads = attr_ints(n, "pads");  // begins, then ends
      if (pads.empty()) pads.assign(2 * axes, 0);
      if (pads.size() != 2 * axes) fail(n, fmt::format("pads holds {} values; expected {}", pads.size(), 2 * axes));
      if (one_d) pads = {0, pads[0], 0, pads[1]};
      if (pads[0] != pads[2] || pads[1] != pads[3])
        fail(n, fmt::format("pads {} differ between the two sides of an axis; only symmetric padding is supported",
                            shape_str(attr_ints(n, "pads"))));
      const int64_t ph = pads[0] + (one_d ? 0 : folded_pad), pw = pads[1] + folded_pad;
      const int64_t span_h = (kh - 1) * d + 1, span_w = (kw - 1) * d + 1;
      if (s < 1 || s > 4) fail(n, fmt::format("stride {} is not supported (1 to 4)", s));
      if (ph >= span_h || pw >= span_w)
        fail(n, fmt::format("padding [{}, {}] reaches beyond the kernel's extent [{}, {}]", ph, pw, span_h, span_w));
      const bool depthwise = G > 1 && G == C && W.shape[0] == C;  // other groups: split_groups
      if (W.shape[1] * G != C) fail(n, fmt::format("weight takes {} input channels per group, input has {} channels", W.shape[1], C));
      L.kind = depthwise ? LayerKind::Depthwise3x3 : kh == 1 && kw == 1 ? LayerKind::Conv1x1 : LayerKind::Conv3x3;
      L.kernel = kh;
      L.kernel_w = kw;
      L.dilation = d;
      L.stride = s;
      L.pad = ph;
      L.pad_w = pw;
      L.groups = G;
      L.in_channels = C;
      L.out_channels = W.shape[0];
      L.in_h = one_d ? 1 : x.shape[1];
      L.in_w = x.shape.back();
      L.out_h = (L.in_h + 2 * ph - span_h) / s + 1;
      L.out_w = (L.in_w + 2 * pw - span_w) / s + 1;
      if (L.in_h + 2 * ph < span_h || L.in_w + 2 * pw < span_w || L.out_h < 1 || L.out_w < 1) fail(n, "the output would be empty");
      if (one_d) {
        w = W.data;
        out_shape = {L.out_channels, L.out_w};
      }
      if (!one_d) {
        w = W.data;
        out_shape = {L.out_channels, L.out_h, L.out_w};
      }
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
    // A mean of +-1 bits (an offset) under zero padding is no fixed-point input a macro takes.
    if (x.kind == ValueKind::UInt && x.offset != 0.0 && (L.pad != 0 || L.pw() != 0)) mac = true;
    if (!mac) mac = !decode_weights(w, L);
    if (mac) {
      DigitalStep s;
      s.op = DigitalOp::Mac;
      s.inputs = {in};
      L.bias = bias_in.empty() ? std::vector<double>(std::size_t(L.out_channels), 0.0) : bias_in;
      L.weights.clear();
      s.layer = std::move(L);
      s.weights = std::move(w);
      add_step(n, s, out_shape, ValueKind::Real);
      return;
    }
    if (!bias_in.empty()) L.bias = bias_in;
    if (x.kind == ValueKind::UInt && x.offset != 0.0) {
      // value = level x step + offset: the offset's share, offset x sum of the weights, joins the
      // bias (unpadded layers only: padding would contribute 0, not the offset, at the border).
      for (int64_t c = 0; c < L.out_channels; ++c) {
        int64_t sum = 0;
        for (int64_t k = 0; k < L.k_per_out(); ++k) sum += L.weight(c, k);
        L.bias[std::size_t(c)] += x.offset * L.scale[std::size_t(c)] * double(sum);
      }
    }
    if (x.kind == ValueKind::UInt)
      for (auto& s : L.scale) s *= x.scale;  // the fixed-point step of the input
    L.output = add_value(out_name(n), out_shape, ValueKind::Real);
    m_net.layers.push_back(std::move(L));
    m_net.steps.push_back({true, int(m_net.layers.size()) - 1});
  }

  // A constant broadcast against a per-sample tensor of `shape` (ONNX broadcasting, with the
  // batch axis in front) must be the same along every axis but the channel axis (dimension 0 of
  // the per-sample shape): one value per channel. Its shape may be anything that broadcasts,
  // e.g. [C,1,1], [1,C,1,1], or [1,C,H,W] filled per channel (torch.ones_like).
  std::vector<double> per_channel(const onnx::NodeProto& n, const Tensor& c, const std::vector<int64_t>& shape) {
    const int64_t N = shape.empty() ? 1 : shape[0];
    std::vector<int64_t> full = {m_batch};
    full.insert(full.end(), shape.begin(), shape.end());
    if (c.shape.size() > full.size()) fail(n, fmt::format("constant of shape {} has too many dimensions", shape_str(c.shape)));
    const std::size_t off = full.size() - c.shape.size();
    for (std::size_t i = 0; i < c.shape.size(); ++i)
      if (c.shape[i] != 1 && c.shape[i] != full[off + i])
        fail(n, fmt::format("constant of shape {} does not broadcast over {} per sample", shape_str(c.shape), shape_str(shape)));
    // Axis of c that runs along the channels (-1: none, the value is shared).
    const int ch_axis = off <= 1 && 1 - off < c.shape.size() && c.shape[1 - off] != 1 ? int(1 - off) : -1;
    std::vector<double> out(std::size_t(N), c.data.empty() ? 0.0 : c.data[0]);
    std::vector<bool> set(std::size_t(N), false);
    int64_t inner = 1;
    if (ch_axis >= 0)
      for (std::size_t d = std::size_t(ch_axis) + 1; d < c.shape.size(); ++d) inner *= c.shape[d];
    for (std::size_t i = 0; i < c.data.size(); ++i) {
      const std::size_t ch = ch_axis >= 0 ? std::size_t((int64_t(i) / inner) % N) : 0;
      if (ch_axis < 0) {
        if (c.data[i] != c.data[0])
          fail(n, fmt::format("constant of shape {} varies within a channel; only per-channel constants are supported", shape_str(c.shape)));
        continue;
      }
      if (!set[ch]) {
        out[ch] = c.data[i];
        set[ch] = true;
      } else if (out[ch] != c.data[i]) {
        fail(n, fmt::format("constant of shape {} varies within channel {}; only per-channel constants are supported",
                            shape_str(c.shape), ch));
      }
    }
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
    if (!c0 && !c1) {  // two tensors
      if (op == "Div") fail(n, "Div of two computed tensors is not supported (Add, Sub and Mul are)");
      const int a = value_in(n, 0), b = value_in(n, 1);
      if (op == "Add") {  // the straight-through estimator: a + (r - a) (or (r - b) + b) is r forward
        for (auto [x, y] : {std::pair{a, b}, std::pair{b, a}}) {
          auto p = m_producer.find(y);
          if (p == m_producer.end()) continue;
          const DigitalStep& d = m_net.digital[std::size_t(p->second)];
          if (d.op == DigitalOp::Sub && d.inputs[1] == x && val(d.inputs[0]).shape == broadcast_shape(n, val(a), val(b))) {
            m_value[out_name(n)] = d.inputs[0];
            return;
          }
        }
      }
      DigitalStep s;
      s.op = op == "Add" ? DigitalOp::Add : op == "Sub" ? DigitalOp::Sub : DigitalOp::Mul;
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

  // Sign, and comparisons of a computed tensor with a constant threshold (scalar or per
  // channel, on either side). Less and LessOrEqual compare the negated value: x < t is -x > -t.
  void visit_binarize(const onnx::NodeProto& n) {
    std::string op = n.op_type();
    if (op == "Sign") {
      const int in = value_in(n, 0);
      DigitalStep s;
      s.op = DigitalOp::Binarize;
      s.inputs = {in};
      s.sign = true;
      add_step(n, s, val(in).shape, ValueKind::Bits, BitCode::Signed);
      return;
    }
    int xi = 0;
    if (is_const(n, 0) && !is_const(n, 1)) {  // t < x is x > t
      xi = 1;
      static const std::map<std::string, std::string> mirror = {
          {"Greater", "Less"}, {"Less", "Greater"}, {"GreaterOrEqual", "LessOrEqual"}, {"LessOrEqual", "GreaterOrEqual"}};
      op = mirror.at(op);
    }
    if (!is_const(n, 1 - xi)) fail(n, "a comparison of two computed tensors is not supported; compare with a constant threshold");
    int in = value_in(n, xi);
    const Tensor& c = const_in(n, 1 - xi, "threshold");
    const bool less = op == "Less" || op == "LessOrEqual";
    DigitalStep s;
    s.op = DigitalOp::Binarize;
    s.strict = op == "Greater" || op == "Less";
    if (less) in = add_negation(n, in);
    if (c.numel() == 1) {
      s.threshold = less ? -c.data[0] : c.data[0];
    } else {  // per-channel thresholds: subtract them first
      auto t = per_channel(n, c, val(in).shape);
      for (auto& v : t) v = less ? v : -v;
      DigitalStep sub;
      sub.op = DigitalOp::Affine;
      sub.inputs = {in};
      sub.a.assign(t.size(), 1.0);
      sub.b = t;
      in = push_step(node_name(n) + "/threshold", out_name(n) + "/shifted", sub, val(in).shape, real());
    }
    s.inputs = {in};
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
    int in = value_in(n, 0);
    // A zero constant Pad of the spatial axes in front of an average pool (PyTorch's export of
    // count_include_pad) becomes the pool's own padding, counted in the divisor.
    std::vector<int64_t> outer_pads;
    if (auto p = m_producer.find(in); n.op_type() == "AveragePool" && p != m_producer.end()) {
      const DigitalStep& d = m_net.digital[std::size_t(p->second)];
      if (d.op == DigitalOp::Pad && d.pad_mode == DigitalStep::PadMode::Constant && d.alpha == 0.0 && d.pads.size() == 6 &&
          d.pads[0] == 0 && d.pads[3] == 0) {
        outer_pads = {d.pads[1], d.pads[2], d.pads[4], d.pads[5]};
        in = d.inputs[0];
      } else if (d.op == DigitalOp::Pad && d.pad_mode == DigitalStep::PadMode::Constant && d.alpha == 0.0 &&
                 d.pads.size() == 4 && d.pads[0] == 0 && d.pads[2] == 0) {  // 1-D
        outer_pads = {0, d.pads[1], 0, d.pads[3]};
        in = d.inputs[0];
      }
    }
    const ValueInfo v = val(in);
    const bool one_d = v.shape.size() == 2;  // [C,W]: MaxPool1d / AvgPool1d, one row
    if (v.shape.size() != 3 && !one_d) fail(n, fmt::format("input shape {} is not [C,H,W] or [C,W]", shape_str(v.shape)));
    const int64_t H = one_d ? 1 : v.shape[1], Wd = v.shape.back();
    DigitalStep s;
    s.op = n.op_type() == "MaxPool" ? DigitalOp::MaxPool : DigitalOp::AvgPool;
    s.inputs = {in};
    int64_t window;
    std::vector<int64_t> shape;
    bool uniform = true;  // every window has the same divisor
    if (n.op_type() == "GlobalAveragePool") {
      s.kernel = 0;  // the whole image
      window = H * Wd;
      shape = one_d ? std::vector<int64_t>{v.shape[0], 1} : std::vector<int64_t>{v.shape[0], 1, 1};
    } else {
      auto ks = attr_ints(n, "kernel_shape");
      auto st = attr_ints(n, "strides");
      auto pads = attr_ints(n, "pads");
      if (one_d) {  // as a 1 x k window over one row
        if (ks.size() != 1) fail(n, "a 1-D pool needs one kernel dimension");
        ks.insert(ks.begin(), 1);
        if (!st.empty()) st.insert(st.begin(), st[0]);
        if (pads.size() == 2) pads = {0, pads[0], 0, pads[1]};
      }
      if (ks.size() != 2) fail(n, fmt::format("kernel_shape {} does not fit the input {}", shape_str(ks), shape_str(v.shape)));
      s.kernel = ks[0];
      s.kernel_w = ks[1];
      s.stride = st.empty() ? 1 : st[0];
      for (auto x : st) if (x != s.stride) fail(n, "strides must be equal in both dimensions");
      for (auto x : attr_ints(n, "dilations")) if (x != 1) fail(n, "dilated pooling is not supported");
      const auto* ap = attr(n, "auto_pad");
      if (ap && ap->s() != "NOTSET" && ap->s() != "VALID") fail(n, "auto_pad is not supported; export explicit pads");
      if (pads.empty()) pads.assign(4, 0);
      if (pads.size() != 4) fail(n, fmt::format("pads holds {} values; expected {}", pads.size(), one_d ? 2 : 4));
      for (auto x : pads)
        if (x < 0 || x > (int64_t{1} << 20)) fail(n, fmt::format("padding {} is negative or beyond 2^20", x));
      s.count_pad = attr_i(n, "count_include_pad", 0) != 0;
      if (!outer_pads.empty()) {
        if (std::any_of(pads.begin(), pads.end(), [](int64_t x) { return x != 0; }) && !s.count_pad)
          fail(n, "a Pad in front of a padded pool that does not count its padding");
        for (std::size_t i = 0; i < 4; ++i) pads[i] += outer_pads[i];
        s.count_pad = true;
      }
      if (s.kernel < 1 || s.kernel_w < 1 || s.stride < 1 || s.kernel > (int64_t{1} << 20) ||
          s.kernel_w > (int64_t{1} << 20) || s.stride > (int64_t{1} << 20))
        fail(n, fmt::format("window {}x{} and stride {} must be positive and at most 2^20", s.kernel, s.kernel_w, s.stride));
      if (pads[0] >= s.kernel || pads[2] >= s.kernel || pads[1] >= s.kernel_w || pads[3] >= s.kernel_w)
        fail(n, fmt::format("padding {} is not below the window {}x{}", shape_str(pads), s.kernel, s.kernel_w));
      s.ceil = attr_i(n, "ceil_mode", 0) != 0;
      auto out_dim = [&](int64_t size, int64_t k, int64_t b, int64_t e) {
        const int64_t span = size + b + e - k;
        if (span < 0) fail(n, "window larger than the padded input");
        int64_t o = (s.ceil ? (span + s.stride - 1) / s.stride : span / s.stride) + 1;
        if (s.ceil && (o - 1) * s.stride >= size + b) --o;  // the last window starts inside the image or its front padding
        if (s.ceil && (o - 1) * s.stride + k > size + b + e) uniform = false;  // it runs past the padding
        return o;
      };
      const int64_t ho = out_dim(H, s.kernel, pads[0], pads[2]), wo = out_dim(Wd, s.kernel_w, pads[1], pads[3]);
      shape = one_d ? std::vector<int64_t>{v.shape[0], wo} : std::vector<int64_t>{v.shape[0], ho, wo};
      const bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t x) { return x != 0; });
      if (padded) s.pads = pads;
      // Padding cells count as 0: not a +-1 bit, so such means are not k x 2/n - 1.
      if (padded && (!s.count_pad || v.code == BitCode::Signed)) uniform = false;
      window = s.kernel * s.kernel_w;
    }
    if (s.op == DigitalOp::MaxPool) {
      add_like(n, s, shape, v);  // max of bits is their OR
      return;
    }
    if (!uniform) {
      add_step(n, s, shape, ValueKind::Real);  // divisors differ per window
      return;
    }
    add_mean(n, s, v, window, shape);
  }

  // An average pool step: the mean of binary {0,1} (or unsigned fixed-point) values over
  // `window` cells is unsigned fixed point; of anything else, real.
  int add_mean(const onnx::NodeProto& n, const DigitalStep& s, const ValueInfo& v, int64_t window,
               const std::vector<int64_t>& shape) {
    if (v.kind == ValueKind::Bits) {  // k ones of n: k/n, or for +-1 bits (2k - n)/n = k x 2/n - 1
      int64_t b = 1;
      while ((int64_t{1} << b) <= window) ++b;
      const bool pm = v.code == BitCode::Signed;
      const int out = add_step(n, s, shape, ValueKind::UInt, BitCode::Unsigned01, b, (pm ? 2.0 : 1.0) / double(window));
      m_net.values[std::size_t(out)].offset = pm ? -1.0 : 0.0;
      return out;
    }
    if (v.kind == ValueKind::UInt) {
      int64_t b = v.bits;
      while ((int64_t{1} << b) <= window * ((int64_t{1} << v.bits) - 1)) ++b;
      const int out = add_step(n, s, shape, ValueKind::UInt, BitCode::Unsigned01, b, v.scale / double(window));
      m_net.values[std::size_t(out)].offset = v.offset;  // the mean of (k x scale + offset)
      return out;
    }
    return add_step(n, s, shape, ValueKind::Real);
  }

  std::filesystem::path m_path;
  int64_t m_opset = 13;  // the default domain's opset (some ops' defaults depend on it)
  Network m_net;
  std::map<std::string, Tensor> m_const;
  std::map<std::string, int> m_value;
  std::vector<int> m_input_views;
  std::set<std::string> m_poisoned;  // outputs of nodes that could not be imported
  std::map<int, int> m_producer;     // value -> the digital step computing it
  int64_t m_batch = 1;               // the declared batch size, 1 when dynamic
  int m_index = 0;
};

}  // namespace

Network import_onnx(const std::filesystem::path& model_path) { return Importer(model_path).run(); }

}  // namespace cimsim
