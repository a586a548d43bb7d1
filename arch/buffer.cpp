#include "arch/buffer.hpp"

#include <algorithm>

namespace cimsim {

Buffer::Buffer(sc_core::sc_module_name name, const BufferParams& p, sc_core::sc_time period, Act read_action,
               Act write_action)
    : sc_core::sc_module(name), port("port"), m_p(p), m_period(period), m_read_action(read_action),
      m_write_action(write_action) {
  port.bind(*this);
}

uint64_t Buffer::transfer(uint64_t bits, Act a, MacroCounters& sink) {
  const uint64_t now = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
  sink[a] += bits;
  if (bits == 0) return now;
  const uint64_t width = uint64_t(m_p.width_bits);
  const uint64_t cycles = (bits + width - 1) / width;
  const uint64_t start = std::max(now, m_next_free);
  m_next_free = start + cycles;
  m_busy += cycles;
  return m_next_free;
}

}  // namespace cimsim
