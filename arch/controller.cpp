#include "arch/controller.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <tuple>

#include "arch/readout.hpp"
#include "arch/stop.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/reference.hpp"

namespace cimsim {

struct Controller::LayerWork {
  const LayerSpec& L;
  const ValueInfo& in;
  const LayerMapping& map;
  MacroKind kind;
  std::vector<int64_t> order;                // channel position -> channel
  std::vector<std::vector<BitVec>> planes;   // [sample][plane]: HWC bits, channels by position
  std::vector<int64_t> acc;                  // [sample][pixel][out channel]
  int64_t acc_bits = 0;
  int slot_base = -1;                        // first resident slot, -1 when not resident
  uint64_t weight_writes = 0;
};

namespace {

int64_t max_level(const LayerSpec& L) { return L.in_kind == ValueKind::UInt ? (int64_t{1} << L.in_bits) - 1 : 1; }

}  // namespace

Controller::Controller(sc_core::sc_module_name name, const Network& net,
                       const std::vector<std::vector<double>>& inputs, const ChipParams& chip,
                       int64_t domains_per_macro, Progress* progress)
    : sc_core::sc_module(name),
      macros_1x1("macros_1x1"),
      macros_3x3("macros_3x3"),
      m_net(net),
      m_values(net.values.size()),
      m_samples(inputs.size()),
      m_chip(chip),
      m_period(double(chip.period_ps()), sc_core::SC_PS),
      m_periph(chip.macro.hierarchy.size()),
      m_progress(progress) {
  m_values[std::size_t(net.input)] = inputs;
  m_run.domains = domains_per_macro;
  SC_THREAD(sequence);
}

MacroIf& Controller::macro_at(MacroKind k, int i) {
  return k == MacroKind::K1x1 ? *macros_1x1[i] : *macros_3x3[i];
}

int Controller::macro_count(MacroKind k) const {
  return k == MacroKind::K1x1 ? macros_1x1.size() : macros_3x3.size();
}

// The layer's natural kind (3x3 kernels on 3x3 macros), unless the config forces one; a kind the
// chip has none of falls back to the other.
MacroKind Controller::kind_of(const LayerSpec& L) const {
  MacroKind k = natural_kind(L);
  if (auto it = m_chip.force_kind.find(L.name); it != m_chip.force_kind.end())
    k = it->second == "cim3x3" ? MacroKind::K3x3 : MacroKind::K1x1;
  if (macro_count(k) == 0) k = k == MacroKind::K1x1 ? MacroKind::K3x3 : MacroKind::K1x1;
  return k;
}

uint64_t Controller::now_cycles() const { return uint64_t(sc_core::sc_time_stamp().value() / m_period.value()); }

MacroCounters Controller::snapshot() {
  MacroCounters c = m_periph;
  for (MacroKind k : {MacroKind::K1x1, MacroKind::K3x3}) {
    for (int i = 0; i < macro_count(k); ++i) {
      const MacroCounters& m = macro_at(k, i).stats();
      for (std::size_t a = 0; a < kActs; ++a) c.act[a] += m.act[a];
      for (std::size_t s = 0; s < kStats; ++s) c.stat[s] += m.stat[s];
      for (std::size_t l = 0; l < c.precharge.size(); ++l) {
        c.precharge[l] += m.precharge[l];
        c.merge[l] += m.merge[l];
      }
    }
  }
  return c;
}

void Controller::sequence() {
  m_run.macros = macros_1x1.size() + macros_3x3.size();
  // Weights stay resident when every tile of the network has a macro of its own kind.
  int tiles[2] = {0, 0};
  std::vector<int> base(m_net.layers.size(), -1);
  for (const Step& st : m_net.steps) {
    if (!st.macro) continue;
    const LayerSpec& L = m_net.layers[std::size_t(st.index)];
    const MacroKind k = kind_of(L);
    const LayerMapping map =
        map_layer(L, {m_chip.macro.rows, m_chip.macro.cols, m_chip.macro.domain_rows()}, k);
    base[std::size_t(st.index)] = tiles[int(k)];
    tiles[int(k)] += int(map.tiles.size());
  }
  m_run.weights_resident = tiles[0] <= macro_count(MacroKind::K1x1) && tiles[1] <= macro_count(MacroKind::K3x3);
  if (m_run.weights_resident) {
    m_slot_base = base;
    m_written.assign(std::size_t(tiles[0] + tiles[1]), 0);
  }

  // Each value is freed after its last consumer.
  std::vector<int> last_use(m_net.values.size(), -1);
  for (std::size_t i = 0; i < m_net.steps.size(); ++i) {
    const Step& st = m_net.steps[i];
    if (st.macro) last_use[std::size_t(m_net.layers[std::size_t(st.index)].input)] = int(i);
    else for (int v : m_net.digital[std::size_t(st.index)].inputs) last_use[std::size_t(v)] = int(i);
  }
  const MacroCounters start = snapshot();
  for (std::size_t i = 0; i < m_net.steps.size(); ++i) {
    if (stop_requested()) return;  // abandoned: the driver reports the interruption
    const Step& st = m_net.steps[i];
    if (st.macro) run_layer(m_net.layers[std::size_t(st.index)]);
    else run_digital_step(m_net.digital[std::size_t(st.index)]);
    for (std::size_t v = 0; v < m_values.size(); ++v)
      if (last_use[v] == int(i) && int(v) != m_net.output) std::vector<std::vector<double>>().swap(m_values[v]);
    if (m_progress) {
      m_progress->step_ppm = 0;
      m_progress->steps_done = uint32_t(i + 1);
    }
  }
  m_run.outputs.clear();
  for (const auto& o : m_values[std::size_t(m_net.output)]) m_run.outputs.insert(m_run.outputs.end(), o.begin(), o.end());
  m_run.total = snapshot().minus(start);
  m_run.cycles = now_cycles();
  // No sc_stop(): with the sequencer done and no events pending, sc_start() returns.
}

uint64_t Controller::estimate_peak_bytes(const Network& net, uint64_t samples) {
  std::vector<int> last_use(net.values.size(), -1);
  for (std::size_t i = 0; i < net.steps.size(); ++i) {
    const Step& st = net.steps[i];
    if (st.macro) last_use[std::size_t(net.layers[std::size_t(st.index)].input)] = int(i);
    else for (int v : net.digital[std::size_t(st.index)].inputs) last_use[std::size_t(v)] = int(i);
  }
  auto bytes_of = [&](int v) { return double(net.values[std::size_t(v)].numel()) * 8.0 * double(samples); };
  double live = bytes_of(net.input), peak = live;
  for (std::size_t i = 0; i < net.steps.size(); ++i) {
    const Step& st = net.steps[i];
    double temp = 0;
    int out;
    if (st.macro) {
      const LayerSpec& L = net.layers[std::size_t(st.index)];
      // bit planes (pixel-major) and the int64 accumulators of every sample
      temp = double(samples) * (double(L.in_bits) * double(L.in_channels * L.in_h * L.in_w) / 8.0 +
                                8.0 * double(L.out_pixels() * L.out_channels));
      out = L.output;
    } else {
      out = net.digital[std::size_t(st.index)].output;
    }
    live += bytes_of(out);
    peak = std::max(peak, live + temp);
    for (std::size_t v = 0; v < net.values.size(); ++v)
      if (last_use[v] == int(i) && int(v) != net.output) live -= bytes_of(int(v));
  }
  return uint64_t(std::min(peak, 1.8e19));
}

void Controller::run_digital_step(const DigitalStep& d) {
  const uint64_t t0 = now_cycles();
  const MacroCounters c0 = snapshot();
  auto& out = m_values[std::size_t(d.output)];
  out.resize(m_samples);
  for (std::size_t s = 0; s < m_samples; ++s) {
    std::vector<const std::vector<double>*> ins;
    for (int i : d.inputs) ins.push_back(&m_values[std::size_t(i)][s]);
    out[s] = run_digital(m_net, d, ins);
  }
  auto value_bits = [&](int v) -> uint64_t {
    const ValueInfo& vi = m_net.values[std::size_t(v)];
    const uint64_t per = vi.kind == ValueKind::Bits ? 1 : vi.kind == ValueKind::UInt ? uint64_t(vi.bits) : uint64_t(m_chip.digital_width);
    return per * uint64_t(vi.numel());
  };
  const uint64_t ops = digital_ops(m_net, d) * m_samples;
  if (d.op != DigitalOp::Reshape) {
    m_periph[Act::DigitalAddBit] += ops * uint64_t(m_chip.digital_width);
    for (int i : d.inputs) m_periph[Act::BufferReadBit] += value_bits(i) * m_samples;
    m_periph[Act::BufferWriteBit] += value_bits(d.output) * m_samples;
    wait(m_period * double((ops + uint64_t(m_chip.digital_lanes) - 1) / uint64_t(m_chip.digital_lanes)));
  }
  LayerRun r;
  r.name = d.name;
  r.kind = std::string("digital:") + to_string(d.op);
  r.op_type = to_string(d.op);
  r.macro = "periphery";
  r.cycles = now_cycles() - t0;
  r.counters = snapshot().minus(c0);
  m_run.layers.push_back(std::move(r));
}

void Controller::run_layer(const LayerSpec& L) {
  const uint64_t t0 = now_cycles();
  const MacroCounters c0 = snapshot();
  const MacroKind kind = kind_of(L);
  // Per-domain gating of the layer's macros: counts at the start, to subtract at the end.
  std::vector<std::vector<uint64_t>> skips0;
  for (int i = 0; i < macro_count(kind); ++i) skips0.push_back(macro_at(kind, i).domain_skips());
  const LayerMapping map = map_layer(L, {m_chip.macro.rows, m_chip.macro.cols, m_chip.macro.domain_rows()}, kind);
  const ValueInfo& in = m_net.values[std::size_t(L.input)];
  LayerWork w{L, in, map, kind, {}, {}, {}, 0, -1, 0};
  if (m_run.weights_resident) w.slot_base = m_slot_base[std::size_t(&L - m_net.layers.data())];

  const int64_t C = L.in_channels, H = L.in_h, W = L.in_w, P = L.out_pixels(), N = L.out_channels;
  const std::size_t S = m_samples;
  const auto& x = m_values[std::size_t(L.input)];

  // Channel order on the rows: as is, or (reordering) the most often zero channels first so
  // that they share gating domains. Statistics from the run's own samples.
  w.order.resize(std::size_t(C));
  std::iota(w.order.begin(), w.order.end(), 0);
  if (m_chip.reorder_channels && C > 1) {
    std::vector<int64_t> nonzero(std::size_t(C), 0);
    for (std::size_t s = 0; s < S; ++s)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < H * W; ++i) nonzero[std::size_t(c)] += layer_input_level(L, in, x[s][std::size_t(c * H * W + i)]) != 0;
    std::stable_sort(w.order.begin(), w.order.end(), [&](int64_t a, int64_t b) { return nonzero[std::size_t(a)] < nonzero[std::size_t(b)]; });
  }
  std::vector<int64_t> pos(static_cast<std::size_t>(C));
  for (int64_t q = 0; q < C; ++q) pos[std::size_t(w.order[std::size_t(q)])] = q;

  // Bit planes of the input, pixel-major so that a tap block's channels are contiguous.
  const int64_t planes = L.in_bits;
  w.planes.assign(S, std::vector<BitVec>(std::size_t(planes), BitVec(std::size_t(H * W * C))));
  for (std::size_t s = 0; s < S; ++s)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < H * W; ++i) {
        const int64_t lvl = layer_input_level(L, in, x[s][std::size_t(c * H * W + i)]);
        for (int64_t b = 0; b < planes; ++b)
          if ((lvl >> b) & 1) w.planes[s][std::size_t(b)].set(std::size_t(i * C + pos[std::size_t(c)]), true);
      }
  int64_t wmax = 1;
  for (auto v : L.weights) wmax = std::max<int64_t>(wmax, std::abs(int64_t(v)));
  w.acc_bits = lossless_bits(2 * L.k_per_out() * max_level(L) * wmax);
  w.acc.assign(S * std::size_t(P * N), 0);

  // Batch chunks that fit the buffers: the layer's input bits, and its partial sums or outputs.
  const uint64_t in_bits = uint64_t(H * W * C * planes);
  const uint64_t out_bits = uint64_t(P * N) * (map.row_tiles > 1 ? uint64_t(w.acc_bits) : 1);
  std::size_t chunk = S;
  chunk = std::min<std::size_t>(chunk, std::max<uint64_t>(1, uint64_t(m_chip.input_buffer.kib) * 8192 / std::max<uint64_t>(1, in_bits)));
  chunk = std::min<std::size_t>(chunk, std::max<uint64_t>(1, uint64_t(m_chip.output_buffer.kib) * 8192 / std::max<uint64_t>(1, out_bits)));

  const int M = macro_count(kind);
  m_units_done = 0;
  m_units_total = std::max<uint64_t>(1, uint64_t(map.tiles.size()) * S);
  for (std::size_t s0 = 0; s0 < S; s0 += chunk) {
    const std::size_t s1 = std::min(S, s0 + chunk);
    // Weight-stationary: tiles spread over the macros. Input-stationary: row blocks (the tiles
    // of the first column tile; each applies every output channel) spread over the macros.
    std::vector<std::size_t> units;
    for (std::size_t ti = 0; ti < map.tiles.size(); ++ti)
      if (!m_chip.input_stationary || map.tiles[ti].col_tile == 0 || L.kind == LayerKind::Depthwise3x3) units.push_back(ti);
    std::vector<std::vector<std::size_t>> per_macro(static_cast<std::size_t>(M));
    for (std::size_t u = 0; u < units.size(); ++u) {
      const int m = w.slot_base >= 0 ? int((std::size_t(w.slot_base) + u) % std::size_t(M)) : int(u % std::size_t(M));
      per_macro[std::size_t(m)].push_back(units[u]);
    }
    std::vector<sc_core::sc_process_handle> workers;
    for (int m = 0; m < M; ++m) {
      if (per_macro[std::size_t(m)].empty()) continue;
      workers.push_back(sc_core::sc_spawn([this, &w, m, &per_macro, s0, s1] {
        if (m_chip.input_stationary) run_tiles_input_stationary(w, m, per_macro[std::size_t(m)], s0, s1);
        else run_tiles(w, m, per_macro[std::size_t(m)], s0, s1);
      }));
    }
    for (auto& h : workers)
      if (!h.terminated()) wait(h.terminated_event());
  }

  // Epilogue in the digital periphery: thresholds (binarized layers) or scale and bias.
  auto& out = m_values[std::size_t(L.output)];
  out.assign(S, std::vector<double>(std::size_t(N * P)));
  for (std::size_t s = 0; s < S; ++s)
    for (int64_t p = 0; p < P; ++p)
      for (int64_t n = 0; n < N; ++n) {
        const int64_t dot = w.acc[(s * std::size_t(P) + std::size_t(p)) * std::size_t(N) + std::size_t(n)];
        out[s][std::size_t(n * P + p)] = L.binarized ? bit_value(L.out_code, L.output_bit(n, dot)) : L.output_value(n, dot);
      }
  m_periph[Act::DigitalAddBit] += uint64_t(w.acc_bits) * S * uint64_t(N * P);
  m_periph[Act::BufferWriteBit] += (L.binarized ? 1 : uint64_t(m_chip.digital_width)) * S * uint64_t(N * P);

  LayerRun r;
  r.name = L.name;
  r.kind = to_string(L.kind);
  r.op_type = L.op_type;
  r.macro = to_string(kind);
  r.row_tiles = map.row_tiles;
  r.col_tiles = map.col_tiles;
  r.macs = uint64_t(L.macs_per_sample()) * S;
  r.weight_writes = w.weight_writes;
  r.cycles = now_cycles() - t0;
  r.counters = snapshot().minus(c0);
  r.gating_rows = macro_at(kind, 0).domain_rows();
  r.gating_cols = macro_at(kind, 0).domain_cols();
  r.domain_skips.assign(skips0[0].size(), 0);
  for (int i = 0; i < macro_count(kind); ++i) {
    const auto& now = macro_at(kind, i).domain_skips();
    for (std::size_t d = 0; d < now.size(); ++d) r.domain_skips[d] += now[d] - skips0[std::size_t(i)][d];
  }
  m_run.layers.push_back(std::move(r));
}

void Controller::run_tiles(LayerWork& w, int m, const std::vector<std::size_t>& tiles, std::size_t s0, std::size_t s1) {
  const LayerSpec& L = w.L;
  const LayerMapping& map = w.map;
  MacroIf& mac = macro_at(w.kind, m);
  const bool dw = L.kind == LayerKind::Depthwise3x3;
  const int64_t k = L.kernel, P = L.out_pixels(), N = L.out_channels;
  const int64_t slices = map.slices, planes = L.in_bits;
  const BitCode wc = L.w_code == BitCode::Signed ? BitCode::Signed : BitCode::Unsigned01;
  const BitCode ic = L.in_kind == ValueKind::Bits ? L.in_code : BitCode::Unsigned01;
  const bool need_w_ones = ic == BitCode::Signed;
  const uint64_t acc_bits = uint64_t(w.acc_bits);
  const bool line_buffer = w.kind == MacroKind::K3x3;

  BitVec in(std::size_t(m_chip.macro.rows));
  std::vector<int64_t> col_out(std::size_t(m_chip.macro.cols));
  std::vector<uint8_t> bits, needed(std::size_t(m_chip.macro.cols));
  std::vector<int64_t> w_ones, col_n(std::size_t(m_chip.macro.cols)), col_j(std::size_t(m_chip.macro.cols));
  std::vector<int64_t> valid_taps;
  // Analog accumulation: all input planes of an operation, gathered before it is issued.
  const bool analog = m_chip.readout.analog_accumulate;
  std::vector<BitVec> plane_in(analog ? std::size_t(planes) : 0, BitVec(std::size_t(m_chip.macro.rows)));
  std::vector<const uint64_t*> plane_ptr(plane_in.size());
  std::vector<std::vector<int64_t>> plane_out(plane_in.size(), std::vector<int64_t>(std::size_t(m_chip.macro.cols)));

  for (std::size_t ti : tiles) {
    const Tile& t = map.tiles[ti];
    const int64_t rows_used = t.nt * t.tap_rows, cols_used = t.nc * slices;
    bits.assign(std::size_t(rows_used * cols_used), 0);
    w_ones.assign(std::size_t(cols_used * t.nt), 0);
    for (int64_t col = 0; col < cols_used; ++col) {
      const int64_t q_or_n = t.n0 + col / slices, j = col % slices;
      const int64_t n = dw ? w.order[std::size_t(q_or_n)] : q_or_n;  // depthwise columns follow the channel order
      col_n[std::size_t(col)] = n;
      col_j[std::size_t(col)] = j;
      needed[std::size_t(col)] = L.column_needed(n);
      for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap)
        for (int64_t q = t.c0; q < t.c0 + t.cc; ++q) {
          const int64_t c = w.order[std::size_t(q)];
          if (dw && c != n) continue;  // block-diagonal: a channel's taps meet only its own column
          const int64_t kidx = dw ? tap : c * k * k + tap;
          if (L.weight_bit(n, kidx, j)) {
            bits[std::size_t(col * rows_used + t.row(tap, q))] = 1;
            ++w_ones[std::size_t(col * t.nt + (tap - t.t0))];
          }
        }
    }
    const int slot = w.slot_base >= 0 ? w.slot_base + int(ti) : -1;
    if (slot < 0 || !m_written[std::size_t(slot)]) {
      wait(m_period * double(mac.write_weights(bits, rows_used, cols_used, needed)));
      ++w.weight_writes;
      if (slot >= 0) m_written[std::size_t(slot)] = 1;
    }

    for (std::size_t s = s0; s < s1; ++s) {
      if (stop_requested()) return;
      if (m_progress) m_progress->step_ppm = uint32_t(std::min<uint64_t>(999999, ++m_units_done * 1000000 / m_units_total));
      for (int64_t oy = 0; oy < L.out_h; ++oy) {
        for (int64_t ox = 0; ox < L.out_w; ++ox) {
          const int64_t pix = oy * L.out_w + ox;
          uint64_t compute = 0, read_bits = 0;
          // One plane's column counts into the accumulators: the signed dot product per column,
          // weighted by the plane's bit and the column's weight slice.
          auto accumulate = [&](const BitVec& x, const std::vector<int64_t>& out, int64_t b) {
            const int64_t ones = popcount_range(x.data(), 0, std::size_t(rows_used));
            for (int64_t col = 0; col < cols_used; ++col) {
              if (!needed[std::size_t(col)]) continue;
              int64_t in_ones = ones, rows_valid = int64_t(valid_taps.size()) * t.cc, wo = 0;
              if (dw) {  // the column's own channel rows only
                const int64_t q = t.n0 + col / slices;
                in_ones = 0;
                rows_valid = int64_t(valid_taps.size());
                for (int64_t tap : valid_taps) in_ones += x.get(std::size_t(t.row(tap, q)));
              }
              if (need_w_ones || dw)
                for (int64_t tap : valid_taps) wo += w_ones[std::size_t(col * t.nt + (tap - t.t0))];
              const int64_t d = signed_dot(wc, ic, out[std::size_t(col)], in_ones, wo, rows_valid);
              const int64_t n = col_n[std::size_t(col)];
              w.acc[(s * std::size_t(P) + std::size_t(pix)) * std::size_t(N) + std::size_t(n)] +=
                  (int64_t{1} << b) * L.slice_coef(col_j[std::size_t(col)]) * d;
              // Digital shift-and-add per plane and slice; after analog accumulation, one add per output.
              if (!analog || (b == 0 && col_j[std::size_t(col)] == 0)) m_periph[Act::DigitalAddBit] += acc_bits;
            }
          };
          for (int64_t b = 0; b < planes; ++b) {
            BitVec& x = analog ? plane_in[std::size_t(b)] : in;
            gather(w, t, s, oy, ox, b, x, valid_taps);
            if (b == 0) {
              // A line buffer keeps the window: only the pixel columns shifted in are read again.
              uint64_t new_pixels = 0;
              for (int64_t tap : valid_taps)
                if (!line_buffer || ox == 0 || L.stride >= k || tap % k >= k - L.stride) ++new_pixels;
              read_bits = new_pixels * uint64_t(t.cc * planes);
              m_periph[Act::BufferReadBit] += read_bits;
            }
            if (!analog) {
              const uint64_t cyc = mac.operate(in.data(), col_out);
              compute += cyc;
              accumulate(in, col_out, b);
              wait(m_period * double(cyc));
            } else if (b + 1 == planes) {  // every plane gathered: one analog operation
              for (int64_t p = 0; p < planes; ++p) plane_ptr[std::size_t(p)] = plane_in[std::size_t(p)].data();
              const uint64_t cyc = mac.operate_planes(plane_ptr, plane_out, slices);
              compute += cyc;
              for (int64_t p = 0; p < planes; ++p) accumulate(plane_in[std::size_t(p)], plane_out[std::size_t(p)], p);
              wait(m_period * double(cyc));
            }
          }
          uint64_t psum_bits = 0;
          if (map.row_tiles > 1) {  // partial sums through the output buffer
            const uint64_t psum = uint64_t(t.nc) * acc_bits;
            m_periph[Act::BufferWriteBit] += psum;
            psum_bits += psum;
            if (t.row_tile > 0) {
              m_periph[Act::BufferReadBit] += psum;
              psum_bits += psum;
            }
          }
          // The buffers' bandwidth: a pixel's operations wait when its bits take longer to move.
          const uint64_t in_width = uint64_t(m_chip.input_buffer.width_bits), out_width = uint64_t(m_chip.output_buffer.width_bits);
          const uint64_t buf = std::max((read_bits + in_width - 1) / in_width, (psum_bits + out_width - 1) / out_width);
          if (buf > compute) {
            m_periph[Stat::StallBuffer] += buf - compute;
            wait(m_period * double(buf - compute));
          }
        }
      }
    }
  }
}

void Controller::gather(const LayerWork& w, const Tile& t, std::size_t s, int64_t oy, int64_t ox, int64_t plane,
                        BitVec& in, std::vector<int64_t>& valid_taps) const {
  const LayerSpec& L = w.L;
  const int64_t k = L.kernel, C = L.in_channels, H = L.in_h, W = L.in_w;
  in.clear();
  valid_taps.clear();
  for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap) {
    const int64_t iy = oy * L.stride - L.pad + tap / k, ix = ox * L.stride - L.pad + tap % k;
    if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;  // padding: the rows stay 0
    valid_taps.push_back(tap);
    or_bits_at(in, std::size_t(t.row(tap, t.c0)), w.planes[s][std::size_t(plane)], std::size_t((iy * W + ix) * C + t.c0),
               std::size_t(t.cc));
  }
}

// Input-stationary: each macro column stores one input window (sample, output pixel, bit plane)
// of a row block; each operation applies one output channel's weight slice on the rows and
// reads the dot products of every stored window at once.
void Controller::run_tiles_input_stationary(LayerWork& w, int m, const std::vector<std::size_t>& blocks,
                                            std::size_t s0, std::size_t s1) {
  const LayerSpec& L = w.L;
  const LayerMapping& map = w.map;
  MacroIf& mac = macro_at(w.kind, m);
  const bool dw = L.kind == LayerKind::Depthwise3x3;
  const int64_t P = L.out_pixels(), N = L.out_channels, k = L.kernel;
  const int64_t slices = map.slices, planes = L.in_bits, cols = m_chip.macro.cols;
  const BitCode wc = L.w_code == BitCode::Signed ? BitCode::Signed : BitCode::Unsigned01;
  const BitCode ic = L.in_kind == ValueKind::Bits ? L.in_code : BitCode::Unsigned01;
  const uint64_t acc_bits = uint64_t(w.acc_bits);

  struct Stored {
    std::size_t s;
    int64_t pix, plane, ones;
    std::vector<int64_t> valid;
  };
  BitVec in(std::size_t(m_chip.macro.rows)), applied(std::size_t(m_chip.macro.rows));
  std::vector<int64_t> col_out(static_cast<std::size_t>(cols));
  std::vector<uint8_t> bits, needed(static_cast<std::size_t>(cols));
  std::vector<Stored> stored;
  std::vector<int64_t> valid;

  for (std::size_t bi : blocks) {
    const Tile& t = map.tiles[bi];
    const int64_t rows_used = t.nt * t.tap_rows;
    // The applied side: every output channel of the block, one weight slice per operation.
    const int64_t n0 = dw ? t.n0 : 0, nc = dw ? t.nc : N;
    std::vector<BitVec> wvec;
    std::vector<int64_t> w_ones;  // [vector][tap in block]
    std::vector<int64_t> vec_n, vec_j;
    for (int64_t qn = n0; qn < n0 + nc; ++qn) {
      const int64_t n = dw ? w.order[std::size_t(qn)] : qn;
      if (!L.column_needed(n)) continue;
      for (int64_t j = 0; j < slices; ++j) {
        BitVec v(static_cast<std::size_t>(m_chip.macro.rows));
        for (int64_t tap = t.t0; tap < t.t0 + t.nt; ++tap) {
          int64_t ones = 0;
          for (int64_t q = t.c0; q < t.c0 + t.cc; ++q) {
            const int64_t c = w.order[std::size_t(q)];
            if (dw && c != n) continue;
            if (L.weight_bit(n, dw ? tap : c * k * k + tap, j)) {
              v.set(std::size_t(t.row(tap, q)), true);
              ++ones;
            }
          }
          w_ones.push_back(ones);
        }
        wvec.push_back(std::move(v));
        vec_n.push_back(n);
        vec_j.push_back(j);
      }
    }
    // The stored side: windows of the batch chunk, `cols` per write.
    std::vector<std::tuple<std::size_t, int64_t, int64_t>> windows;
    for (std::size_t s = s0; s < s1; ++s)
      for (int64_t pix = 0; pix < P; ++pix)
        for (int64_t b = 0; b < planes; ++b) windows.emplace_back(s, pix, b);
    for (std::size_t w0 = 0; w0 < windows.size(); w0 += std::size_t(cols)) {
      const int64_t used = int64_t(std::min<std::size_t>(std::size_t(cols), windows.size() - w0));
      bits.assign(std::size_t(rows_used * used), 0);
      stored.clear();
      uint64_t read_bits = 0;
      for (int64_t col = 0; col < used; ++col) {
        const auto [s, pix, b] = windows[w0 + std::size_t(col)];
        gather(w, t, s, pix / L.out_w, pix % L.out_w, b, in, valid);
        for (int64_t r = 0; r < rows_used; ++r) bits[std::size_t(col * rows_used + r)] = in.get(std::size_t(r));
        stored.push_back({s, pix, b, popcount_range(in.data(), 0, std::size_t(rows_used)), valid});
        read_bits += uint64_t(valid.size()) * uint64_t(t.cc);
        needed[std::size_t(col)] = 1;
      }
      m_periph[Act::BufferReadBit] += read_bits;
      wait(m_period * double(mac.write_weights(bits, rows_used, used, needed)));
      ++w.weight_writes;
      for (std::size_t vi = 0; vi < wvec.size(); ++vi) {
        if (stop_requested()) return;
        const uint64_t cyc = mac.operate(wvec[vi].data(), col_out);
        m_periph[Act::BufferReadBit] += uint64_t(rows_used);  // the weight slice applied
        const int64_t n = vec_n[vi], j = vec_j[vi];
        const int64_t qn = dw ? t.n0 + (std::find(w.order.begin() + t.n0, w.order.begin() + t.n0 + t.nc, n) - (w.order.begin() + t.n0)) : 0;
        for (int64_t col = 0; col < used; ++col) {
          const Stored& st = stored[std::size_t(col)];
          int64_t in_ones = st.ones, rows_valid = int64_t(st.valid.size()) * t.cc, wo = 0;
          for (int64_t tap : st.valid) wo += w_ones[vi * std::size_t(t.nt) + std::size_t(tap - t.t0)];
          if (dw) {  // only the column's own channel rows carry this channel's weights
            in_ones = 0;
            rows_valid = int64_t(st.valid.size());
            const std::size_t base = std::size_t(col * rows_used);
            for (int64_t tap : st.valid) in_ones += bits[base + std::size_t(t.row(tap, qn))];
          }
          const int64_t d = signed_dot(wc, ic, col_out[std::size_t(col)], in_ones, wo, rows_valid);
          w.acc[(st.s * std::size_t(P) + std::size_t(st.pix)) * std::size_t(N) + std::size_t(n)] +=
              (int64_t{1} << st.plane) * L.slice_coef(j) * d;
        }
        m_periph[Act::DigitalAddBit] += acc_bits * uint64_t(used);
        uint64_t psum_bits = 0;
        if (map.row_tiles > 1) {
          psum_bits = uint64_t(used) * acc_bits * (t.row_tile > 0 ? 2 : 1);
          m_periph[Act::BufferWriteBit] += uint64_t(used) * acc_bits;
          if (t.row_tile > 0) m_periph[Act::BufferReadBit] += uint64_t(used) * acc_bits;
        }
        const uint64_t in_width = uint64_t(m_chip.input_buffer.width_bits), out_width = uint64_t(m_chip.output_buffer.width_bits);
        const uint64_t buf = std::max((uint64_t(rows_used) + in_width - 1) / in_width, (psum_bits + out_width - 1) / out_width);
        wait(m_period * double(cyc));
        if (buf > cyc) {
          m_periph[Stat::StallBuffer] += buf - cyc;
          wait(m_period * double(buf - cyc));
        }
      }
    }
  }
}

}  // namespace cimsim
