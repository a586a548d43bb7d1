#include "workloads/onnx_fold.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <climits>
#include <functional>
#include <set>

namespace cimsim {

namespace {

using Shape = std::vector<int64_t>;

constexpr int64_t kMaxFoldElements = int64_t{1} << 26;  // a folded constant larger than this is refused

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) {
    if (d < 0) throw FoldError(fmt::format("negative dimension in shape {}", shape_str(s)));
    if (d > 0 && n > kMaxFoldElements / d) throw FoldError(fmt::format("constant of shape {} is too large to fold", shape_str(s)));
    n *= d;
  }
  return n;
}

Tensor make(Shape shape, bool integer) {
  Tensor t;
  t.data.assign(std::size_t(count(shape)), 0.0);
  t.shape = std::move(shape);
  t.is_integer = integer;
  return t;
}

// Row-major strides of `s`, with 0 along axes of size 1 when broadcast into `out` of the same rank.
Shape strides_in(const Shape& s, const Shape& out) {
  Shape st(out.size(), 0);
  int64_t k = 1;
  const std::size_t off = out.size() - s.size();
  for (std::size_t d = s.size(); d-- > 0;) {
    st[off + d] = s[d] == 1 ? 0 : k;
    k *= s[d];
  }
  return st;
}

// Calls f(out_index, in_offsets) for every element of `out`, with each input broadcast into it.
void for_broadcast(const Shape& out, const std::vector<const Shape*>& ins,
                   const std::function<void(std::size_t, const std::vector<int64_t>&)>& f) {
  std::vector<Shape> st;
  for (const Shape* s : ins) st.push_back(strides_in(*s, out));
  const std::size_t rank = out.size();
  const int64_t n = count(out);
  Shape idx(rank, 0);
  std::vector<int64_t> off(ins.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    f(std::size_t(i), off);
    for (std::size_t d = rank; d-- > 0;) {
      for (std::size_t k = 0; k < ins.size(); ++k) off[k] += st[k][d];
      if (++idx[d] < out[d]) break;
      for (std::size_t k = 0; k < ins.size(); ++k) off[k] -= st[k][d] * out[d];
      idx[d] = 0;
    }
  }
}

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t attr_i(const onnx::NodeProto& n, const char* name, int64_t def) {
  const auto* a = attr(n, name);
  return a ? a->i() : def;
}
Shape attr_ints(const onnx::NodeProto& n, const char* name) {
  const auto* a = attr(n, name);
  return a ? Shape(a->ints().begin(), a->ints().end()) : Shape{};
}

const Tensor& need(const std::vector<const Tensor*>& in, std::size_t i, const char* what) {
  if (i >= in.size() || !in[i]) throw FoldError(fmt::format("{} (input {}) is missing", what, i));
  return *in[i];
}
const Tensor* opt(const std::vector<const Tensor*>& in, std::size_t i) { return i < in.size() ? in[i] : nullptr; }

int64_t norm_axis(int64_t a, int64_t rank, const char* what = "axis") {
  if (a < -rank || a >= rank) throw FoldError(fmt::format("{} {} is out of range for rank {}", what, a, rank));
  return a < 0 ? a + rank : a;
}

void round_float(Tensor& t) {
  if (t.is_integer) return;
  for (auto& v : t.data) v = double(float(v));
}

Tensor unary(const Tensor& x, const std::function<double(double)>& f, bool integer) {
  Tensor r = make(x.shape, integer);
  for (std::size_t i = 0; i < x.data.size(); ++i) r.data[i] = f(x.data[i]);
  return r;
}

Tensor nary(const std::vector<const Tensor*>& in, const std::function<double(const std::vector<double>&)>& f,
            bool integer) {
  Shape out = in[0]->shape;
  for (std::size_t k = 1; k < in.size(); ++k) out = broadcast_shapes(out, in[k]->shape);
  Tensor r = make(out, integer);
  std::vector<const Shape*> shapes;
  for (const Tensor* t : in) shapes.push_back(&t->shape);
  std::vector<double> v(in.size());
  for_broadcast(out, shapes, [&](std::size_t i, const std::vector<int64_t>& off) {
    for (std::size_t k = 0; k < in.size(); ++k) v[k] = in[k]->data[std::size_t(off[k])];
    r.data[i] = f(v);
  });
  return r;
}

Tensor transpose(const Tensor& x, Shape perm) {
  const std::size_t rank = x.shape.size();
  if (perm.empty())
    for (std::size_t d = rank; d-- > 0;) perm.push_back(int64_t(d));
  if (perm.size() != rank) throw FoldError(fmt::format("perm has {} entries for rank {}", perm.size(), rank));
  Shape out(rank), in_st(rank), st(rank);
  int64_t k = 1;
  for (std::size_t d = rank; d-- > 0;) {
    in_st[d] = k;
    k *= x.shape[d];
  }
  std::set<int64_t> seen;
  for (std::size_t d = 0; d < rank; ++d) {
    const int64_t p = norm_axis(perm[d], int64_t(rank), "perm entry");
    if (!seen.insert(p).second) throw FoldError("perm repeats an axis");
    out[d] = x.shape[std::size_t(p)];
    st[d] = in_st[std::size_t(p)];
  }
  Tensor r = make(out, x.is_integer);
  Shape idx(rank, 0);
  int64_t off = 0;
  for (std::size_t i = 0; i < r.data.size(); ++i) {
    r.data[i] = x.data[std::size_t(off)];
    for (std::size_t d = rank; d-- > 0;) {
      off += st[d];
      if (++idx[d] < out[d]) break;
      off -= st[d] * out[d];
      idx[d] = 0;
    }
  }
  return r;
}

// Reduction over `axes` (empty: all, unless noop) with keepdims.
Tensor reduce(const Tensor& x, Shape axes, bool keep, bool noop_empty, const std::string& op) {
  const int64_t rank = int64_t(x.shape.size());
  if (axes.empty()) {
    if (noop_empty) return x;
    for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
  }
  std::vector<bool> red(std::size_t(rank), false);
  for (auto a : axes) red[std::size_t(norm_axis(a, rank))] = true;
  Shape kept(static_cast<std::size_t>(rank), 0);
  for (int64_t d = 0; d < rank; ++d) kept[std::size_t(d)] = red[std::size_t(d)] ? 1 : x.shape[std::size_t(d)];
  Tensor r = make(kept, x.is_integer && op != "ReduceMean");
  std::vector<double> acc(r.data.size(), op == "ReduceMax" ? -INFINITY : op == "ReduceMin" ? INFINITY : op == "ReduceProd" ? 1.0 : 0.0);
  const Shape st = strides_in(kept, x.shape);
  Shape idx(static_cast<std::size_t>(rank), 0);
  int64_t off = 0;
  for (std::size_t i = 0; i < x.data.size(); ++i) {
    double& a = acc[std::size_t(off)];
    const double v = x.data[i];
    if (op == "ReduceMax") a = std::max(a, v);
    else if (op == "ReduceMin") a = std::min(a, v);
    else if (op == "ReduceProd") a *= v;
    else if (op == "ReduceL1") a += std::fabs(v);
    else if (op == "ReduceL2" || op == "ReduceSumSquare") a += v * v;
    else a += v;  // ReduceSum, ReduceMean
    for (std::size_t d = std::size_t(rank); d-- > 0;) {
      off += st[d];
      if (++idx[d] < x.shape[d]) break;
      off -= st[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  const int64_t per = std::max<int64_t>(1, count(x.shape) / std::max<int64_t>(1, count(kept)));
  for (std::size_t i = 0; i < acc.size(); ++i)
    r.data[i] = op == "ReduceMean" ? acc[i] / double(per) : op == "ReduceL2" ? std::sqrt(acc[i]) : acc[i];
  if (!keep) {
    Shape s;
    for (int64_t d = 0; d < rank; ++d)
      if (!red[std::size_t(d)]) s.push_back(x.shape[std::size_t(d)]);
    r.shape = s;
  }
  return r;
}

Tensor slice(const Tensor& x, const Shape& starts, const Shape& ends, Shape axes, Shape steps) {
  const int64_t rank = int64_t(x.shape.size());
  if (axes.empty())
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(int64_t(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    throw FoldError("starts, ends, axes and steps differ in length");
  Shape b(std::size_t(rank), 0), st(std::size_t(rank), 1), out = x.shape;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const auto d = std::size_t(norm_axis(axes[i], rank));
    const int64_t dim = x.shape[d], step = std::clamp<int64_t>(steps[i], -(int64_t{1} << 40), int64_t{1} << 40);
    if (step == 0) throw FoldError("slice step 0");
    auto clampi = [&](int64_t v, bool is_start) {
      if (v < 0) v += dim;
      if (step > 0) return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, is_start ? 0 : -1, dim - 1);
    };
    const int64_t s = clampi(starts[i], true), e = clampi(ends[i], false);
    const int64_t n = step > 0 ? std::max<int64_t>(0, (e - s + step - 1) / step) : std::max<int64_t>(0, (s - e - step - 1) / -step);
    b[d] = s;
    st[d] = step;
    out[d] = n;
  }
  Tensor r = make(out, x.is_integer);
  // Offsets along each axis of the input, then every output element as their sum.
  std::vector<Shape> offs(x.shape.size());
  int64_t k = 1;
  for (std::size_t d = x.shape.size(); d-- > 0;) {
    for (int64_t j = 0; j < out[d]; ++j) offs[d].push_back((b[d] + j * st[d]) * k);
    k *= x.shape[d];
  }
  std::function<void(std::size_t, int64_t, std::size_t&)> walk = [&](std::size_t d, int64_t base, std::size_t& w) {
    if (d == offs.size()) {
      r.data[w++] = x.data[std::size_t(base)];
      return;
    }
    for (int64_t o : offs[d]) walk(d + 1, base + o, w);
  };
  std::size_t w = 0;
  if (!r.data.empty()) walk(0, 0, w);
  return r;
}

}  // namespace

std::vector<int64_t> int_values(const Tensor& t) {
  std::vector<int64_t> s;
  for (double v : t.data) {  // INT64_MAX / INT64_MIN ("to the end") do not survive double exactly
    if (std::isnan(v)) throw FoldError("NaN where an integer is expected");
    s.push_back(v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : int64_t(v));
  }
  return s;
}

bool is_float_type(int64_t onnx_type) {
  return onnx_type == onnx::TensorProto::FLOAT || onnx_type == onnx::TensorProto::DOUBLE ||
         onnx_type == onnx::TensorProto::FLOAT16 || onnx_type == onnx::TensorProto::BFLOAT16;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x != y && x != 1 && y != 1)
      throw FoldError(fmt::format("shapes {} and {} do not broadcast", shape_str(a), shape_str(b)));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Tensor shape_result(const onnx::NodeProto& n, const std::vector<int64_t>& shape) {
  Tensor r = make({}, true);
  if (n.op_type() == "Size") {
    r.data = {double(count(shape))};
    return r;
  }
  const int64_t rank = int64_t(shape.size());
  int64_t s = attr_i(n, "start", 0), e = attr_i(n, "end", rank);  // opset 15's optional slice
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  s = std::clamp<int64_t>(s, 0, rank);
  e = std::clamp<int64_t>(e, s, rank);
  r.shape = {e - s};
  r.data.assign(shape.begin() + s, shape.begin() + e);
  return r;
}

bool foldable_op(const std::string& op) {
  static const std::set<std::string> ops = {
      "Identity", "Dropout", "Cast", "Neg", "Abs", "Sign", "Sqrt", "Reciprocal", "Exp", "Log", "Floor", "Ceil",
      "Round", "Relu", "Sigmoid", "Tanh", "Not", "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less",
      "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Max", "Min", "Where", "Clip", "ReduceMean",
      "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
      "Transpose", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat", "Gather", "Slice", "Expand",
      "ConstantOfShape", "Shape", "Size", "Range", "Tile", "MatMul"};
  return ops.count(op) > 0;
}

std::vector<Tensor> fold_node(const onnx::NodeProto& n, const std::vector<const Tensor*>& in, int64_t opset) {
  const std::string& op = n.op_type();
  const Tensor& x = need(in, 0, "input");
  Tensor r;
  auto un = [&](const std::function<double(double)>& f) { r = unary(x, f, x.is_integer); };
  auto bin = [&](const std::function<double(double, double)>& f, bool boolean = false) {
    const Tensor& y = need(in, 1, "second operand");
    r = nary({&x, &y}, [&](const std::vector<double>& v) { return f(v[0], v[1]); }, boolean || (x.is_integer && y.is_integer));
  };
  if (op == "Identity" || op == "Dropout") {
    r = x;
  } else if (op == "Cast") {
    const int64_t to = attr_i(n, "to", onnx::TensorProto::FLOAT);
    const bool fl = is_float_type(to);
    if (to == onnx::TensorProto::BOOL) r = unary(x, [](double v) { return v != 0.0 ? 1.0 : 0.0; }, true);
    else if (fl) r = unary(x, [](double v) { return v; }, false);
    else r = unary(x, [](double v) { return std::trunc(v); }, true);
  } else if (op == "Neg") {
    un([](double v) { return -v; });
  } else if (op == "Abs") {
    un([](double v) { return std::fabs(v); });
  } else if (op == "Sign") {
    un([](double v) { return double((v > 0) - (v < 0)); });
  } else if (op == "Sqrt") {
    un([](double v) { return std::sqrt(v); });
  } else if (op == "Reciprocal") {
    un([](double v) { return 1.0 / v; });
  } else if (op == "Exp") {
    un([](double v) { return std::exp(v); });
  } else if (op == "Log") {
    un([](double v) { return std::log(v); });
  } else if (op == "Floor") {
    un([](double v) { return std::floor(v); });
  } else if (op == "Ceil") {
    un([](double v) { return std::ceil(v); });
  } else if (op == "Round") {
    un([](double v) { return std::nearbyint(v); });  // half to even, the default rounding mode
  } else if (op == "Relu") {
    un([](double v) { return std::max(0.0, v); });
  } else if (op == "Sigmoid") {
    un([](double v) { return 1.0 / (1.0 + std::exp(-v)); });
  } else if (op == "Tanh") {
    un([](double v) { return std::tanh(v); });
  } else if (op == "Not") {
    r = unary(x, [](double v) { return v == 0.0 ? 1.0 : 0.0; }, true);
  } else if (op == "Add") {
    bin([](double a, double b) { return a + b; });
  } else if (op == "Sub") {
    bin([](double a, double b) { return a - b; });
  } else if (op == "Mul") {
    bin([](double a, double b) { return a * b; });
  } else if (op == "Div") {
    const bool ints = x.is_integer && need(in, 1, "divisor").is_integer;
    bin([ints](double a, double b) {
      if (ints && b == 0) throw FoldError("integer division by zero");
      return ints ? std::trunc(a / b) : a / b;
    });
  } else if (op == "Pow") {
    const Tensor& y = need(in, 1, "exponent");
    r = nary({&x, &y}, [](const std::vector<double>& v) { return std::pow(v[0], v[1]); }, x.is_integer);
  } else if (op == "Equal") {
    bin([](double a, double b) { return double(a == b); }, true);
  } else if (op == "Less") {
    bin([](double a, double b) { return double(a < b); }, true);
  } else if (op == "LessOrEqual") {
    bin([](double a, double b) { return double(a <= b); }, true);
  } else if (op == "Greater") {
    bin([](double a, double b) { return double(a > b); }, true);
  } else if (op == "GreaterOrEqual") {
    bin([](double a, double b) { return double(a >= b); }, true);
  } else if (op == "And") {
    bin([](double a, double b) { return double(a != 0 && b != 0); }, true);
  } else if (op == "Or") {
    bin([](double a, double b) { return double(a != 0 || b != 0); }, true);
  } else if (op == "Max" || op == "Min") {
    std::vector<const Tensor*> all;
    bool ints = true;
    for (std::size_t i = 0; i < in.size(); ++i) {
      all.push_back(&need(in, i, "operand"));
      ints &= in[i]->is_integer;
    }
    const bool mx = op == "Max";
    r = nary(all, [mx](const std::vector<double>& v) {
      double m = v[0];
      for (double e : v) m = mx ? std::max(m, e) : std::min(m, e);
      return m;
    }, ints);
  } else if (op == "Where") {
    const Tensor& a = need(in, 1, "X");
    const Tensor& b = need(in, 2, "Y");
    r = nary({&x, &a, &b}, [](const std::vector<double>& v) { return v[0] != 0 ? v[1] : v[2]; }, a.is_integer && b.is_integer);
  } else if (op == "Clip") {
    double lo = -INFINITY, hi = INFINITY;
    if (const auto* a = attr(n, "min")) lo = a->f();
    if (const auto* a = attr(n, "max")) hi = a->f();
    if (const Tensor* t = opt(in, 1)) lo = t->data.at(0);
    if (const Tensor* t = opt(in, 2)) hi = t->data.at(0);
    un([lo, hi](double v) { return std::min(std::max(v, lo), hi); });
  } else if (op.rfind("Reduce", 0) == 0) {
    Shape axes = attr_ints(n, "axes");
    if (const Tensor* t = opt(in, 1)) axes = int_values(*t);
    r = reduce(x, axes, attr_i(n, "keepdims", 1) != 0, attr_i(n, "noop_with_empty_axes", 0) != 0, op);
  } else if (op == "Transpose") {
    r = transpose(x, attr_ints(n, "perm"));
  } else if (op == "Reshape" || op == "Flatten") {
    Shape out;
    if (op == "Flatten") {
      const int64_t axis = norm_axis(attr_i(n, "axis", 1), int64_t(x.shape.size()) + 1);
      int64_t a = 1, b = 1;
      for (std::size_t d = 0; d < x.shape.size(); ++d) (int64_t(d) < axis ? a : b) *= x.shape[d];
      out = {a, b};
    } else {
      out = int_values(need(in, 1, "shape"));
      const bool allowzero = attr_i(n, "allowzero", 0) != 0;
      int64_t known = 1, infer = -1;
      for (std::size_t d = 0; d < out.size(); ++d) {
        if (out[d] == 0 && !allowzero) {
          if (d >= x.shape.size()) throw FoldError("a 0 in the target shape beyond the input's rank");
          out[d] = x.shape[d];
        }
        if (out[d] == -1) {
          if (infer >= 0) throw FoldError("more than one -1 in the target shape");
          infer = int64_t(d);
        } else {
          known *= out[d];
        }
      }
      if (infer >= 0) {
        if (known == 0 || x.numel() % known) throw FoldError("the target shape does not divide the element count");
        out[std::size_t(infer)] = x.numel() / known;
      }
    }
    if (count(out) != x.numel()) throw FoldError(fmt::format("reshape of {} to {}", shape_str(x.shape), shape_str(out)));
    r = x;
    r.shape = out;
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    Shape axes = attr_ints(n, "axes");
    if (const Tensor* t = opt(in, 1)) axes = int_values(*t);
    const bool sq = op == "Squeeze";
    const int64_t rank = int64_t(x.shape.size()) + (sq ? 0 : int64_t(axes.size()));
    std::set<int64_t> ax;
    for (auto a : axes) ax.insert(norm_axis(a, rank));
    if (ax.size() != axes.size()) throw FoldError("an axis is listed twice");
    Shape out;
    if (sq) {
      for (int64_t d = 0; d < rank; ++d) {
        const bool listed = ax.count(d) > 0;
        if (listed && x.shape[std::size_t(d)] != 1) throw FoldError(fmt::format("axis {} has size {}, not 1", d, x.shape[std::size_t(d)]));
        if (!(listed || (axes.empty() && x.shape[std::size_t(d)] == 1))) out.push_back(x.shape[std::size_t(d)]);
      }
    } else {
      std::size_t next = 0;
      for (int64_t d = 0; d < rank; ++d) out.push_back(ax.count(d) ? 1 : x.shape[next++]);
    }
    r = x;
    r.shape = out;
  } else if (op == "Concat") {
    const int64_t rank = int64_t(x.shape.size());
    if (rank == 0) throw FoldError("Concat of scalars");
    const auto axis = std::size_t(norm_axis(attr_i(n, "axis", 0), rank));
    Shape out = x.shape;
    out[axis] = 0;
    bool ints = true;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const Tensor& t = need(in, i, "operand");
      if (t.shape.size() != x.shape.size()) throw FoldError("Concat of tensors of different ranks");
      for (std::size_t d = 0; d < out.size(); ++d)
        if (d != axis && t.shape[d] != x.shape[d]) throw FoldError("Concat of tensors of different shapes");
      out[axis] += t.shape[axis];
      ints &= t.is_integer;
    }
    r = make(out, ints);
    int64_t outer = 1, inner = 1;
    for (std::size_t d = 0; d < axis; ++d) outer *= out[d];
    for (std::size_t d = axis + 1; d < out.size(); ++d) inner *= out[d];
    std::size_t w = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (const Tensor* t : in) {
        const int64_t blk = t->shape[axis] * inner;
        for (int64_t k = 0; k < blk; ++k) r.data[w++] = t->data[std::size_t(o * blk + k)];
      }
  } else if (op == "Gather") {
    const Tensor& idx = need(in, 1, "indices");
    const int64_t rank = int64_t(x.shape.size());
    if (rank == 0) throw FoldError("Gather from a scalar");
    const auto axis = std::size_t(norm_axis(attr_i(n, "axis", 0), rank));
    Shape out(x.shape.begin(), x.shape.begin() + long(axis));
    out.insert(out.end(), idx.shape.begin(), idx.shape.end());
    out.insert(out.end(), x.shape.begin() + long(axis) + 1, x.shape.end());
    r = make(out, x.is_integer);
    int64_t outer = 1, inner = 1;
    for (std::size_t d = 0; d < axis; ++d) outer *= x.shape[d];
    for (std::size_t d = axis + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
    const int64_t dim = x.shape[axis];
    std::size_t w = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (double iv : idx.data) {
        if (!(std::fabs(iv) < 9e18)) throw FoldError("index out of range");
        int64_t j = int64_t(iv);
        if (j < 0) j += dim;
        if (j < 0 || j >= dim) throw FoldError(fmt::format("index {} is out of range for size {}", int64_t(iv), dim));
        for (int64_t k = 0; k < inner; ++k) r.data[w++] = x.data[std::size_t((o * dim + j) * inner + k)];
      }
  } else if (op == "Slice") {
    if (opset < 10) {
      r = slice(x, attr_ints(n, "starts"), attr_ints(n, "ends"), attr_ints(n, "axes"), {});
    } else {
      r = slice(x, int_values(need(in, 1, "starts")), int_values(need(in, 2, "ends")), opt(in, 3) ? int_values(*in[3]) : Shape{},
                opt(in, 4) ? int_values(*in[4]) : Shape{});
    }
  } else if (op == "Expand") {
    const Shape target = int_values(need(in, 1, "shape"));
    const Shape out = broadcast_shapes(x.shape, target);
    r = make(out, x.is_integer);
    for_broadcast(out, {&x.shape}, [&](std::size_t i, const std::vector<int64_t>& off) { r.data[i] = x.data[std::size_t(off[0])]; });
  } else if (op == "Tile") {
    const Shape reps = int_values(need(in, 1, "repeats"));
    if (reps.size() != x.shape.size()) throw FoldError("repeats differ in length from the input's rank");
    Shape out = x.shape;
    for (std::size_t d = 0; d < out.size(); ++d) out[d] *= reps[d];
    r = make(out, x.is_integer);
    Shape idx(out.size(), 0);
    for (std::size_t i = 0; i < r.data.size(); ++i) {
      int64_t off = 0;
      for (std::size_t d = 0; d < out.size(); ++d) off = off * x.shape[d] + idx[d] % x.shape[d];
      r.data[i] = x.data[std::size_t(off)];
      for (std::size_t d = out.size(); d-- > 0;) {
        if (++idx[d] < out[d]) break;
        idx[d] = 0;
      }
    }
  } else if (op == "ConstantOfShape") {
    const Shape out = int_values(x);
    double v = 0.0;
    bool ints = false;
    if (const auto* a = attr(n, "value"); a && a->has_t()) {
      const Tensor t = tensor_from_proto(a->t(), "ConstantOfShape value");
      if (t.numel() != 1) throw FoldError("value must hold one element");
      v = t.data[0];
      ints = t.is_integer;
    }
    r = make(out, ints);
    std::fill(r.data.begin(), r.data.end(), v);
  } else if (op == "Shape" || op == "Size") {
    r = shape_result(n, x.shape);
  } else if (op == "Range") {
    const double start = x.data.at(0), limit = need(in, 1, "limit").data.at(0), delta = need(in, 2, "delta").data.at(0);
    if (delta == 0) throw FoldError("Range with delta 0");
    const double len = std::max(0.0, std::ceil((limit - start) / delta));
    if (len > double(kMaxFoldElements)) throw FoldError("Range too long to fold");
    r = make({int64_t(len)}, x.is_integer);
    for (std::size_t i = 0; i < r.data.size(); ++i) r.data[i] = start + double(i) * delta;
  } else if (op == "MatMul") {
    const Tensor& y = need(in, 1, "second operand");
    if (x.shape.size() != 2 || y.shape.size() != 2 || x.shape[1] != y.shape[0])
      throw FoldError(fmt::format("MatMul of constants {} and {}: only matrices are folded", shape_str(x.shape), shape_str(y.shape)));
    const int64_t M = x.shape[0], K = x.shape[1], N = y.shape[1];
    r = make({M, N}, x.is_integer && y.is_integer);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < N; ++j) r.data[std::size_t(i * N + j)] += x.data[std::size_t(i * K + k)] * y.data[std::size_t(k * N + j)];
  } else {
    throw FoldError(fmt::format("{} of constants is not folded", op));
  }
  round_float(r);
  return {std::move(r)};
}

}  // namespace cimsim
