#include "workloads/mapping.hpp"

namespace cimsim {

LayerMapping map_weight_stationary(const LayerSpec& layer, MacroShape macro) {
  LayerMapping m;
  m.row_tiles = int((layer.in_channels + macro.rows - 1) / macro.rows);
  m.col_tiles = int((layer.out_channels + macro.cols - 1) / macro.cols);
  for (int ct = 0; ct < m.col_tiles; ++ct) {
    for (int rt = 0; rt < m.row_tiles; ++rt) {
      Tile t;
      t.row0 = rt * macro.rows;
      t.rows = std::min(macro.rows, layer.in_channels - t.row0);
      t.col0 = ct * macro.cols;
      t.cols = std::min(macro.cols, layer.out_channels - t.col0);
      t.row_tile = rt;
      t.col_tile = ct;
      m.tiles.push_back(t);
    }
  }
  return m;
}

}  // namespace cimsim
