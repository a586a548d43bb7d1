#include "workloads/network.hpp"

#include <fmt/format.h>

#include "workloads/errors.hpp"

namespace cimsim {

const char* to_string(BitCode c) { return c == BitCode::Signed ? "pm1" : "01"; }
const char* to_string(LayerKind k) { return k == LayerKind::Dense ? "dense" : "conv1x1"; }

int LayerSpec::weight_ones(int64_t n) const {
  int ones = 0;
  for (int64_t k = 0; k < in_channels; ++k) ones += weights[n * in_channels + k];
  return ones;
}

bool LayerSpec::output_bit(int64_t n, int64_t s) const {
  if (dir[n] > 0) return s >= thr[n];
  if (dir[n] < 0) return s <= thr[n];
  return thr[n] != 0;
}

int64_t Network::input_numel() const {
  int64_t n = 1;
  for (auto d : input_shape) n *= d;
  return n;
}

int64_t Network::output_numel() const {
  int64_t n = 1;
  for (auto d : output_shape) n *= d;
  return n;
}

BitVec encode_input(const Network& net, const double* x, const std::string& where) {
  const int64_t n = net.input_numel();
  BitVec bits(n);
  const InputStage& in = net.input;
  for (int64_t i = 0; i < n; ++i) {
    bool b;
    if (in.kind == InputStage::Kind::Threshold) {
      if (in.sign && x[i] == 0.0) {
        throw InputError(fmt::format("{}: input element {} is 0, which Sign maps to 0; binary "
                                     "hardware needs +1 or -1", where, i));
      }
      b = in.strict ? x[i] > in.threshold : x[i] >= in.threshold;
    } else if (in.code == BitCode::Signed) {
      if (x[i] != 1.0 && x[i] != -1.0) {
        throw InputError(fmt::format("{}: input element {} is {} (expected -1 or +1)", where, i, x[i]));
      }
      b = x[i] > 0;
    } else {
      if (x[i] != 1.0 && x[i] != 0.0) {
        throw InputError(fmt::format("{}: input element {} is {} (expected 0 or 1)", where, i, x[i]));
      }
      b = x[i] > 0;
    }
    bits.set(i, b);
  }
  return bits;
}

void resolve_input_code(Network& net, const std::vector<double>& all, const std::string& where) {
  if (net.input.kind != InputStage::Kind::Direct) return;
  bool has_zero = false, has_neg = false;
  for (size_t i = 0; i < all.size(); ++i) {
    const double v = all[i];
    if (v == 0.0) has_zero = true;
    else if (v == -1.0) has_neg = true;
    else if (v != 1.0) {
      throw InputError(fmt::format(
          "{}: input value {} at element {} is not binary; the graph feeds '{}' straight into a "
          "binary layer, so inputs must be {{0,1}} or {{-1,+1}} (or binarize them in the graph)",
          where, v, i, net.input_name));
    }
  }
  if (has_zero && has_neg) {
    throw InputError(fmt::format("{}: input '{}' mixes 0 and -1 values; expected {{0,1}} or "
                                 "{{-1,+1}}", where, net.input_name));
  }
  net.input.code = has_neg ? BitCode::Signed : BitCode::Unsigned01;
  if (!net.layers.empty()) net.layers.front().in_code = net.input.code;
}

}  // namespace cimsim
