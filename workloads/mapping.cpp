#include "workloads/mapping.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "workloads/errors.hpp"

namespace cimsim {

namespace {
int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
}  // namespace

LayerMapping map_layer(const LayerSpec& L, MacroShape m) {
  LayerMapping out;
  out.slices = L.slices();
  const bool dw = L.depthwise();
  const int64_t taps = L.taps();
  const int64_t C = dw ? L.in_channels : L.in_channels / L.groups;
  const int64_t align = m.aligned_taps ? m.domain_rows : 1;
  const int64_t cols_per_tile = m.cols / out.slices;
  if (cols_per_tile < 1) {
    throw InputError(fmt::format("layer '{}': {} weight slices do not fit in {} columns", L.name, out.slices, m.cols));
  }
  if (m.rows < align) throw InputError(fmt::format("layer '{}': a macro of {} rows cannot hold one domain of {} rows", L.name, m.rows, align));
  // Channels per row block: all of them when a tap block fits, else as many as fill the rows.
  int64_t cc = std::min(C, m.rows / align * align);
  if (dw) {
    cc = std::min(cc, cols_per_tile);
    // Prefer all nine taps of a channel group in one tile.
    const int64_t all_taps = (m.rows / taps) / align * align;
    if (all_taps >= 1) cc = std::min(cc, all_taps);
  }
  const int64_t tap_rows = round_up(cc, align);
  const int64_t taps_per_tile = std::max<int64_t>(1, std::min(taps, m.rows / tap_rows));
  const int64_t chunks = (C + cc - 1) / cc, tap_groups = (taps + taps_per_tile - 1) / taps_per_tile;
  // Depthwise: a column block is the row block's own channel group.
  out.row_tiles = int(dw ? tap_groups : chunks * tap_groups);
  out.col_tiles = int(dw ? chunks : (L.out_channels + cols_per_tile - 1) / cols_per_tile);
  for (int ct = 0; ct < out.col_tiles; ++ct)
    for (int64_t ch = 0; ch < chunks; ++ch) {
      if (dw && ch != ct) continue;
      for (int64_t tg = 0; tg < tap_groups; ++tg) {
        Tile t;
        t.c0 = ch * cc;
        t.cc = std::min(cc, C - t.c0);
        t.t0 = tg * taps_per_tile;
        t.nt = std::min(taps_per_tile, taps - t.t0);
        t.tap_rows = round_up(t.cc, align);  // align is 1 on a 1x1 macro: packed
        t.n0 = dw ? t.c0 : ct * cols_per_tile;
        t.nc = dw ? t.cc : std::min(cols_per_tile, L.out_channels - t.n0);
        t.row_tile = int(dw ? tg : ch * tap_groups + tg);
        t.col_tile = ct;
        out.tiles.push_back(t);
      }
    }
  return out;
}

}  // namespace cimsim
