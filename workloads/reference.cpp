#include "workloads/reference.hpp"

#include <cmath>

#include "workloads/digital.hpp"

namespace cimsim {

int64_t layer_input_level(const LayerSpec& L, const ValueInfo& in, double x) {
  if (L.in_kind == ValueKind::UInt) return std::llround((x - in.offset) / in.scale);
  return x > 0 ? 1 : 0;
}

std::vector<double> reference_layer(const LayerSpec& L, const ValueInfo& in, const std::vector<double>& x) {
  std::vector<double> out(std::size_t(L.out_channels * L.out_pixels()));
  for (int64_t n = 0; n < L.out_channels; ++n)
    for (int64_t oy = 0; oy < L.out_h; ++oy)
      for (int64_t ox = 0; ox < L.out_w; ++ox) {
        int64_t s = 0;
        L.for_each_tap(n, oy, ox, [&](int64_t k, int64_t i) {
          const int64_t lvl = layer_input_level(L, in, x[std::size_t(i)]);
          const int64_t xv = L.in_kind == ValueKind::Bits ? bit_value(L.in_code, lvl != 0) : lvl;
          s += int64_t(L.weight(n, k)) * xv;
        });
        const std::size_t o = std::size_t((n * L.out_h + oy) * L.out_w + ox);
        out[o] = L.binarized ? bit_value(L.out_code, L.output_bit(n, s)) : L.output_value(n, s);
      }
  return out;
}

std::vector<double> reference_forward(const Network& net, const std::vector<double>& input) {
  std::vector<std::vector<double>> v(net.values.size());
  v[std::size_t(net.input)] = input;
  for (const Step& st : net.steps) {
    if (st.macro) {
      const LayerSpec& L = net.layers[std::size_t(st.index)];
      v[std::size_t(L.output)] = reference_layer(L, net.values[std::size_t(L.input)], v[std::size_t(L.input)]);
    } else {
      const DigitalStep& d = net.digital[std::size_t(st.index)];
      std::vector<const std::vector<double>*> ins;
      for (int i : d.inputs) ins.push_back(&v[std::size_t(i)]);
      v[std::size_t(d.output)] = run_digital(net, d, ins);
    }
  }
  return v[std::size_t(net.output)];
}

}  // namespace cimsim
