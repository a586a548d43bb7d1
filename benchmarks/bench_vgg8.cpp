// Speed benchmark (prints figures, never fails on time): a binarized VGG-8 of the CIFAR-10 shape
// used in CIM studies (32x32x3 8-bit input; 3x3 convolutions 128, 128 + maxpool, 256, 256 +
// maxpool, 512, 512 + maxpool; fully connected 8192-1024-10), random +-1 weights, simulated with
// full cycle and energy accounting, against the floor: tight bit-packed inference of the same
// network (weights packed once; word-level AND + popcount in every layer).
//
//   build/cimsim_bench_vgg8 [images [key=value ...]]      (default 8 images; overrides as --set)
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "arch/readout.hpp"
#include "power/energy.hpp"
#include "power/report.hpp"
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

// The floor: tight bit-packed inference of the same network, the fastest honest baseline. Weights
// are packed once, before timing, in the layout the activations use: pixel-major, each pixel's
// channels in whole words, a window's taps one after another. Per image only the input planes
// are packed; every layer (the 8-bit first one and the real-valued last one included) is one
// word-level AND + popcount per output channel and window word, thresholded straight into the
// next layer's packed bits; a max-pool of {0,1} bits is an OR of words; a flatten is free (the
// dense layer's weights are permuted once into the packed order).
struct Floor {
  struct Layer {
    const LayerSpec* L = nullptr;
    int64_t cw = 0;             // words per input pixel
    int64_t kw = 0;             // words per window (taps x cw; dense: the whole input)
    bool narrow = false;        // under 64 channels: a window's taps packed densely, C bits each
    std::vector<uint64_t> w;    // [N][kw]
  };
  struct Act {                  // packed {0,1} activations, or the real outputs of the last layer
    int64_t h = 0, w = 0, c = 0, cw = 0, planes = 1;
    std::vector<uint64_t> bits; // [plane][pixel][cw]
    std::vector<double> real;
  };
  const Network& net;
  std::vector<Layer> layers;  // by Network::layers index

  static int64_t words(int64_t bits) { return (bits + 63) / 64; }

  explicit Floor(const Network& n) : net(n), layers(n.layers.size()) {
    // The packed shape each layer reads: a dense layer after a flatten reads its producer's
    // pixel-major words (C channels at H x W pixels).
    std::vector<std::array<int64_t, 3>> shape(n.values.size(), {0, 0, 0});  // c, h, w as packed
    auto chw = [&](int v) {
      const auto& sh = n.values[std::size_t(v)].shape;
      return std::array<int64_t, 3>{sh.size() > 0 ? sh[0] : 1, sh.size() > 1 ? sh[1] : 1, sh.size() > 2 ? sh[2] : 1};
    };
    shape[std::size_t(n.input)] = chw(n.input);
    for (const Step& st : n.steps) {
      if (!st.macro) {
        const DigitalStep& d = n.digital[std::size_t(st.index)];
        auto in = shape[std::size_t(d.inputs[0])];
        if (d.op == DigitalOp::MaxPool) in = {in[0], in[1] / d.stride, in[2] / d.stride};
        shape[std::size_t(d.output)] = in;  // a reshape keeps the packed layout
        continue;
      }
      const LayerSpec& L = n.layers[std::size_t(st.index)];
      Layer& f = layers[std::size_t(st.index)];
      f.L = &L;
      const auto in = shape[std::size_t(L.input)];
      f.cw = words(in[0]);
      const bool dense = L.kind == LayerKind::Dense;
      f.narrow = !dense && in[0] < 64;
      f.kw = dense ? in[1] * in[2] * f.cw : f.narrow ? words(L.taps() * in[0]) : L.taps() * f.cw;
      f.w.assign(std::size_t(L.out_channels * f.kw), 0);
      for (int64_t o = 0; o < L.out_channels; ++o)
        for (int64_t k = 0; k < L.k_per_out(); ++k) {
          if (L.weight(o, k) <= 0) continue;
          // ONNX order: k = c * taps + tap (conv) or c * H * W + pixel (dense after a flatten).
          const int64_t per = dense ? in[1] * in[2] : L.taps();
          const int64_t c = k / per, r = k % per;
          const int64_t bit = f.narrow ? r * in[0] + c : (r * f.cw + c / 64) * 64 + c % 64;
          f.w[std::size_t(o * f.kw + bit / 64)] |= uint64_t{1} << (bit % 64);
        }
      shape[std::size_t(L.output)] = dense ? std::array<int64_t, 3>{L.out_channels, 1, 1}
                                           : std::array<int64_t, 3>{L.out_channels, L.out_h, L.out_w};
    }
  }

  std::vector<double> forward(const std::vector<double>& x) const {
    std::vector<Act> v(net.values.size());
    {  // the input image's bit planes
      const LayerSpec* first = nullptr;
      for (const auto& f : layers)
        if (f.L && f.L->input == net.input) first = f.L;
      const ValueInfo& in = net.in();
      Act& a = v[std::size_t(net.input)];
      a.c = in.shape[0], a.h = in.shape[1], a.w = in.shape[2], a.cw = words(a.c), a.planes = first->in_bits;
      a.bits.assign(std::size_t(a.planes * a.h * a.w * a.cw), 0);
      const int64_t hw = a.h * a.w;
      for (int64_t c = 0; c < a.c; ++c)
        for (int64_t i = 0; i < hw; ++i) {
          const int64_t lvl = first->in_kind == ValueKind::UInt ? std::llround(x[std::size_t(c * hw + i)] / in.scale)
                                                                 : (x[std::size_t(c * hw + i)] > 0);
          for (int64_t b = 0; b < a.planes; ++b)
            if ((lvl >> b) & 1) a.bits[std::size_t((b * hw + i) * a.cw + c / 64)] |= uint64_t{1} << (c % 64);
        }
    }
    std::vector<uint64_t> win;
    for (const Step& st : net.steps) {
      if (!st.macro) {
        const DigitalStep& d = net.digital[std::size_t(st.index)];
        const Act& a = v[std::size_t(d.inputs[0])];
        Act& o = v[std::size_t(d.output)];
        if (d.op == DigitalOp::Reshape) {
          o = a;
          continue;
        }
        o.c = a.c, o.cw = a.cw, o.h = a.h / d.stride, o.w = a.w / d.stride;
        o.bits.assign(std::size_t(o.h * o.w * o.cw), 0);
        for (int64_t y = 0; y < o.h; ++y)
          for (int64_t x2 = 0; x2 < o.w; ++x2)
            for (int64_t dy = 0; dy < d.kernel; ++dy)
              for (int64_t dx = 0; dx < d.kernel; ++dx) {
                const uint64_t* src = &a.bits[std::size_t(((y * d.stride + dy) * a.w + x2 * d.stride + dx) * a.cw)];
                uint64_t* dst = &o.bits[std::size_t((y * o.w + x2) * o.cw)];
                for (int64_t q = 0; q < o.cw; ++q) dst[q] |= src[q];
              }
        continue;
      }
      const Layer& f = layers[std::size_t(st.index)];
      const LayerSpec& L = *f.L;
      const Act& a = v[std::size_t(L.input)];
      Act& o = v[std::size_t(L.output)];
      const bool dense = L.kind == LayerKind::Dense;
      const int64_t P = dense ? 1 : L.out_pixels(), N = L.out_channels;
      o.c = N, o.h = dense ? 1 : L.out_h, o.w = dense ? 1 : L.out_w, o.cw = words(N);
      if (L.binarized) o.bits.assign(std::size_t(P * o.cw), 0);
      else o.real.assign(std::size_t(N * P), 0.0);
      std::vector<int64_t> dot(static_cast<std::size_t>(N));
      win.assign(std::size_t(f.kw), 0);
      const int64_t hw = a.h * a.w;
      for (int64_t pix = 0; pix < P; ++pix) {
        std::fill(dot.begin(), dot.end(), 0);
        for (int64_t b = 0; b < a.planes; ++b) {
          const uint64_t* plane = &a.bits[std::size_t(b * hw * a.cw)];
          if (dense) {
            std::copy(plane, plane + f.kw, win.begin());
          } else {
            const int64_t oy = pix / L.out_w, ox = pix % L.out_w;
            if (f.narrow) std::fill(win.begin(), win.end(), 0);
            for (int64_t t = 0; t < L.taps(); ++t) {
              const int64_t iy = oy * L.stride - L.pad + L.tap_y(t), ix = ox * L.stride - L.pw() + L.tap_x(t);
              const bool pad = iy < 0 || iy >= a.h || ix < 0 || ix >= a.w;
              if (f.narrow) {  // C bits at bit t x C
                if (pad) continue;
                const uint64_t px = plane[std::size_t(iy * a.w + ix)];
                const int64_t off = t * a.c;
                win[std::size_t(off / 64)] |= px << (off % 64);
                if (off % 64 + a.c > 64) win[std::size_t(off / 64 + 1)] |= px >> (64 - off % 64);
                continue;
              }
              uint64_t* dst = &win[std::size_t(t * f.cw)];
              if (pad) std::fill(dst, dst + f.cw, 0);
              else std::copy_n(&plane[std::size_t((iy * a.w + ix) * a.cw)], f.cw, dst);
            }
          }
          int64_t ones = 0;
          for (uint64_t q : win) ones += __builtin_popcountll(q);
          for (int64_t n = 0; n < N; ++n) {
            const uint64_t* wn = &f.w[std::size_t(n * f.kw)];
            // Four partial sums: the additions do not wait on each other's popcounts.
            const uint64_t* xw = win.data();
            int64_t p0 = 0, p1 = 0, p2 = 0, p3 = 0, q = 0;
            for (; q + 4 <= f.kw; q += 4) {
              p0 += __builtin_popcountll(xw[q] & wn[q]);
              p1 += __builtin_popcountll(xw[q + 1] & wn[q + 1]);
              p2 += __builtin_popcountll(xw[q + 2] & wn[q + 2]);
              p3 += __builtin_popcountll(xw[q + 3] & wn[q + 3]);
            }
            for (; q < f.kw; ++q) p0 += __builtin_popcountll(xw[q] & wn[q]);
            const int64_t p = p0 + p1 + p2 + p3;
            dot[std::size_t(n)] += (int64_t{1} << b) * signed_dot(L.w_code, BitCode::Unsigned01, p, ones, 0, 0);
          }
        }
        for (int64_t n = 0; n < N; ++n) {
          if (L.binarized) {
            if (L.output_bit(n, dot[std::size_t(n)])) o.bits[std::size_t(pix * o.cw + n / 64)] |= uint64_t{1} << (n % 64);
          } else {
            o.real[std::size_t(n * P + pix)] = L.output_value(n, dot[std::size_t(n)]);
          }
        }
      }
    }
    const Act& out = v[std::size_t(net.output)];
    if (!out.real.empty()) return out.real;
    std::vector<double> r(std::size_t(out.c * out.h * out.w));
    for (int64_t c = 0; c < out.c; ++c)
      for (int64_t i = 0; i < out.h * out.w; ++i)
        r[std::size_t(c * out.h * out.w + i)] = double((out.bits[std::size_t(i * out.cw + c / 64)] >> (c % 64)) & 1);
    return r;
  }
};

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

int sc_main(int argc, char** argv) {
  keep_freed_memory();  // the allocator setting run_chip uses, for the floor as well
  const int images = argc > 1 ? std::max(1, std::atoi(argv[1])) : 8;
  std::mt19937 rng(1);
  const Network net = vgg8(rng);
  uint64_t macs = 0;
  for (const auto& L : net.layers) macs += uint64_t(L.macs_per_sample());
  std::vector<std::vector<double>> x(std::size_t(images), std::vector<double>(3 * 32 * 32));
  for (auto& s : x)
    for (auto& e : s) e = double(rng() % 256) / 255.0;

  // The shipped default architecture: one cim1x1 and one cim3x3 macro of 256 x 256, [16, 4, 4].
  // Further arguments are config overrides (key=value, as --set), e.g. a 512 x 512 macro:
  // arch.macro.rows=512 arch.macro.cols=512 arch.macro.hierarchy=[32,4,4]
  // Off-chip memory: an LPDDR4 channel, so that the run reports the network's off-chip traffic
  // (its weights do not fit on two macros: every tile is fetched before each rewrite).
  std::vector<std::string> sets = {"arch.memory.kind=lpddr4"};
  for (int i = 2; i < argc; ++i) sets.emplace_back(argv[i]);
  const RunConfig cfg = load_config(default_config_path(), {"", "", sets});
  const ChipParams& chip = cfg.chip;
  // Rounds alternate the simulation and the floor, and the ratio is the median of the rounds'
  // ratios: a shared machine's speed drifts over seconds, and both sides of a round see the same.
  constexpr int kRounds = 5;
  const Floor floor(net);  // weights packed once, outside the timing
  // The floor is fast: repeat it so that its time is well above the clock's resolution.
  const int reps = std::max(1, 20 / images);
  std::vector<double> floor_out, sim_s, floor_s, ratios;
  ChipOutcome sim;
  for (int round = 0; round < kRounds; ++round) {
    auto t0 = Clock::now();
    sim = run_chip(chip, net, x);
    sim_s.push_back(seconds_since(t0) / images);
    t0 = Clock::now();
    for (int r = 0; r < reps; ++r) {
      floor_out.clear();
      for (const auto& s : x) {
        auto o = floor.forward(s);
        floor_out.insert(floor_out.end(), o.begin(), o.end());
      }
    }
    floor_s.push_back(seconds_since(t0) / images / reps);
    ratios.push_back(sim_s.back() / floor_s.back());
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double t_sim = median(sim_s), t_floor = median(floor_s), ratio = median(ratios);

  uint64_t ops = sim.run.total[Stat::Ops];
  fmt::print("binarized VGG-8, 32x32x3 8-bit input, {} images, one core, macros of {} x {}, {} rounds\n", images,
             chip.macro.rows, chip.macro.cols, kRounds);
  fmt::print("  MACs per image               {:.3g}\n", double(macs));
  fmt::print("  macro operations per image   {}\n", ops / uint64_t(images));
  fmt::print("  simulated cycles per image   {}\n", sim.run.cycles / uint64_t(images));
  fmt::print("  simulation (full accounting) {:.3f} s per image\n", t_sim);
  fmt::print("  floor (bit-packed inference)  {:.4f} s per image\n", t_floor);
  fmt::print("  simulation cost per MAC      {:.3g} ns\n", t_sim / double(macs) * 1e9);
  fmt::print("  outputs identical            {}\n", floor_out == sim.run.outputs ? "yes" : "NO");
  const MacroCounters& t = sim.run.total;
  // The traffic priced as a run prices it: the periphery's counts and price table.
  double offchip_pj = 0;
  for (const auto& [k, v] : price_groups({{"periphery", periphery_counts(sim.run.periphery_total)}},
                                         {{"periphery", periphery_prices(cfg.tech, chip.macro.supply_v, chip.memory)}}, {})
                                .items)
    if (k == "offchip") offchip_pj = v;
  fmt::print("  off-chip memory ({}, {:g} GB/s) per image: inputs {} bits, outputs {} bits, weight fetches {} bits, "
             "{:.1f} uJ; busy {} cycles, weight stalls {} cycles\n",
             chip.memory.kind, chip.memory.bandwidth_gb_per_s(), t[Act::DramReadBit] / uint64_t(images),
             t[Act::DramWriteBit] / uint64_t(images), t[Act::DramWeightFetchBit] / uint64_t(images),
             offchip_pj * 1e-6 / images,
             t[Stat::MemoryBusyCycles] / uint64_t(images), t[Stat::StallMemory] / uint64_t(images));
  // Machine-readable lines.
  fmt::print("  rounds (simulation / floor)  ");
  for (int r = 0; r < kRounds; ++r) fmt::print("{}{:.3f}", r ? "  " : "", ratios[std::size_t(r)]);
  fmt::print("\n");
  // Machine-readable lines: the medians over the rounds (the ratio is the median round's).
  fmt::print("simulation_s_per_image {:.6f}\nfloor_s_per_image {:.6f}\nratio {:.3f}\n", t_sim, t_floor, ratio);
  return floor_out == sim.run.outputs ? 0 : 1;
}
