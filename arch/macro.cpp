#include "arch/macro.hpp"

namespace cimsim {

void MacroTrace::enable(sc_core::sc_trace_file* tf, const std::string& owner, const std::string& basename,
                        const std::vector<std::string>& domain_names, const std::vector<PowerDomain>& domains,
                        uint64_t from, uint64_t to) {
  m_on = true;
  m_from = from;
  m_to = to;
  // Signals made after elaboration of the module are top-level objects: prefix the macro's name.
  m_phase = std::make_unique<sc_core::sc_signal<int>>((basename + "_phase").c_str(), 0);
  sc_core::sc_trace(tf, *m_phase, owner + ".phase");
  for (const auto& n : domain_names) {
    m_domain.push_back(std::make_unique<sc_core::sc_signal<int>>((basename + "_" + n).c_str(), 0));
    sc_core::sc_trace(tf, *m_domain.back(), owner + "." + n);
  }
  sc_core::sc_spawn([this, &domains] { run(&domains); });
}

void MacroTrace::change(uint64_t cycle, int signal, int value) {
  if (!m_on || cycle < m_from || cycle > m_to) return;
  m_queue.push({cycle, m_seq++, signal, value});
  m_ev.notify(sc_core::SC_ZERO_TIME);
}

void MacroTrace::phases(uint64_t start, std::initializer_list<std::pair<Phase, uint64_t>> phases) {
  if (!m_on) return;
  for (const auto& [phase, cycles] : phases) {
    if (cycles == 0) continue;
    change(start, -1, phase);
    start += cycles;
  }
  change(start, -1, Idle);
}

// Writes the queued changes at their cycles; before the window all signals read 0, at its start
// every domain's state is written once.
void MacroTrace::run(const std::vector<PowerDomain>* domains) {
  auto now_cycles = [&] { return uint64_t(sc_core::sc_time_stamp().value() / m_period.value()); };
  if (m_from > 0) sc_core::wait(m_period * double(m_from));
  for (std::size_t d = 0; d < domains->size(); ++d)
    m_domain[d]->write((*domains)[d].state() == PowerDomain::State::Gated ? 1 : 0);
  for (;;) {
    while (m_queue.empty()) sc_core::wait(m_ev);
    const Event e = m_queue.top();
    const uint64_t now = now_cycles();
    if (e.cycle > now) {
      sc_core::wait(m_period * double(e.cycle - now));
      continue;  // an earlier change may have been queued meanwhile
    }
    m_queue.pop();
    (e.signal < 0 ? *m_phase : *m_domain[std::size_t(e.signal)]).write(e.value);
  }
}

void DomainBank::set(std::size_t d, PowerDomain::State s, uint64_t now, MacroCounters& c, bool& woke) {
  if (!m_domains[d].set_state(s, now)) return;
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
