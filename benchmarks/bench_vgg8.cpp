// Speed benchmark (prints figures, never fails on time): a binarized VGG-8 of the CIFAR-10 shape
// used in CIM studies (32x32x3 8-bit input; 3x3 convolutions 128, 128 + maxpool, 256, 256 +
// maxpool, 512, 512 + maxpool; fully connected 8192-1024-10), random +-1 weights, simulated with
// full cycle and energy accounting, against bare bit-packed inference of the same network.
//
//   build/cimsim_bench_vgg8 [images]      (default 2)
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "arch/readout.hpp"
#include "sim/driver.hpp"
#include "workloads/builder.hpp"
#include "workloads/digital.hpp"
#include "workloads/mapping.hpp"

// SystemC prints its banner from main() before sc_main runs; static initialisation comes first.
static const bool kNoBanner = [] { return ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0; }();

using namespace cimsim;
using Clock = std::chrono::steady_clock;

namespace {

Network vgg8(std::mt19937& rng) {
  NetBuilder b({3, 32, 32}, ValueKind::UInt, BitCode::Unsigned01, 8, 1.0 / 255);
  auto conv = [&](int64_t n) { b.layer(LayerKind::Conv3x3, n, BitCode::Signed, 1, true, rng, 1, 1); };
  conv(128);
  conv(128);
  b.pool(DigitalOp::MaxPool, 2, 2);
  conv(256);
  conv(256);
  b.pool(DigitalOp::MaxPool, 2, 2);
  conv(512);
  conv(512);
  b.pool(DigitalOp::MaxPool, 2, 2);
  b.flatten();
  b.layer(LayerKind::Dense, 1024, BitCode::Signed, 1, true, rng);
  b.layer(LayerKind::Dense, 10, BitCode::Signed, 1, false, rng);
  for (auto& L : b.net.layers)  // thresholds near the middle of each dot product's range
    for (auto& t : L.thr) t = int64_t(rng() % 9) - 4;
  return b.net;
}

// Bare bit-packed inference: per output pixel the window's bits packed into words, one AND +
// popcount per output channel and word; no macro model, no accounting.
std::vector<double> bare_forward(const Network& net, const std::vector<double>& input) {
  std::vector<std::vector<double>> v(net.values.size());
  v[std::size_t(net.input)] = input;
  for (const Step& st : net.steps) {
    if (!st.macro) {
      const DigitalStep& d = net.digital[std::size_t(st.index)];
      std::vector<const std::vector<double>*> ins;
      for (int i : d.inputs) ins.push_back(&v[std::size_t(i)]);
      v[std::size_t(d.output)] = run_digital(net, d, ins);
      continue;
    }
    const LayerSpec& L = net.layers[std::size_t(st.index)];
    const ValueInfo& in = net.values[std::size_t(L.input)];
    const auto& x = v[std::size_t(L.input)];
    const int64_t C = L.in_channels, H = L.in_h, W = L.in_w, k = L.kernel, K = L.k_per_out();
    // Bit planes of the input, pixel-major (a pixel's channels contiguous), and weights packed
    // in the matching (tap, channel) order: a window is k*k word-level copies.
    std::vector<BitVec> planes(std::size_t(L.in_bits), BitVec(static_cast<std::size_t>(H * W * C)));
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H * W; ++i) {
        const double xv = x[std::size_t(c * H * W + i)];
        const int64_t lvl = L.in_kind == ValueKind::UInt ? std::llround(xv / in.scale) : (xv > 0);
        for (int64_t b = 0; b < L.in_bits; ++b)
          if ((lvl >> b) & 1) planes[std::size_t(b)].set(std::size_t(i * C + c), true);
      }
    std::vector<BitVec> wb(std::size_t(L.out_channels), BitVec(static_cast<std::size_t>(K)));
    for (int64_t n = 0; n < L.out_channels; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t t = 0; t < k * k; ++t) wb[std::size_t(n)].set(std::size_t(t * C + c), L.weight(n, c * k * k + t) > 0);
    std::vector<double>& out = v[std::size_t(L.output)];
    out.assign(std::size_t(L.out_channels * L.out_pixels()), 0.0);
    BitVec win(static_cast<std::size_t>(K));
    for (int64_t plane = 0; plane < L.in_bits; ++plane) {
      for (int64_t oy = 0; oy < L.out_h; ++oy)
        for (int64_t ox = 0; ox < L.out_w; ++ox) {
          win.clear();
          for (int64_t t = 0; t < k * k; ++t) {
            const int64_t iy = oy * L.stride - L.pad + t / k, ix = ox * L.stride - L.pad + t % k;
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            or_bits_at(win, std::size_t(t * C), planes[std::size_t(plane)], std::size_t((iy * W + ix) * C), std::size_t(C));
          }
          const int64_t ones = popcount_range(win.data(), 0, std::size_t(K));
          for (int64_t n = 0; n < L.out_channels; ++n) {
            int64_t p = 0;
            const uint64_t* wn = wb[std::size_t(n)].data();
            for (std::size_t w = 0; w < win.word_count(); ++w) p += __builtin_popcountll(win.data()[w] & wn[w]);
            out[std::size_t(n * L.out_pixels() + oy * L.out_w + ox)] += double((int64_t{1} << plane) * signed_dot(L.w_code, BitCode::Unsigned01, p, ones, 0, 0));
          }
        }
    }
    for (int64_t n = 0; n < L.out_channels; ++n)
      for (int64_t i = 0; i < L.out_pixels(); ++i) {
        double& o = out[std::size_t(n * L.out_pixels() + i)];
        const int64_t s = int64_t(o);
        o = L.binarized ? bit_value(L.out_code, L.output_bit(n, s)) : L.output_value(n, s);
      }
  }
  return v[std::size_t(net.output)];
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int sc_main(int argc, char** argv) {
  const int images = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2;
  std::mt19937 rng(1);
  const Network net = vgg8(rng);
  uint64_t macs = 0;
  for (const auto& L : net.layers) macs += uint64_t(L.macs_per_sample());
  std::vector<std::vector<double>> x(std::size_t(images), std::vector<double>(3 * 32 * 32));
  for (auto& s : x)
    for (auto& e : s) e = double(rng() % 256) / 255.0;

  // The shipped default architecture: one cim1x1 and one cim3x3 macro of 256 x 256, [16, 4, 4].
  const ChipParams chip = load_config(default_config_path(), {}).chip;
  auto t0 = Clock::now();
  const ChipOutcome sim = run_chip(chip, net, x);
  const double t_sim = seconds_since(t0) / images;
  t0 = Clock::now();
  std::vector<double> bare_out;
  for (const auto& s : x) {
    auto o = bare_forward(net, s);
    bare_out.insert(bare_out.end(), o.begin(), o.end());
  }
  const double t_bare = seconds_since(t0) / images;

  uint64_t ops = sim.run.total[Stat::Ops];
  fmt::print("binarized VGG-8, 32x32x3 8-bit input, {} images, one core\n", images);
  fmt::print("  MACs per image               {:.3g}\n", double(macs));
  fmt::print("  macro operations per image   {}\n", ops / uint64_t(images));
  fmt::print("  simulated cycles per image   {}\n", sim.run.cycles / uint64_t(images));
  fmt::print("  simulation (full accounting) {:.3f} s per image\n", t_sim);
  fmt::print("  bare bit-packed inference    {:.3f} s per image\n", t_bare);
  fmt::print("  overhead ratio               {:.2f}\n", t_sim / t_bare);
  fmt::print("  simulation cost per MAC      {:.3g} ns\n", t_sim / double(macs) * 1e9);
  fmt::print("  outputs identical            {}\n", bare_out == sim.run.outputs ? "yes" : "NO");
  return bare_out == sim.run.outputs ? 0 : 1;
}
