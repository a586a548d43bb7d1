// Weight-stationary mapping of a layer onto 1x1 macros: input channels on rows, output channels
// on columns; layers larger than a macro are tiled over rows (partial sums added digitally) and
// columns.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

struct MacroShape {
  int64_t rows = 0, cols = 0;
};

struct Tile {
  int64_t row0 = 0, rows = 0;  // input channels [row0, row0 + rows)
  int64_t col0 = 0, cols = 0;  // output channels [col0, col0 + cols)
  int row_tile = 0, col_tile = 0;
};

struct LayerMapping {
  int row_tiles = 0, col_tiles = 0;
  std::vector<Tile> tiles;  // column tiles outer, row tiles inner
};

LayerMapping map_weight_stationary(const LayerSpec& layer, MacroShape macro);

}  // namespace cimsim
