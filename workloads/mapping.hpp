// Mapping of a macro layer onto macros (weight-stationary): input channels x kernel taps on
// rows, output channels (x weight slices) on columns. On a kxk macro each tap's channels start
// at a gating-domain boundary (a tap block is the channel count rounded up to whole domains), so
// a tap that falls on padding leaves whole domains without input; a depthwise layer is laid out
// block-diagonally. On a 1x1 (or digital) macro rows are packed (im2col). Layers larger than a macro are
// tiled over row blocks (partial sums added digitally) and column blocks.
#pragma once
#include <cstdint>
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

// The macro a layer is mapped onto, as the mapper needs it.
struct MacroShape {
  int64_t rows = 0, cols = 0;
  int64_t domain_rows = 1;    // rows of one gating domain
  bool aligned_taps = false;  // a kxk macro: each tap block starts at a domain boundary (else packed)
};

struct Tile {
  int64_t c0 = 0, cc = 0;  // input channel positions [c0, c0 + cc) (of the layer's channel order)
  int64_t t0 = 0, nt = 1;  // kernel taps [t0, t0 + nt), tap = ky * kernel + kx
  int64_t tap_rows = 0;    // rows per tap block (cc, or cc rounded up to whole domains)
  int64_t n0 = 0, nc = 0;  // output channels [n0, n0 + nc)
  int row_tile = 0, col_tile = 0;
  int64_t row(int64_t tap, int64_t pos) const { return (tap - t0) * tap_rows + (pos - c0); }
};

struct LayerMapping {
  int row_tiles = 0, col_tiles = 0;
  int64_t slices = 1;       // columns per output channel
  std::vector<Tile> tiles;  // column tiles outer, row tiles inner
};

// Throws InputError when the macro cannot hold even one tap block (e.g. rows < domain rows).
LayerMapping map_layer(const LayerSpec& L, MacroShape macro);

}  // namespace cimsim
