#include "workloads/reference.hpp"

namespace cimsim {

std::vector<double> reference_forward(const Network& net, const BitVec& input_bits) {
  BitVec x = input_bits;
  std::vector<double> out;
  for (size_t li = 0; li < net.layers.size(); ++li) {
    const LayerSpec& L = net.layers[li];
    const int64_t P = L.pixels(), K = L.in_channels, N = L.out_channels;
    const bool last = li + 1 == net.layers.size();
    BitVec y(N * P);
    if (last) out.assign(N * P, 0.0);
    for (int64_t p = 0; p < P; ++p) {
      for (int64_t n = 0; n < N; ++n) {
        int64_t s = 0;
        for (int64_t k = 0; k < K; ++k) {
          // NCHW: channel k of pixel p sits at k * P + p.
          s += bit_value(L.w_code, L.weight(n, k)) * bit_value(L.in_code, x.get(k * P + p));
        }
        if (L.binarized) {
          const bool b = L.output_bit(n, s);
          y.set(n * P + p, b);
          if (last) out[n * P + p] = bit_value(L.out_code, b);
        } else if (last) {
          out[n * P + p] = L.output_value(n, s);
        }
      }
    }
    x = std::move(y);
  }
  return out;
}

}  // namespace cimsim
