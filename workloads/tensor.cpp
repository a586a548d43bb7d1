#include "workloads/tensor.hpp"

#include <fmt/format.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "workloads/errors.hpp"

namespace cimsim {

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

template <class T>
void read_raw(const std::string& raw, int64_t n, std::vector<double>& out, const std::string& where) {
  if (static_cast<int64_t>(raw.size()) != n * static_cast<int64_t>(sizeof(T))) {
    throw InputError(fmt::format("{}: raw_data holds {} bytes, shape needs {} elements of {} bytes",
                                 where, raw.size(), n, sizeof(T)));
  }
  out.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    T v;
    std::memcpy(&v, raw.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

template <class Field>
void read_field(const Field& f, int64_t n, std::vector<double>& out, const std::string& where,
                const char* field_name) {
  if (f.size() != n) {
    throw InputError(fmt::format("{}: {} holds {} values, shape needs {}", where, field_name,
                                 f.size(), n));
  }
  out.assign(f.begin(), f.end());
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& where) {
  Tensor out;
  out.name = t.name();
  const std::string w = t.name().empty() ? where : fmt::format("{} (tensor '{}')", where, t.name());
  for (auto d : t.dims()) {
    if (d < 0) throw InputError(fmt::format("{}: negative dimension {}", w, d));
    out.shape.push_back(d);
  }
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    throw InputError(fmt::format("{}: external tensor data is not supported; export with the "
                                 "weights inside model.onnx", w));
  }
  int64_t n = 1;
  for (auto d : out.shape) {
    if (d > 0 && n > (int64_t{1} << 40) / d) throw InputError(fmt::format("{}: tensor too large", w));
    n *= d;
  }
  const bool raw = t.has_raw_data();
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      if (raw) read_raw<float>(t.raw_data(), n, out.data, w);
      else read_field(t.float_data(), n, out.data, w, "float_data");
      break;
    case onnx::TensorProto::DOUBLE:
      if (raw) read_raw<double>(t.raw_data(), n, out.data, w);
      else read_field(t.double_data(), n, out.data, w, "double_data");
      break;
    case onnx::TensorProto::INT64:
      out.is_integer = true;
      if (raw) read_raw<int64_t>(t.raw_data(), n, out.data, w);
      else read_field(t.int64_data(), n, out.data, w, "int64_data");
      break;
    case onnx::TensorProto::INT32:
      out.is_integer = true;
      if (raw) read_raw<int32_t>(t.raw_data(), n, out.data, w);
      else read_field(t.int32_data(), n, out.data, w, "int32_data");
      break;
    case onnx::TensorProto::INT8:
      out.is_integer = true;
      if (raw) read_raw<int8_t>(t.raw_data(), n, out.data, w);
      else read_field(t.int32_data(), n, out.data, w, "int32_data");
      break;
    case onnx::TensorProto::UINT8:
    case onnx::TensorProto::BOOL:
      out.is_integer = true;
      if (raw) read_raw<uint8_t>(t.raw_data(), n, out.data, w);
      else read_field(t.int32_data(), n, out.data, w, "int32_data");
      break;
    default:
      throw InputError(fmt::format("{}: unsupported element type {} (expected float, double or an "
                                   "integer type)", w, t.data_type()));
  }
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(out.data[i])) {
      throw InputError(fmt::format("{}: element {} is {} (expected a finite number)", w, i,
                                   out.data[i]));
    }
  }
  return out;
}

Tensor read_tensor_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError(fmt::format("{}: not a regular file (expected a serialised TensorProto)", path.string()));
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot open tensor file", path.string()));
  onnx::TensorProto t;
  if (!t.ParseFromIstream(&f)) {
    throw InputError(fmt::format("{}: not a serialised onnx TensorProto", path.string()));
  }
  return tensor_from_proto(t, path.string());
}

std::string float_tensor_bytes(const std::string& name, const std::vector<int64_t>& shape,
                               const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : shape) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(values.data()),
                             values.size() * sizeof(float)));
  std::string out;
  t.SerializeToString(&out);
  return out;
}

}  // namespace cimsim
