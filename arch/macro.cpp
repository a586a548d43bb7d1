#include "arch/macro.hpp"

namespace cimsim {

void DomainBank::change(std::size_t d, PowerDomain::State s, uint64_t now, MacroCounters& c, bool& woke) {
  m_domains[d].set_state(s, now);
  if (s == PowerDomain::State::On) {
    ++c[Act::WakeEvent];
    woke = true;
    m_trace.change(now, int(d), 2);
    m_trace.change(now + uint64_t(m_wakeup), int(d), 0);
  } else {
    ++c[Act::GateEvent];
    m_trace.change(now, int(d), 1);
  }
}

void DomainBank::first_write(uint64_t now) {
  if (m_in_use) return;
  m_in_use = true;
  for (auto& d : m_domains) {
    d.checkpoint(now);
    m_idle_gated += d.cycles_gated();
  }
}

void DomainBank::residency(uint64_t now, MacroCounters& c) {
  uint64_t on = 0, gated = 0;
  for (auto& d : m_domains) {
    d.checkpoint(now);
    on += d.cycles_on();
    gated += d.cycles_gated();
  }
  c[Stat::DomainCyclesOn] = on;
  c[Stat::DomainCyclesGated] = m_in_use ? gated - m_idle_gated : 0;
  c[Stat::DomainCyclesIdle] = m_in_use ? m_idle_gated : gated;
}

}  // namespace cimsim
