#include "arch/analog_noise.hpp"

namespace cimsim {

double Rng::gauss() {
  if (m_have) {
    m_have = false;
    return m_spare;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * M_PI * u2;
  m_spare = r * std::sin(t);
  m_have = true;
  return r * std::cos(t);
}

uint64_t name_hash(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

ReadNoise::ReadNoise(const NoiseParams& p, const std::string& instance, int64_t converters, int64_t cells)
    : m_p(p), m_dyn(p.dynamic_lsb()), m_rng(Rng(p.seed ^ name_hash(instance)).next()) {
  if (!p.on) return;
  // The chip instance: offsets and mismatch are drawn first, from their own stream, so that the
  // per-conversion noise does not shift them.
  Rng chip(m_rng.next());
  m_offset.resize(std::size_t(converters));
  for (auto& o : m_offset) o = p.offset_lsb > 0 ? p.offset_lsb * chip.gauss() : 0.0;
  m_cell.resize(std::size_t(cells));
  for (auto& d : m_cell) d = p.cell_sigma > 0 ? float(p.cell_sigma * chip.gauss()) : 0.0f;
  // A later chunk's conversions: a stream of their own, split off by the chunk's index.
  if (p.stream > 0) m_rng = Rng(m_rng.next() ^ Rng(p.stream).next());
}

}  // namespace cimsim
