// The layer IR: a network is data. Each linear layer (Gemm, MatMul, 1x1 Conv) becomes one
// LayerSpec holding its weights as bits and an exact integer epilogue; everything between two
// linear layers (bias, BatchNormalization, binarizing step) is folded into that epilogue.
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

enum class LayerKind { Dense, Conv1x1 };
const char* to_string(LayerKind k);

struct LayerSpec {
  std::string name;     // ONNX node name (or "<op>_<index>" when the node has none)
  std::string op_type;  // Gemm, MatMul or Conv
  LayerKind kind = LayerKind::Dense;
  int64_t in_channels = 0;   // K: inputs per output pixel (rows of the weight matrix)
  int64_t out_channels = 0;  // N: output channels (columns)
  int64_t height = 1, width = 1;  // output pixels of a 1x1 conv; 1 x 1 for dense layers
  BitCode in_code = BitCode::Unsigned01;
  BitCode w_code = BitCode::Signed;
  std::vector<uint8_t> weights;  // [N][K] weight bits, row-major by output channel

  // Epilogue: the integer dot product s of channel c becomes y = scale[c] * s + bias[c].
  std::vector<double> scale, bias;
  // A binarized layer outputs bits: bit = dir > 0 ? s >= thr : s <= thr (dir == 0: constant thr).
  bool binarized = false;
  BitCode out_code = BitCode::Unsigned01;
  std::vector<int64_t> thr;
  std::vector<int8_t> dir;

  int64_t pixels() const { return height * width; }
  int64_t macs_per_sample() const { return pixels() * in_channels * out_channels; }
  bool weight(int64_t n, int64_t k) const { return weights[n * in_channels + k] != 0; }
  int weight_ones(int64_t n) const;  // stored 1 bits of column n

  bool output_bit(int64_t n, int64_t s) const;
  double output_value(int64_t n, int64_t s) const { return scale[n] * double(s) + bias[n]; }
};

// Digital offset correction: the dot product of the value codes over `rows` rows, from the AND
// popcount p, the number of input bits set and the number of stored bits set in the column.
// With w = 2w'-1 and x = 2b-1: sum w x = 4p - 2 sum w' - 2 sum b + rows.
inline int64_t signed_dot(BitCode w, BitCode in, int64_t p, int64_t input_ones,
                          int64_t weight_ones, int64_t rows) {
  if (w == BitCode::Signed && in == BitCode::Signed) return 4 * p - 2 * weight_ones - 2 * input_ones + rows;
  if (w == BitCode::Signed) return 2 * p - input_ones;      // sum (2w'-1) b
  if (in == BitCode::Signed) return 2 * p - weight_ones;    // sum w' (2b-1)
  return p;
}

// How the network's raw float input becomes the first layer's bits.
struct InputStage {
  enum class Kind { Direct, Threshold } kind = Kind::Direct;
  double threshold = 0.0;  // Threshold: bit = x >= threshold (strict: x > threshold)
  bool strict = false;
  bool sign = false;       // Sign node: bit = x > 0; x == 0 is an error
  BitCode code = BitCode::Unsigned01;  // Direct: decided from the sample data
};

struct Network {
  std::string source;  // file it came from
  std::string input_name, output_name;
  std::vector<int64_t> input_shape;   // per sample, without the batch dimension
  std::vector<int64_t> output_shape;  // per sample
  InputStage input;
  std::vector<LayerSpec> layers;

  int64_t input_numel() const;
  int64_t output_numel() const;
};

// Activations of one sample, as the bits of the current layer's input, in NCHW order.
// Turns a raw sample into the first layer's input bits; throws InputError for values the
// input stage cannot encode (`where` names the sample).
BitVec encode_input(const Network& net, const double* x, const std::string& where);

// Decides the Direct input code from the samples' values ({0,1} or +-1); throws otherwise.
void resolve_input_code(Network& net, const std::vector<double>& all_inputs, const std::string& where);

}  // namespace cimsim
