// The bit-exact arithmetic of a macro layer, apart from time and energy: which bits a tile's
// cells hold, which input bits drive a tile's rows for one output pixel and bit plane, how a
// column's read-out becomes a signed dot product in the accumulators (offset correction,
// plane and slice weights), and the epilogue (thresholds, or scale and bias). The controller
// sequences these around the macros' operations; nothing here knows about cycles or energy.
#pragma once
#include <cstdint>
#include <vector>

#include "workloads/bits.hpp"
#include "workloads/mapping.hpp"
#include "workloads/network.hpp"

namespace cimsim {

// What a weight-stationary tile stores: bits[col][row] (rows_used per column), which columns'
// outputs are kept, and per column its output channel, weight slice and stored ones per tap.
struct TileImage {
  int64_t rows_used = 0, cols_used = 0;
  PackedColumns bits;
  std::vector<uint8_t> needed;
  std::vector<int64_t> col_n, col_j;
  std::vector<int64_t> coef;     // [col]: the slice's weight in the dot product (LayerSpec::slice_coef)
  std::vector<int64_t> w_ones;  // [col][tap - t0]
};

// The applied side of an input-stationary row block: one vector per kept output channel and
// weight slice, with its stored ones per tap.
struct AppliedWeights {
  std::vector<BitVec> vec;
  std::vector<int64_t> n, j, qn;  // output channel, slice, and its position in the channel order
  std::vector<int64_t> w_ones;    // [vector][tap - t0]
};

class LayerFunction {
 public:
  // `macro_rows`/`macro_cols`: the macro the layer runs on. `order`: input channel positions on
  // the rows (identity, or the reordered channels).
  LayerFunction(const LayerSpec& L, const ValueInfo& in, const LayerMapping& map, int64_t macro_rows,
                int64_t macro_cols, std::vector<int64_t> order, std::size_t samples);

  const LayerSpec& layer() const { return m_L; }
  const LayerMapping& mapping() const { return m_map; }
  int64_t acc_bits() const { return m_acc_bits; }

  // The channel order that puts the most often zero channels first (stable), from samples' values.
  static std::vector<int64_t> zero_first_order(const LayerSpec& L, const ValueInfo& in,
                                               const std::vector<const std::vector<double>*>& samples);

  // Bit planes of sample s's input (its values `x`), pixel-major so that a tap block's channels
  // are contiguous; call once per sample before gathering from it (it also zeroes the sample's
  // accumulators).
  void load_sample(std::size_t s, const std::vector<double>& x);
  bool loaded(std::size_t s) const { return !m_planes[s].empty(); }
  void drop_sample(std::size_t s) {
    std::vector<BitVec>().swap(m_planes[s]);
    std::vector<int64_t>().swap(m_acc[s]);
  }

  TileImage tile_image(const Tile& t) const;
  AppliedWeights applied_weights(const Tile& t) const;

  // The input bits of one window (tile rows) for sample s, output pixel (oy, ox), bit plane;
  // `valid_taps`: the taps inside the image (the others read padding: rows stay 0).
  void gather(const Tile& t, std::size_t s, int64_t oy, int64_t ox, int64_t plane, BitVec& in,
              std::vector<int64_t>& valid_taps) const;

  // Weight-stationary: one plane's column read-outs `out` (input bits `x` on the rows) into the
  // accumulators of sample s, pixel pix. Returns the columns accumulated (kept columns).
  int64_t accumulate(const Tile& t, const TileImage& img, const BitVec& x, const std::vector<int64_t>& out,
                     const std::vector<int64_t>& valid_taps, std::size_t s, int64_t pix, int64_t plane);

  // Input-stationary: column `col` stores the window (s, pix, plane) with `stored_ones` input
  // ones (and `stored` its bits, `valid` its taps); `out` is its read-out under applied vector vi.
  void accumulate_stored(const Tile& t, const AppliedWeights& a, std::size_t vi, const std::vector<uint8_t>& stored,
                         std::size_t col, int64_t rows_used, int64_t stored_ones, const std::vector<int64_t>& valid,
                         int64_t out, std::size_t s, int64_t pix, int64_t plane);

  // The layer's output values of sample s (N x P, NCHW) from its accumulators.
  void epilogue(std::size_t s, std::vector<double>& out) const;

 private:
  int64_t& acc(std::size_t s, int64_t pix, int64_t n) {
    return m_acc[s][std::size_t(pix) * std::size_t(m_N) + std::size_t(n)];
  }
  const LayerSpec& m_L;
  const ValueInfo& m_in;
  const LayerMapping& m_map;
  int64_t m_rows, m_cols, m_P, m_N, m_acc_bits;
  bool m_dw;
  BitCode m_wc, m_ic;
  std::vector<int64_t> m_order, m_pos;          // position -> channel, channel -> position
  std::vector<std::vector<BitVec>> m_planes;    // [sample][plane]
  std::vector<std::vector<int64_t>> m_acc;      // [sample][pixel][out channel], from load_sample to drop_sample
};

}  // namespace cimsim
