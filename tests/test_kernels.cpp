// Convolutions of any kernel on macros: kxk, 1xk, kx1, dilated, Conv1d, depthwise kxk and grouped
// (per group, or depthwise with a channel multiplier), each
// imported from ONNX and run on a small chip (every layer tiled), against a direct convolution
// written here from the ONNX definition and the raw weights.
#include <catch2/catch.hpp>

#include <random>

#include "helpers.hpp"
#include "onnx_graph.hpp"
#include "sim/driver.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;
using test::attr_i;
using test::attr_ints;
using test::GraphBuilder;

namespace {

struct ConvCase {
  std::string name;
  int64_t C, H, W, N, kh, kw, stride, ph, pw, dil, groups;
  bool one_d = false;
};

// y[n][oy][ox] = sum over c in n's group, ky, kx of w[n][c'][ky][kx] x[c][oy s - ph + ky d][ox s - pw + kx d].
std::vector<double> direct(const ConvCase& k, const std::vector<float>& w, const std::vector<double>& x, int64_t Ho,
                           int64_t Wo) {
  const int64_t Cg = k.C / k.groups, Ng = k.N / k.groups;
  std::vector<double> y(std::size_t(k.N * Ho * Wo), 0.0);
  for (int64_t n = 0; n < k.N; ++n)
    for (int64_t oy = 0; oy < Ho; ++oy)
      for (int64_t ox = 0; ox < Wo; ++ox) {
        double acc = 0;
        for (int64_t cl = 0; cl < Cg; ++cl)
          for (int64_t ky = 0; ky < k.kh; ++ky)
            for (int64_t kx = 0; kx < k.kw; ++kx) {
              const int64_t iy = oy * k.stride - k.ph + ky * k.dil, ix = ox * k.stride - k.pw + kx * k.dil;
              if (iy < 0 || iy >= k.H || ix < 0 || ix >= k.W) continue;
              const int64_t c = n / Ng * Cg + cl;
              acc += double(w[std::size_t(((n * Cg + cl) * k.kh + ky) * k.kw + kx)]) * x[std::size_t((c * k.H + iy) * k.W + ix)];
            }
        y[std::size_t((n * Ho + oy) * Wo + ox)] = acc;
      }
  return y;
}

}  // namespace

TEST_CASE("any convolution kernel imports and runs on macros as ONNX defines it", "[import][kernels]") {
  const std::vector<ConvCase> cases = {
      {"conv5x5", 3, 9, 9, 4, 5, 5, 1, 2, 2, 1, 1},
      {"conv7x7_s2", 2, 11, 11, 3, 7, 7, 2, 3, 3, 1, 1},  // a ResNet stem
      {"conv1x3", 3, 6, 7, 4, 1, 3, 1, 0, 1, 1, 1},
      {"conv3x1", 3, 7, 6, 4, 3, 1, 1, 1, 0, 1, 1},
      {"conv3x3_d2", 3, 9, 9, 4, 3, 3, 1, 2, 2, 2, 1},  // dilated: on the 1x1 macro, packed
      {"dwconv5x5", 4, 8, 8, 4, 5, 5, 1, 2, 2, 1, 4},
      {"conv1d_k5", 3, 1, 12, 4, 1, 5, 1, 0, 2, 1, 1, true},
      {"groups2", 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 2},         // a slice and a layer per group
      {"groups4_1x1", 8, 5, 5, 8, 1, 1, 1, 0, 0, 1, 4},
      {"dw_multiplier2", 4, 6, 6, 8, 3, 3, 2, 1, 1, 1, 4},  // depthwise, two outputs per channel
  };
  std::mt19937 rng(11);
  for (const auto& k : cases) {
    INFO(k.name);
    GraphBuilder b(k.one_d ? std::vector<int64_t>{k.C, k.W} : std::vector<int64_t>{k.C, k.H, k.W});
    std::vector<float> w(std::size_t(k.N * (k.C / k.groups) * k.kh * k.kw));
    for (auto& v : w) v = rng() % 2 ? 1.f : -1.f;
    b.init("W", k.one_d ? std::vector<int64_t>{k.N, k.C / k.groups, k.kw} : std::vector<int64_t>{k.N, k.C / k.groups, k.kh, k.kw}, w);
    auto* conv = b.node("Conv", {"x", "W"}, "y", "/" + k.name + "/Conv");
    attr_ints(conv, "pads", k.one_d ? std::vector<int64_t>{k.pw, k.pw} : std::vector<int64_t>{k.ph, k.pw, k.ph, k.pw});
    attr_ints(conv, "strides", k.one_d ? std::vector<int64_t>{k.stride} : std::vector<int64_t>{k.stride, k.stride});
    attr_ints(conv, "dilations", k.one_d ? std::vector<int64_t>{k.dil} : std::vector<int64_t>{k.dil, k.dil});
    if (k.groups > 1) attr_i(conv, "group", k.groups);
    b.output("y");
    const Network net = test::load(b.save(k.name));
    const bool split = k.groups > 1 && !(k.groups == k.C && k.N == k.C);
    REQUIRE(net.layers.size() == std::size_t(split ? (k.groups == k.C ? k.N / k.C : k.groups) : 1));
    const LayerSpec& L = net.layers[0];
    const int64_t Ho = (k.H + 2 * k.ph - (k.kh - 1) * k.dil - 1) / k.stride + 1;
    const int64_t Wo = (k.W + 2 * k.pw - (k.kw - 1) * k.dil - 1) / k.stride + 1;
    CHECK(L.out_h == Ho);
    CHECK(L.out_w == Wo);
    if (split) CHECK(L.groups == (k.groups == k.C ? k.C : 1));  // depthwise parts, or one dense layer per group
    CHECK(net.output_shape() == (k.one_d ? std::vector<int64_t>{k.N, Wo} : std::vector<int64_t>{k.N, Ho, Wo}));
    // A small chip: 32-row macros with [8, 4] lines and 8 columns, so every layer is tiled.
    ChipParams chip;
    chip.macro.rows = 32;
    chip.macro.cols = 8;
    chip.macro.hierarchy = {8, 4};
    chip.macro.gate_cols = 4;
    const auto x = test::random_inputs(net, 3, 0.5, rng);
    const ChipRun run = run_chip(chip, net, x).run;
    const std::size_t n = std::size_t(net.output_numel());
    for (std::size_t s = 0; s < x.size(); ++s) {
      const auto want = direct(k, w, x[s], Ho, Wo);
      const std::vector<double> got(run.outputs.begin() + long(s * n), run.outputs.begin() + long((s + 1) * n));
      CHECK(got == want);
      CHECK(reference_forward(net, x[s]) == want);
    }
  }
}
