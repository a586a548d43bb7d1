// The chip (controller + macros) against the plain integer reference: tiling, 3x3 windows,
// depthwise layouts, bit-serial inputs, bit-sliced weights, several macros, reordering.
#include <catch2/catch.hpp>

#include "arch/hierarchy.hpp"
#include "helpers.hpp"
#include "sim/driver.hpp"
#include "workloads/mapping.hpp"
#include "workloads/reference.hpp"

using namespace cimsim;

namespace {

ChipParams small_chip() {
  ChipParams c;
  c.macro.rows = 16;
  c.macro.cols = 8;
  c.macro.hierarchy = {4, 4};
  c.macro.gate_cols = 4;
  c.readout.share = 2;
  return c;
}

// Every output of the chip equals the integer reference's.
void check_against_reference(const Network& net, const std::vector<std::vector<double>>& x, const ChipRun& run) {
  const std::size_t n = std::size_t(net.output_numel());
  for (std::size_t s = 0; s < x.size(); ++s) {
    const auto ref = reference_forward(net, x[s]);
    REQUIRE(ref.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      INFO("sample " << s << " output " << i);
      CHECK(run.outputs[s * n + i] == ref[i]);
    }
  }
}

const LayerRun& layer_run(const ChipRun& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  return r.layers.front();
}

}  // namespace

TEST_CASE("tiling: row blocks of channels x taps, column blocks of outputs", "[mapping]") {
  LayerSpec dense;
  dense.in_channels = 40;
  dense.out_channels = 20;
  const LayerMapping m = map_layer(dense, {16, 8, 4, false});
  CHECK(m.row_tiles == 3);  // ceil(40 / 16)
  CHECK(m.col_tiles == 3);  // ceil(20 / 8)
  REQUIRE(m.tiles.size() == 9);
  CHECK(m.tiles[2].c0 == 32);
  CHECK(m.tiles[2].cc == 8);  // 40 - 32
  CHECK(m.tiles[8].n0 == 16);
  CHECK(m.tiles[8].nc == 4);  // 20 - 16

  LayerSpec conv;
  conv.kind = LayerKind::Conv3x3;
  conv.kernel = 3;
  conv.out_channels = 8;
  SECTION("16 channels fill one 16-row domain per tap: 9 taps in 144 rows") {
    conv.in_channels = 16;
    const LayerMapping c = map_layer(conv, {256, 256, 16, true});
    CHECK(c.row_tiles == 1);
    CHECK(c.tiles[0].tap_rows == 16);
    CHECK(c.tiles[0].nt == 9);
  }
  SECTION("20 channels round up to two domains per tap on a 3x3 macro, pack on a 1x1 macro") {
    conv.in_channels = 20;
    const LayerMapping a = map_layer(conv, {256, 256, 16, true});
    CHECK(a.tiles[0].tap_rows == 32);
    CHECK(a.tiles[0].nt == 8);  // floor(256 / 32)
    CHECK(a.row_tiles == 2);    // taps 0-7, then tap 8
    const LayerMapping b = map_layer(conv, {256, 256, 16, false});
    CHECK(b.tiles[0].tap_rows == 20);
    CHECK(b.row_tiles == 1);  // 9 x 20 = 180 rows
  }
  SECTION("128 channels: two taps per tile, five tap groups") {
    conv.in_channels = 128;
    const LayerMapping c = map_layer(conv, {256, 256, 16, true});
    CHECK(c.row_tiles == 5);
    CHECK(c.tiles[4].nt == 1);  // tap 8 alone
  }
  SECTION("300 channels: 256-channel blocks, one tap each") {
    conv.in_channels = 300;
    const LayerMapping c = map_layer(conv, {256, 256, 16, true});
    CHECK(c.row_tiles == 2 * 9);
    CHECK(c.tiles[0].cc == 256);
    CHECK(c.tiles[9].cc == 44);
  }
  SECTION("depthwise: channel groups whose nine tap blocks fit the rows") {
    LayerSpec dw = conv;
    dw.kind = LayerKind::Depthwise3x3;
    dw.in_channels = dw.out_channels = dw.groups = 32;
    const LayerMapping c = map_layer(dw, {256, 256, 16, true});
    CHECK(c.tiles[0].cc == 16);  // 9 x 16 = 144 <= 256 < 9 x 32
    CHECK(c.col_tiles == 2);
    CHECK(c.row_tiles == 1);
  }
}

TEST_CASE("tiled dense layers compute what the integer reference computes, for every code", "[chip]") {
  std::mt19937 rng(7);
  for (auto codes : {std::pair{BitCode::Unsigned01, BitCode::Signed}, std::pair{BitCode::Signed, BitCode::Signed},
                     std::pair{BitCode::Signed, BitCode::Unsigned01}, std::pair{BitCode::Unsigned01, BitCode::Unsigned01}}) {
    test::NetBuilder b({40}, ValueKind::Bits, codes.first);
    b.layer(LayerKind::Dense, 20, codes.second, 1, true, rng);
    b.layer(LayerKind::Dense, 10, codes.second, 1, false, rng);
    const auto x = test::random_inputs(b.net, 6, 0.35, rng);
    const ChipParams chip = small_chip();
    const ChipRun run = run_chip(chip, b.net, x).run;
    check_against_reference(b.net, x, run);
    const LayerRun& l1 = layer_run(run, "layer0");
    CHECK(l1.row_tiles == 3);
    CHECK(l1.col_tiles == 3);
    CHECK(l1.counters[Stat::Ops] == 9 * 6);  // tiles x samples
    // Cycles: 9 tile writes of 16 rows and 54 operations of at most 6 cycles (fewer when fewer
    // columns need the shared converters, none when every domain is gated), the wake-up stalls,
    // one macro busy or waiting for a buffer port (an operation that takes no slot cannot hide
    // its input's transfer), and the last sample's 20 output bits written to the 256-bit output
    // port (one cycle; the earlier samples' writes overlap the operations that follow).
    CHECK(l1.counters[Stat::Cycles] <= 9 * 16 + 54 * 6 + l1.counters[Stat::StallWakeup]);
    CHECK(l1.cycles == l1.counters[Stat::Cycles] + l1.counters[Stat::StallBuffer] + 1);
    CHECK(l1.macs == 40 * 20 * 6);
  }
}

TEST_CASE("bit-serial fixed-point inputs and bit-sliced weights", "[chip]") {
  std::mt19937 rng(11);
  test::NetBuilder b({2, 5, 5}, ValueKind::UInt, BitCode::Unsigned01, 4, 1.0 / 15);
  LayerSpec& L = b.layer(LayerKind::Conv3x3, 6, BitCode::Unsigned01, 3, true, rng, 1, 1);  // levels -4..3
  for (auto& s : L.scale) s = 1.0 / 15;
  b.layer(LayerKind::Dense, 4, BitCode::Unsigned01, 2, false, rng);  // ternary-ish levels -2..1
  b.net.layers[1].in_channels = 6 * 25;
  const auto x = test::random_inputs(b.net, 3, 0.5, rng);
  ChipParams chip = small_chip();
  chip.macro.rows = 64;
  chip.macro.cols = 16;
  chip.macro.hierarchy = {4, 4, 4};
  const ChipRun run = run_chip(chip, b.net, x).run;
  check_against_reference(b.net, x, run);
  // 4 input bit planes: one operation per plane per output pixel per tile.
  const LayerRun& l0 = layer_run(run, "layer0");
  const LayerMapping m = map_layer(b.net.layers[0], {64, 16, 4, true});
  CHECK(m.slices == 3);
  CHECK(l0.counters[Stat::Ops] == uint64_t(3 * 25 * 4) * m.tiles.size());
}

TEST_CASE("3x3 window reuse: a line buffer reads each new pixel column once", "[chip][window]") {
  std::mt19937 rng(5);
  test::NetBuilder b({4, 5, 5}, ValueKind::Bits);
  b.layer(LayerKind::Conv3x3, 8, BitCode::Signed, 1, true, rng, 1, 1);
  const auto x = test::random_inputs(b.net, 2, 0.5, rng);
  ChipParams chip;
  chip.macro.rows = 64;
  chip.macro.cols = 16;
  chip.macro.hierarchy = {4, 16};  // 4-row domains: a tap block of 4 channels is one domain
  // Expected input-buffer reads, from first principles, for 2 samples x 4 channels:
  // with a line buffer, the first window of each output row reads its in-image pixels and every
  // later window only the column that shifts in; without one, every window reads all of them.
  uint64_t reuse = 0, full = 0;
  for (int oy = 0; oy < 5; ++oy)
    for (int ox = 0; ox < 5; ++ox)
      for (int ky = 0; ky < 3; ++ky)
        for (int kx = 0; kx < 3; ++kx) {
          const int iy = oy - 1 + ky, ix = ox - 1 + kx;
          if (iy < 0 || iy > 4 || ix < 0 || ix > 4) continue;
          ++full;
          if (ox == 0 || kx == 2) ++reuse;
        }
  const ChipRun a = run_chip(chip, b.net, x).run;
  chip.force_kind = {{"layer0", "cim1x1"}};
  const ChipRun p = run_chip(chip, b.net, x).run;
  check_against_reference(b.net, x, a);
  check_against_reference(b.net, x, p);
  CHECK(layer_run(a, "layer0").macro == "cim3x3");
  CHECK(layer_run(p, "layer0").macro == "cim1x1");
  CHECK(layer_run(a, "layer0").counters[Act::BufferReadBit] == 2 * 4 * reuse);
  CHECK(layer_run(p, "layer0").counters[Act::BufferReadBit] == 2 * 4 * full);
  // Window rows inside the image per output row: 2, 3, 3, 3, 2 (13). Line buffer: 2 columns at
  // ox = 0, one new column at ox = 1..3, none at ox = 4 (it would be padding): 13 x 5 = 65.
  // Without: (2 + 3 + 3 + 3 + 2) columns x 13 rows = 169.
  CHECK(reuse == 65);
  CHECK(full == 169);
}

TEST_CASE("depthwise 3x3: the block-diagonal layout leaves off-diagonal domains gated", "[chip][depthwise]") {
  std::mt19937 rng(9);
  test::NetBuilder b({16, 3, 3}, ValueKind::Bits);
  LayerSpec& L = b.layer(LayerKind::Depthwise3x3, 16, BitCode::Unsigned01, 1, false, rng);  // 3x3 image, no pad: 1 pixel
  std::fill(L.weights.begin(), L.weights.end(), int8_t(1));
  const std::vector<std::vector<double>> x(1, std::vector<double>(16 * 9, 1.0));  // every input bit 1
  ChipParams chip;
  chip.macro.rows = 256;
  chip.macro.cols = 64;
  chip.macro.hierarchy = {4, 4, 16};  // 4-row leaf domains
  chip.macro.gate_cols = 8;
  const ChipRun run = run_chip(chip, b.net, x).run;
  check_against_reference(b.net, x, run);
  // Layout: 9 tap blocks of 16 rows (channels 0-15) x 16 columns. A 4-row domain of tap block t
  // holds channels 4r..4r+3; column group g holds channels 8g..8g+7: only the 2 row domains of
  // each group's own channels store weights, so 9 x 4 = 36 domains are active; the other
  // 64 row domains x 8 groups - 36 stay gated.
  const Hierarchy h(chip.macro);
  const LayerRun& l = layer_run(run, "layer0");
  CHECK(l.counters[Stat::Ops] == 1);
  CHECK(l.counters[Stat::DomainEvals] == uint64_t(h.domains()));
  CHECK(l.counters[Stat::DomainSkips] == uint64_t(h.domains() - 36));
  for (int n = 0; n < 16; ++n) CHECK(run.outputs[std::size_t(n)] == 9.0 + L.bias[std::size_t(n)]);
}

TEST_CASE("reordering channels never lowers the gated fraction and keeps outputs identical", "[chip][reorder]") {
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    // Every other input channel is nearly always 0, so in natural order every 4-row domain mixes
    // busy and idle channels; reordered, the idle ones share domains.
    test::NetBuilder b({32}, ValueKind::Bits);
    b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, false, rng);
    auto x = test::random_inputs(b.net, 8, 0.6, rng);
    for (auto& s : x)
      for (std::size_t c = 1; c < s.size(); c += 2) s[c] = (rng() % 16 == 0) ? 1.0 : 0.0;
    ChipParams chip = small_chip();
    chip.macro.rows = 32;
    chip.macro.hierarchy = {4, 8};
    const ChipRun plain = run_chip(chip, b.net, x).run;
    chip.reorder_channels = true;
    const ChipRun moved = run_chip(chip, b.net, x).run;
    CHECK(moved.outputs == plain.outputs);
    auto frac = [](const ChipRun& r) { return double(r.total[Stat::DomainSkips]) / double(r.total[Stat::DomainEvals]); };
    CHECK(frac(moved) >= frac(plain));
    if (seed == 1) CHECK(frac(moved) > frac(plain) + 0.1);
  }
}

TEST_CASE("several macros share a layer's tiles; resident weights are written once", "[chip][macros]") {
  std::mt19937 rng(13);
  test::NetBuilder b({64}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 16, BitCode::Signed, 1, true, rng);
  b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, false, rng);
  const auto x = test::random_inputs(b.net, 100, 0.4, rng);
  ChipParams chip = small_chip();  // 16 x 8: layer 0 has 4 x 2 tiles, layer 1 1 x 1
  chip.macros["cim3x3"] = 0;
  chip.output_buffer.kib = 1;      // 8192 bits hold 64 samples' partial sums (16 x 8 bits): 2 chunks
  const ChipRun one = run_chip(chip, b.net, x).run;
  chip.macros["cim1x1"] = 4;
  const ChipRun four = run_chip(chip, b.net, x).run;
  chip.macros["cim1x1"] = 9;             // every tile has a macro: weights stay resident
  const ChipRun nine = run_chip(chip, b.net, x).run;
  check_against_reference(b.net, x, one);
  CHECK(four.outputs == one.outputs);
  CHECK(nine.outputs == one.outputs);
  CHECK(layer_run(four, "layer0").cycles < layer_run(one, "layer0").cycles);
  CHECK_FALSE(one.weights_resident);
  CHECK(nine.weights_resident);
  CHECK(layer_run(one, "layer0").weight_writes == 2 * 8);  // every tile rewritten for the second chunk
  CHECK(layer_run(nine, "layer0").weight_writes == 8);
}

TEST_CASE("input-stationary mapping: windows in the cells, weight slices on the rows", "[chip][input-stationary]") {
  std::mt19937 rng(17);
  test::NetBuilder b({40}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 20, BitCode::Signed, 1, true, rng);
  b.layer(LayerKind::Dense, 10, BitCode::Unsigned01, 3, false, rng);  // 3-bit weights: 3 slices
  const auto x = test::random_inputs(b.net, 6, 0.4, rng);
  ChipParams chip = small_chip();
  chip.input_stationary = true;
  const ChipRun run = run_chip(chip, b.net, x).run;
  check_against_reference(b.net, x, run);
  // Layer 0: 3 row blocks of 16 rows; the 6 samples' windows fit one write of 8 columns; each
  // block applies all 20 output channels: 3 x 20 operations, 3 writes.
  const LayerRun& l0 = layer_run(run, "layer0");
  CHECK(l0.counters[Stat::Ops] == 3 * 20);
  CHECK(l0.weight_writes == 3);
  // Layer 1: 20 inputs -> 2 row blocks; 10 channels x 3 weight slices applied per block.
  CHECK(layer_run(run, "layer1").counters[Stat::Ops] == 2 * 10 * 3);
  // 3x3 convolutions with padding, and depthwise, input-stationary too.
  test::NetBuilder c({6, 4, 4}, ValueKind::Bits);
  c.layer(LayerKind::Conv3x3, 6, BitCode::Signed, 1, true, rng, 1, 1);
  c.layer(LayerKind::Depthwise3x3, 6, BitCode::Signed, 1, true, rng, 2, 1);
  c.layer(LayerKind::Conv1x1, 4, BitCode::Signed, 1, false, rng);
  const auto xc = test::random_inputs(c.net, 3, 0.5, rng);
  chip.macro.rows = 64;
  chip.macro.cols = 16;
  chip.macro.hierarchy = {4, 16};
  check_against_reference(c.net, xc, run_chip(chip, c.net, xc).run);
}

TEST_CASE("all-zero inputs gate every domain and still give the right outputs", "[chip][gating]") {
  std::mt19937 rng(3);
  test::NetBuilder b({16}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, false, rng);
  const std::vector<std::vector<double>> x(3, std::vector<double>(16, 0.0));
  const ChipRun run = run_chip(small_chip(), b.net, x).run;
  const MacroCounters& c = layer_run(run, "layer0").counters;
  CHECK(c[Stat::DomainEvals] == 3 * 8);
  CHECK(c[Stat::DomainSkips] == 3 * 8);
  CHECK(c.precharge[0] == 0);
  CHECK(c[Act::AdcConversion] == 0);
  check_against_reference(b.net, x, run);
}

TEST_CASE("pruned output channels are discarded columns and are gated", "[chip][gating]") {
  std::mt19937 rng(5);
  test::NetBuilder b({16}, ValueKind::Bits);
  LayerSpec& L = b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, false, rng);
  for (int n = 4; n < 8; ++n) L.scale[std::size_t(n)] = 0.0;  // channels 4-7 pruned: constant outputs
  const std::vector<std::vector<double>> x(1, std::vector<double>(16, 1.0));
  const ChipRun run = run_chip(small_chip(), b.net, x).run;
  const MacroCounters& c = layer_run(run, "layer0").counters;
  // Group 1 (columns 4-7) is discarded in all 4 leaves; group 0 is active in all 4.
  CHECK(c[Stat::DomainSkips] == 4);
  CHECK(c[Act::AdcConversion] == 4);
  check_against_reference(b.net, x, run);
}

namespace {
// The 8-row, 4-column macro the analog-accumulation cases fill (one converter per column), with
// a lossless 7-bit read-out for one conversion of 2 planes x 2 slices: 8 rows x 3 x 3 = 72 counts.
ChipParams analog_case_chip() {
  ChipParams chip;
  chip.macro.rows = 8;
  chip.macro.cols = 4;
  chip.macro.hierarchy = {8};
  chip.macro.gate_cols = 4;
  chip.readout.share = 1;
  chip.readout.bits = 7;
  return chip;
}

// The value M one conversion of output n quantises: the sum over input planes b and weight
// slices j of 2^(b+j) x the AND count of plane b of `x` with slice j.
int64_t combined_count(const LayerSpec& L, const std::vector<double>& x, int64_t n) {
  int64_t m = 0;
  for (int b = 0; b < 2; ++b)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t r = 0; r < 8; ++r)
        m += int64_t(((int64_t(x[std::size_t(r)]) >> b) & 1) && L.weight_bit(n, r, j)) << (b + j);
  return m;
}
}  // namespace

TEST_CASE("analog accumulation: input planes as pulse trains, weight slices charge-shared, one conversion", "[chip][analog]") {
  std::mt19937 rng(5);
  test::NetBuilder b({8}, ValueKind::UInt, BitCode::Unsigned01, 2, 1.0);
  b.layer(LayerKind::Dense, 2, BitCode::Unsigned01, 2, false, rng);  // 2-bit weights: 2 column slices
  const LayerSpec& L = b.net.layers[0];
  const std::vector<std::vector<double>> x = {{3, 1, 2, 0, 3, 0, 1, 2}};
  // One conversion of 2 planes x 2 slices spans 8 rows x 3 x 3 = 72 counts: 7 bits are lossless.
  ChipParams chip = analog_case_chip();
  const ChipRun digital = run_chip(chip, b.net, x).run;
  chip.readout.analog_accumulate = true;
  const ChipOutcome analog_outcome = run_chip(chip, b.net, x);
  const ChipRun& analog = analog_outcome.run;
  CHECK(analog_outcome.lossless);
  {  // lossless for the 8 rows (4 bits) is lossy for the combined range of 72 counts
    ChipParams rows_only = chip;
    rows_only.readout.bits = 0;
    CHECK_FALSE(run_chip(rows_only, b.net, x).lossless);
    rows_only.readout.analog_accumulate = false;
    CHECK(run_chip(rows_only, b.net, x).lossless);
  }
  check_against_reference(b.net, x, digital);
  check_against_reference(b.net, x, analog);
  // Planes of x: bit 0 = 1 1 0 0 1 0 1 0 (4 ones), bit 1 = 1 0 1 0 1 0 0 1 (4 ones).
  const MacroCounters& d = layer_run(digital, "layer0").counters;
  const MacroCounters& a = layer_run(analog, "layer0").counters;
  CHECK(d[Stat::Ops] == 2);             // one operation per plane
  CHECK(a[Stat::Ops] == 1);             // one operation for both
  CHECK(d[Act::AdcConversion] == 8);    // 2 planes x 4 columns
  CHECK(a[Act::AdcConversion] == 2);    // one per output (2 slices charge-shared)
  CHECK(d[Act::InputLineCell] == (4 + 4) * 4u);      // each driven row line x 4 columns
  CHECK(a[Act::InputLineCell] == (4 + 2 * 4) * 4u);  // plane 1 is two pulses
  CHECK(d.precharge[0] == 8);           // 4 columns per operation
  CHECK(a.precharge[0] == 4);
  // AND products: plane b's pulses each discharge the cells whose product is 1.
  uint64_t products[2] = {0, 0};
  for (int b_ = 0; b_ < 2; ++b_)
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t j = 0; j < 2; ++j)
        for (int64_t r = 0; r < 8; ++r) products[b_] += ((int64_t(x[0][std::size_t(r)]) >> b_) & 1) && L.weight_bit(n, r, j);
  CHECK(d[Act::AndEval] == products[0] + products[1]);
  CHECK(a[Act::AndEval] == products[0] + 2 * products[1]);
  // The combined value is what the converter quantises: 3 bits (7 steps over 72 counts) move
  // each output by its quantisation error, computed here from the exact dot product.
  chip.readout.bits = 3;
  const ChipRun coarse = run_chip(chip, b.net, x).run;
  const auto ref = reference_forward(b.net, x[0]);
  int differ = 0;
  for (int64_t n = 0; n < 2; ++n) {
    const int64_t m = combined_count(L, x[0], n);
    const int64_t q = std::llround(double(std::llround(double(m) * 7.0 / 72.0)) * 72.0 / 7.0);
    const double want = ref[std::size_t(n)] + L.scale[std::size_t(n)] * double(q - m);
    CHECK(coarse.outputs[std::size_t(n)] == Approx(want));
    differ += q != m;
  }
  CHECK(differ > 0);
}

TEST_CASE("analog accumulation with noise: the offset weighs one plane's count, scaled to the combined range", "[chip][analog][noise]") {
  std::mt19937 rng(5);
  test::NetBuilder b({8}, ValueKind::UInt, BitCode::Unsigned01, 2, 1.0);
  b.layer(LayerKind::Dense, 2, BitCode::Unsigned01, 2, false, rng);  // 2-bit weights: 2 column slices
  const LayerSpec& L = b.net.layers[0];
  const std::vector<std::vector<double>> x = {{3, 1, 2, 0, 3, 0, 1, 2}};
  ChipParams chip = analog_case_chip();  // lossless for the combined 72 counts
  chip.readout.analog_accumulate = true;
  chip.macro.noise.on = true;
  chip.macro.noise.offset_lsb = 0.4;  // sigma, in counts of one plane's signal; no other error
  chip.macro.noise.seed = 3;
  const ChipOutcome o = run_chip(chip, b.net, x);
  // The chip instance the macro drew: 4 converters (one per column), 8 x 4 cells.
  const ReadNoise drawn(chip.macro.noise, "cim1x1_0", 4, 32);
  const auto ref = reference_forward(b.net, x[0]);
  int differ = 0;
  for (int64_t n = 0; n < 2; ++n) {
    const int64_t m = combined_count(L, x[0], n);
    // One plane's count is 72 / 8 = 9 units of the combined value M: the converter of the
    // output's first slice column (2n) adds 9 x its offset before M is rounded.
    const int64_t q = std::llround(std::clamp(double(m) + 9.0 * drawn.offset(std::size_t(2 * n)), 0.0, 72.0));
    CHECK(o.run.outputs[std::size_t(n)] == Approx(ref[std::size_t(n)] + L.scale[std::size_t(n)] * double(q - m)));
    differ += q != m;
  }
  CHECK(differ > 0);
  const MacroCounters& c = layer_run(o.run, "layer0").counters;
  CHECK(c[Stat::ReadChecks] == 2);
}
