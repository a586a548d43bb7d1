// Builds networks directly in the IR, step by step as the importer would: synthetic workloads
// for tests and benchmarks, and networks that never were ONNX files.
#pragma once
#include <random>
#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

// Builds networks step by step in the IR, as the importer would.
struct NetBuilder {
  Network net;
  int add_value(std::vector<int64_t> shape, ValueKind kind, BitCode code = BitCode::Unsigned01, int64_t bits = 1,
                double scale = 1.0) {
    net.values.push_back(ValueInfo::make("v" + std::to_string(net.values.size()), std::move(shape), kind, code, bits, scale));
    return int(net.values.size()) - 1;
  }
  NetBuilder(std::vector<int64_t> input_shape, ValueKind kind, BitCode code = BitCode::Unsigned01, int64_t bits = 1,
             double scale = 1.0) {
    net.input = add_value(std::move(input_shape), kind, code, bits, scale);
    net.output = net.input;
  }
  // Adds a layer reading the current output; weights drawn from `rng` by code (+-1, {0,1}, or
  // two's complement levels in [-2^(w_bits-1), 2^(w_bits-1)) with w_bits >= 2).
  LayerSpec& layer(LayerKind kind, int64_t out_channels, BitCode w_code, int64_t w_bits, bool binarized,
                   std::mt19937& rng, int64_t stride = 1, int64_t pad = 0) {
    const ValueInfo in = net.values[std::size_t(net.output)];
    LayerSpec L;
    L.name = "layer" + std::to_string(net.layers.size());
    L.op_type = kind == LayerKind::Dense ? "Gemm" : "Conv";
    L.kind = kind;
    L.input = net.output;
    L.in_kind = in.kind;
    L.in_code = in.code;
    L.in_bits = in.kind == ValueKind::UInt ? in.bits : 1;
    L.out_channels = out_channels;
    if (kind == LayerKind::Dense) {
      L.in_channels = in.numel();
    } else {
      L.in_channels = in.shape[0];
      L.in_h = in.shape[1];
      L.in_w = in.shape[2];
      L.kernel = kind == LayerKind::Conv1x1 ? 1 : 3;
      L.groups = kind == LayerKind::Depthwise3x3 ? L.in_channels : 1;
      L.stride = stride;
      L.pad = pad;
      L.out_h = (L.in_h + 2 * pad - L.kernel) / stride + 1;
      L.out_w = (L.in_w + 2 * pad - L.kernel) / stride + 1;
    }
    L.w_code = w_code;
    L.w_bits = w_bits;
    L.weights.resize(std::size_t(L.out_channels * L.k_per_out()));
    for (auto& w : L.weights) {
      if (w_code == BitCode::Signed) w = (rng() & 1) ? 1 : -1;
      else if (w_bits == 1) w = int8_t(rng() & 1);
      else w = int8_t(int64_t(rng() % (uint64_t{1} << w_bits)) - (int64_t{1} << (w_bits - 1)));
    }
    L.scale.assign(std::size_t(out_channels), 1.0);
    L.bias.assign(std::size_t(out_channels), 0.0);
    for (auto& b : L.bias) b = double(int64_t(rng() % 7) - 3) + 0.5;
    if (binarized) {
      L.binarized = true;
      for (int64_t n = 0; n < out_channels; ++n) {
        L.dir.push_back(n % 3 == 2 ? -1 : 1);
        L.thr.push_back(int64_t(rng() % 5) - 2);
      }
    }
    const std::vector<int64_t> shape =
        kind == LayerKind::Dense ? std::vector<int64_t>{out_channels} : std::vector<int64_t>{out_channels, L.out_h, L.out_w};
    L.output = add_value(shape, binarized ? ValueKind::Bits : ValueKind::Real, BitCode::Unsigned01);
    net.output = L.output;
    net.layers.push_back(std::move(L));
    net.steps.push_back({true, int(net.layers.size()) - 1});
    return net.layers.back();
  }
  // Square max or average pooling of the current output.
  void pool(DigitalOp op, int64_t kernel, int64_t stride) {
    const ValueInfo in = net.values[std::size_t(net.output)];
    DigitalStep s;
    s.op = op;
    s.name = std::string(to_string(op)) + std::to_string(net.digital.size());
    s.inputs = {net.output};
    s.kernel = kernel;
    s.stride = stride;
    const std::vector<int64_t> shape = {in.shape[0], (in.shape[1] - kernel) / stride + 1, (in.shape[2] - kernel) / stride + 1};
    s.output = add_value(shape, op == DigitalOp::MaxPool ? in.kind : ValueKind::Real, in.code);
    net.output = s.output;
    net.digital.push_back(s);
    net.steps.push_back({false, int(net.digital.size()) - 1});
  }
  void flatten() {
    const ValueInfo in = net.values[std::size_t(net.output)];
    DigitalStep s;
    s.op = DigitalOp::Reshape;
    s.name = "flatten" + std::to_string(net.digital.size());
    s.inputs = {net.output};
    s.output = add_value({in.numel()}, in.kind, in.code, in.bits, in.scale);
    net.output = s.output;
    net.digital.push_back(s);
    net.steps.push_back({false, int(net.digital.size()) - 1});
  }
};

}  // namespace cimsim
