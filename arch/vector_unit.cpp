#include "arch/vector_unit.hpp"

#include <algorithm>

namespace cimsim {

VectorUnit::VectorUnit(sc_core::sc_module_name name, int64_t lanes, sc_core::sc_time period, Act counted)
    : sc_core::sc_module(name), port("port"), m_lanes(lanes), m_counted(counted), m_period(period) {
  port.bind(*this);
}

uint64_t VectorUnit::run(uint64_t elements, uint64_t width_bits, uint64_t& lane_credit, MacroCounters& sink) {
  const uint64_t now = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
  sink[m_counted] += elements * width_bits;
  const uint64_t lanes = uint64_t(m_lanes);
  const uint64_t in_credit = std::min(elements, lane_credit);
  const uint64_t rest = elements - in_credit;
  const uint64_t cycles = (rest + lanes - 1) / lanes;
  lane_credit = lane_credit - in_credit + cycles * lanes - rest;
  if (cycles == 0) return now;
  const uint64_t start = std::max(now, m_next_free);
  m_next_free = start + cycles;
  return m_next_free;
}

}  // namespace cimsim
