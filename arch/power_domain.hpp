// A power-gating domain's state and residency. Time in each state is added when the state
// changes (or at a checkpoint), not per cycle.
#pragma once
#include <cstdint>

namespace cimsim {

class PowerDomain {
 public:
  enum class State { On, Gated };

  State state() const { return m_state; }
  // Returns true when the state changed.
  bool set_state(State s, uint64_t now) {
    if (s == m_state) return false;
    checkpoint(now);
    m_state = s;
    return true;
  }
  void checkpoint(uint64_t now) {
    (m_state == State::On ? m_on : m_gated) += now - m_since;
    m_since = now;
  }
  uint64_t cycles_on() const { return m_on; }
  uint64_t cycles_gated() const { return m_gated; }

 private:
  // A macro that has not been written yet is gated: its first weight write wakes it.
  State m_state = State::Gated;
  uint64_t m_since = 0, m_on = 0, m_gated = 0;
};

}  // namespace cimsim
