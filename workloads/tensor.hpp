// Dense tensors read from and written to ONNX TensorProto files.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace onnx {
class TensorProto;
}

namespace cimsim {

struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<double> data;  // values converted to double (float32 values are exact in double)
  bool is_integer = false;   // element type was an integer type

  int64_t numel() const;
};

std::string shape_str(const std::vector<int64_t>& shape);

// Converts a TensorProto (FLOAT, DOUBLE, INT32, INT64, INT8, UINT8, BOOL; raw or typed fields).
// `where` names the tensor's origin for error messages (file or node).
Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& where);

// Reads a serialised TensorProto file (test_data_set_N/input_0.pb and friends).
Tensor read_tensor_file(const std::filesystem::path& path);

// Serialises a float32 TensorProto.
std::string float_tensor_bytes(const std::string& name, const std::vector<int64_t>& shape,
                               const std::vector<float>& values);

}  // namespace cimsim
