#include "workloads/layer_function.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "workloads/reference.hpp"

namespace cimsim {

namespace {

int64_t max_level(const LayerSpec& L) { return L.in_kind == ValueKind::UInt ? (int64_t{1} << L.in_bits) - 1 : 1; }

// Bits of a two's complement accumulator that holds any sum of magnitude up to `range` / 2.
int64_t bits_for(int64_t range) {
  int64_t b = 0;
  while ((int64_t{1} << b) < range + 1) ++b;
  return b;
}

}  // namespace

LayerFunction::LayerFunction(const LayerSpec& L, const ValueInfo& in, const LayerMapping& map, int64_t macro_rows,
                             int64_t macro_cols, std::vector<int64_t> order, std::size_t samples)
    : m_L(L),
      m_in(in),
      m_map(map),
      m_rows(macro_rows),
      m_cols(macro_cols),
      m_P(L.out_pixels()),
      m_N(L.out_channels),
      m_dw(L.depthwise()),
      m_wc(L.w_code == BitCode::Signed ? BitCode::Signed : BitCode::Unsigned01),
      m_ic(L.in_kind == ValueKind::Bits ? L.in_code : BitCode::Unsigned01),
      m_order(std::move(order)),
      m_planes(samples),
      m_acc(samples) {
  m_pos.resize(m_order.size());
  for (std::size_t q = 0; q < m_order.size(); ++q) m_pos[std::size_t(m_order[q])] = int64_t(q);
  int64_t wmax = 1;
  for (auto v : L.weights) wmax = std::max<int64_t>(wmax, std::abs(int64_t(v)));
  m_acc_bits = bits_for(2 * L.k_per_out() * max_level(L) * wmax);
}

std::vector<int64_t> LayerFunction::zero_first_order(const LayerSpec& L, const ValueInfo& in,
                                                     const std::vector<const std::vector<double>*>& samples) {
  const int64_t C = L.in_channels, HW = L.in_h * L.in_w;
  std::vector<int64_t> order(static_cast<std::size_t>(C));
  std::iota(order.begin(), order.end(), 0);
  if (C <= 1) return order;
  std::vector<int64_t> nonzero(static_cast<std::size_t>(C), 0);
  for (const auto* x : samples)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < HW; ++i) nonzero[std::size_t(c)] += layer_input_level(L, in, (*x)[std::size_t(c * HW + i)]) != 0;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return nonzero[std::size_t(a)] < nonzero[std::size_t(b)]; });
  return order;
}

void LayerFunction::load_sample(std::size_t s, const std::vector<double>& x) {
  const int64_t C = m_L.in_channels, HW = m_L.in_h * m_L.in_w, planes = m_L.in_bits;
  m_planes[s].assign(std::size_t(planes), BitVec(std::size_t(HW * C)));
  // The sample's accumulators live from its first operation to its epilogue: blocks of one
  // sample's size, which the allocator reuses from layer to layer (one block for all samples
  // would be mapped afresh, and its pages faulted in, by every layer).
  m_acc[s].assign(std::size_t(m_P * m_N), 0);
  for (int64_t c = 0; c < C; ++c)
    for (int64_t i = 0; i < HW; ++i) {
      const int64_t lvl = layer_input_level(m_L, m_in, x[std::size_t(c * HW + i)]);
      for (int64_t b = 0; b < planes; ++b)
        if ((lvl >> b) & 1) m_planes[s][std::size_t(b)].set(std::size_t(i * C + m_pos[std::size_t(c)]), true);
    }
}

TileImage LayerFunction::tile_image(const Tile& t) const {
  const LayerSpec& L = m_L;
  const int64_t taps = L.taps(), slices = m_map.slices, K = L.k_per_out();
  // LayerSpec::weight_bit of one weight value.
  const bool sign = L.w_code == BitCode::Signed, one_bit = L.w_bits == 1;
  const unsigned mask = (1u << L.w_bits) - 1;
  auto weight_bit = [&](int w, int64_t j) {
    return sign ? w > 0 : one_bit ? w != 0 : ((static_cast<unsigned>(w) & mask) >> j) & 1u;
  };
  TileImage img;
  img.rows_used = t.nt * t.tap_rows;
  img.cols_used = t.nc * slices;
  img.bits = PackedColumns(img.rows_used, img.cols_used);
  img.w_ones.assign(std::size_t(img.cols_used * t.nt), 0);
  img.needed.assign(std::size_t(m_cols), 0);
  img.col_n.assign(std::size_t(m_cols), 0);
  img.col_j.assign(std::size_t(m_cols), 0);
  img.coef.assign(std::size_t(m_cols), 0);
  for (int64_t col = 0; col < img.cols_used; ++col) {
    const int64_t q_or_n = t.n0 + col / slices, j = col % slices;
    const int64_t n = m_dw ? m_order[std::size_t(q_or_n)] : q_or_n;  // depthwise columns follow the channel order
    img.col_n[std::size_t(col)] = n;
    img.col_j[std::size_t(col)] = j;
    img.coef[std::size_t(col)] = L.slice_coef(j);
    img.needed[std::size_t(col)] = L.column_needed(n);
    int64_t* ones = &img.w_ones[std::size_t(col * t.nt)];
    const int8_t* wn = &L.weights[std::size_t(n * K)];  // output channel n's weights, [k_per_out]
    // Tap block by tap block, its channels down consecutive rows: each word of the column is
    // built in a register and stored once (random weight bits: no branch on them).
    uint64_t* colw = &img.bits.bits[std::size_t(col) * img.bits.words];
    for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap) {
      const int64_t row = t.row(tap, t.c0);
      std::size_t w = std::size_t(row >> 6);
      int sh = int(row & 63);
      uint64_t word = 0, tap_ones = 0;
      for (int64_t q = t.c0; q < t.c0 + t.cc; ++q) {
        const int64_t c = m_order[std::size_t(q)];
        // Depthwise, block-diagonal: a channel's taps meet only its own column.
        const uint64_t bit = (!m_dw || c == n) && weight_bit(wn[(m_dw ? 0 : c * taps) + tap], j) ? 1u : 0u;
        word |= bit << sh;
        tap_ones += bit;
        if (++sh == 64) {
          colw[w++] |= word;
          word = 0;
          sh = 0;
        }
      }
      if (sh) colw[w] |= word;
      ones[tap - t.t0] += int64_t(tap_ones);
    }
  }
  return img;
}

AppliedWeights LayerFunction::applied_weights(const Tile& t) const {
  const LayerSpec& L = m_L;
  const int64_t taps = L.taps(), slices = m_map.slices;
  const int64_t n0 = m_dw ? t.n0 : 0, nc = m_dw ? t.nc : m_N;
  AppliedWeights a;
  for (int64_t qn = n0; qn < n0 + nc; ++qn) {
    const int64_t n = m_dw ? m_order[std::size_t(qn)] : qn;
    if (!L.column_needed(n)) continue;
    for (int64_t j = 0; j < slices; ++j) {
      BitVec v(static_cast<std::size_t>(m_rows));
      for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap) {
        int64_t ones = 0;
        for (int64_t q = t.c0; q < t.c0 + t.cc; ++q) {
          const int64_t c = m_order[std::size_t(q)];
          if (m_dw && c != n) continue;
          if (L.weight_bit(n, m_dw ? tap : c * taps + tap, j)) {
            v.set(std::size_t(t.row(tap, q)), true);
            ++ones;
          }
        }
        a.w_ones.push_back(ones);
      }
      a.vec.push_back(std::move(v));
      a.n.push_back(n);
      a.j.push_back(j);
      a.qn.push_back(qn);
    }
  }
  return a;
}

void LayerFunction::gather(const Tile& t, std::size_t s, int64_t oy, int64_t ox, int64_t plane, BitVec& in,
                           std::vector<int64_t>& valid_taps) const {
  const LayerSpec& L = m_L;
  const int64_t C = L.in_channels, H = L.in_h, W = L.in_w;
  in.clear();
  valid_taps.clear();
  for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap) {
    const int64_t iy = oy * L.stride - L.pad + L.tap_y(tap), ix = ox * L.stride - L.pw() + L.tap_x(tap);
    if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;  // padding: the rows stay 0
    valid_taps.push_back(tap);
    or_bits_at(in, std::size_t(t.row(tap, t.c0)), m_planes[s][std::size_t(plane)], std::size_t((iy * W + ix) * C + t.c0),
               std::size_t(t.cc));
  }
}

int64_t LayerFunction::accumulate(const Tile& t, const TileImage& img, const BitVec& x, const std::vector<int64_t>& out,
                                  const std::vector<int64_t>& valid_taps, std::size_t s, int64_t pix, int64_t plane) {
  const int64_t ones = popcount_range(x.data(), 0, std::size_t(img.rows_used));
  const bool need_w_ones = m_ic == BitCode::Signed || m_dw;
  int64_t kept = 0;
  if (!need_w_ones) {  // every column sees the same input ones over the same valid rows
    int64_t* a = &m_acc[s][std::size_t(pix) * std::size_t(m_N)];
    // signed_dot with unsigned inputs, d = mul x count - sub, hoisted out of the column loop
    // (and the tile's arrays held in locals: the stores into `a` could alias them otherwise).
    const int64_t rows_valid = int64_t(valid_taps.size()) * t.cc;
    const int64_t mul = signed_dot(m_wc, m_ic, 1, ones, 0, rows_valid) - signed_dot(m_wc, m_ic, 0, ones, 0, rows_valid);
    const int64_t sub = -signed_dot(m_wc, m_ic, 0, ones, 0, rows_valid);
    const int64_t shift = int64_t{1} << plane;
    const uint8_t* needed = img.needed.data();
    const int64_t *col_n = img.col_n.data(), *coef = img.coef.data(), *o = out.data();
    const int64_t cols = img.cols_used;
    for (int64_t col = 0; col < cols; ++col) {
      if (!needed[col]) continue;
      ++kept;
      a[col_n[col]] += shift * coef[col] * (mul * o[col] - sub);
    }
    return kept;
  }
  for (int64_t col = 0; col < img.cols_used; ++col) {
    if (!img.needed[std::size_t(col)]) continue;
    ++kept;
    int64_t in_ones = ones, rows_valid = int64_t(valid_taps.size()) * t.cc, wo = 0;
    if (m_dw) {  // the column's own channel rows only
      const int64_t q = t.n0 + col / m_map.slices;
      in_ones = 0;
      rows_valid = int64_t(valid_taps.size());
      for (int64_t tap : valid_taps) in_ones += x.get(std::size_t(t.row(tap, q)));
    }
    if (need_w_ones)
      for (int64_t tap : valid_taps) wo += img.w_ones[std::size_t(col * t.nt + (tap - t.t0))];
    const int64_t d = signed_dot(m_wc, m_ic, out[std::size_t(col)], in_ones, wo, rows_valid);
    acc(s, pix, img.col_n[std::size_t(col)]) += (int64_t{1} << plane) * img.coef[std::size_t(col)] * d;
  }
  return kept;
}

void LayerFunction::accumulate_stored(const Tile& t, const AppliedWeights& a, std::size_t vi,
                                      const std::vector<uint8_t>& stored, std::size_t col, int64_t rows_used,
                                      int64_t stored_ones, const std::vector<int64_t>& valid, int64_t out,
                                      std::size_t s, int64_t pix, int64_t plane) {
  int64_t in_ones = stored_ones, rows_valid = int64_t(valid.size()) * t.cc, wo = 0;
  for (int64_t tap : valid) wo += a.w_ones[vi * std::size_t(t.nt) + std::size_t(tap - t.t0)];
  if (m_dw) {  // only the column's own channel rows carry this channel's weights
    in_ones = 0;
    rows_valid = int64_t(valid.size());
    const std::size_t base = col * std::size_t(rows_used);
    for (int64_t tap : valid) in_ones += stored[base + std::size_t(t.row(tap, a.qn[vi]))];
  }
  const int64_t d = signed_dot(m_wc, m_ic, out, in_ones, wo, rows_valid);
  acc(s, pix, a.n[vi]) += (int64_t{1} << plane) * m_L.slice_coef(a.j[vi]) * d;
}

void LayerFunction::epilogue(std::size_t s, std::vector<double>& out) const {
  const LayerSpec& L = m_L;
  const std::vector<int64_t>& acc = m_acc[s];
  out.resize(std::size_t(m_N * m_P));
  if (acc.empty()) {  // never loaded: nothing summed, every dot product is 0
    for (int64_t n = 0; n < m_N; ++n)
      std::fill_n(out.begin() + n * m_P, m_P, L.binarized ? bit_value(L.out_code, L.output_bit(n, 0)) : L.output_value(n, 0));
    return;
  }
  // [pixel][channel] accumulators into NCHW outputs, in blocks of pixels that stay in cache.
  constexpr int64_t kBlock = 64;
  for (int64_t p0 = 0; p0 < m_P; p0 += kBlock) {
    const int64_t p1 = std::min(m_P, p0 + kBlock);
    for (int64_t n = 0; n < m_N; ++n) {
      double* o = &out[std::size_t(n * m_P)];
      const int64_t* a = &acc[std::size_t(n)];
      if (L.binarized) {  // LayerSpec::output_bit with the channel's threshold held
        const int64_t dir = L.dir[std::size_t(n)], thr = L.thr[std::size_t(n)];
        const double one = bit_value(L.out_code, true), zero = bit_value(L.out_code, false);
        for (int64_t p = p0; p < p1; ++p) {
          const int64_t dot = a[p * m_N];
          o[p] = (dir > 0 ? dot >= thr : dir < 0 ? dot <= thr : thr != 0) ? one : zero;
        }
      } else {
        for (int64_t p = p0; p < p1; ++p) o[p] = L.output_value(n, a[p * m_N]);
      }
    }
  }
}

}  // namespace cimsim
