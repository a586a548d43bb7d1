#include "arch/controller.hpp"

#include "arch/readout.hpp"
#include "workloads/mapping.hpp"
#include "workloads/reference.hpp"

namespace cimsim {

namespace {

// dst[0..n) = src bits [lo, lo+n), both packed; src holds `src_words` words.
void copy_bits(const BitVec& src, std::size_t lo, std::size_t n, uint64_t* dst) {
  const std::size_t words = words_for(n), w0 = lo >> 6, b = lo & 63, nsrc = src.word_count();
  const uint64_t* s = src.data();
  for (std::size_t i = 0; i < words; ++i) {
    uint64_t v = w0 + i < nsrc ? s[w0 + i] >> b : 0;
    if (b && w0 + i + 1 < nsrc) v |= s[w0 + i + 1] << (64 - b);
    dst[i] = v;
  }
  if (n & 63) dst[words - 1] &= (uint64_t{1} << (n & 63)) - 1;
}

}  // namespace

Controller::Controller(sc_core::sc_module_name name, const Network& net, std::vector<BitVec> inputs,
                       const ChipParams& chip, CimMacro& macro_for_stats)
    : sc_core::sc_module(name),
      macro("macro"),
      m_net(net),
      m_act(std::move(inputs)),
      m_chip(chip),
      m_stats(macro_for_stats),
      m_period(double(chip.period_ps()), sc_core::SC_PS),
      m_periph(macro_for_stats.hierarchy().levels()) {
  SC_THREAD(sequence);
}

MacroCounters Controller::snapshot() {
  m_stats.checkpoint();
  MacroCounters c = m_stats.counters();
  for (std::size_t i = 0; i < kActs; ++i) c.act[i] += m_periph.act[i];
  return c;
}

void Controller::sequence() {
  m_run.outputs.assign(m_act.size() * std::size_t(m_net.output_numel()), 0.0);
  m_run.domains = m_stats.hierarchy().domains();
  const MacroCounters start = snapshot();
  for (const auto& L : m_net.layers) run_layer(L);
  m_run.total = snapshot().minus(start);
  m_run.cycles = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
  // No sc_stop(): with the sequencer done and no events pending, sc_start() returns.
}

void Controller::run_layer(const LayerSpec& L) {
  const uint64_t t0 = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
  const MacroCounters c0 = snapshot();
  const MacroShape shape{m_chip.macro.rows, m_chip.macro.cols};
  const LayerMapping map = map_weight_stationary(L, shape);
  const int64_t P = L.pixels(), K = L.in_channels, N = L.out_channels;
  const std::size_t S = m_act.size();
  const bool last = &L == &m_net.layers.back();
  const uint64_t acc_bits = uint64_t(lossless_bits(2 * K));

  // Pixel-major copies of the activations so that one operation's rows are contiguous.
  std::vector<BitVec> pm(S, BitVec(std::size_t(P * K)));
  for (std::size_t s = 0; s < S; ++s)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t p = 0; p < P; ++p)
        if (m_act[s].get(std::size_t(k * P + p))) pm[s].set(std::size_t(p * K + k), true);

  std::vector<int64_t> acc(S * std::size_t(P * N), 0);
  BitVec in(std::size_t(m_chip.macro.rows));
  std::vector<int64_t> col_out(std::size_t(m_chip.macro.cols));
  std::vector<uint8_t> bits, needed(std::size_t(m_chip.macro.cols));
  std::vector<int64_t> w_ones(std::size_t(m_chip.macro.cols));

  for (const Tile& t : map.tiles) {
    // Columns whose output does not depend on the dot product (pruned channels) are discarded.
    bits.assign(std::size_t(t.rows * t.cols), 0);
    for (int64_t c = 0; c < t.cols; ++c) {
      const int64_t n = t.col0 + c;
      needed[c] = L.scale[n] != 0.0 && !(L.binarized && L.dir[n] == 0);
      w_ones[c] = 0;
      for (int64_t r = 0; r < t.rows; ++r) {
        const bool b = L.weight(n, t.row0 + r);
        bits[std::size_t(c * t.rows + r)] = b;
        w_ones[c] += b;
      }
    }
    wait(m_period * double(macro->write_weights(bits, t.rows, t.cols, needed)));

    for (std::size_t s = 0; s < S; ++s) {
      for (int64_t p = 0; p < P; ++p) {
        in.clear();
        copy_bits(pm[s], std::size_t(p * K + t.row0), std::size_t(t.rows), in.data());
        m_periph[Act::BufferReadBit] += uint64_t(t.rows);
        const uint64_t cyc = macro->operate(in.data(), col_out);
        const int64_t ones = popcount_range(in.data(), 0, std::size_t(t.rows));
        for (int64_t c = 0; c < t.cols; ++c) {
          if (!needed[c]) continue;
          // Offset correction on this tile's rows only; the tiles' dot products add up.
          const int64_t dot = signed_dot(L.w_code, L.in_code, col_out[c], ones, w_ones[c], t.rows);
          acc[(s * std::size_t(P) + std::size_t(p)) * std::size_t(N) + std::size_t(t.col0 + c)] += dot;
          m_periph[Act::DigitalAddBit] += acc_bits;
          if (map.row_tiles > 1) {
            m_periph[Act::BufferWriteBit] += acc_bits;
            if (t.row_tile > 0) m_periph[Act::BufferReadBit] += acc_bits;
          }
        }
        wait(m_period * double(cyc));
      }
    }
  }

  // Epilogue in the digital periphery: thresholds (binarized layers) or scale and bias.
  std::vector<BitVec> next(S, BitVec(std::size_t(N * P)));
  const std::size_t out_numel = std::size_t(m_net.output_numel());
  for (std::size_t s = 0; s < S; ++s) {
    for (int64_t p = 0; p < P; ++p) {
      for (int64_t n = 0; n < N; ++n) {
        const int64_t dot = acc[(s * std::size_t(P) + std::size_t(p)) * std::size_t(N) + std::size_t(n)];
        const std::size_t idx = std::size_t(n * P + p);
        m_periph[Act::DigitalAddBit] += acc_bits;
        if (L.binarized) {
          const bool b = L.output_bit(n, dot);
          next[s].set(idx, b);
          m_periph[Act::BufferWriteBit] += 1;
          if (last) m_run.outputs[s * out_numel + idx] = bit_value(L.out_code, b);
        } else {
          m_periph[Act::BufferWriteBit] += acc_bits;
          if (last) m_run.outputs[s * out_numel + idx] = L.output_value(n, dot);
        }
      }
    }
  }
  m_act = std::move(next);

  LayerRun run;
  run.name = L.name;
  run.kind = to_string(L.kind);
  run.op_type = L.op_type;
  run.row_tiles = map.row_tiles;
  run.col_tiles = map.col_tiles;
  run.macs = uint64_t(L.macs_per_sample()) * S;
  run.cycles = uint64_t(sc_core::sc_time_stamp().value() / m_period.value()) - t0;
  run.counters = snapshot().minus(c0);
  m_run.layers.push_back(std::move(run));
}

}  // namespace cimsim
