#include "arch/waveform.hpp"

namespace cimsim {

void Waveform::enable(sc_core::sc_trace_file* tf, const std::string& owner, const std::string& basename,
                      const std::vector<std::string>& signal_names, std::function<int(std::size_t)> initial,
                      uint64_t from, uint64_t to) {
  m_on = true;
  m_from = from;
  m_to = to;
  m_initial = std::move(initial);
  // Signals made after elaboration of the module are top-level objects: prefix the module's name.
  m_phase = std::make_unique<sc_core::sc_signal<int>>((basename + "_phase").c_str(), 0);
  sc_core::sc_trace(tf, *m_phase, owner + ".phase");
  for (const auto& n : signal_names) {
    m_signals.push_back(std::make_unique<sc_core::sc_signal<int>>((basename + "_" + n).c_str(), 0));
    sc_core::sc_trace(tf, *m_signals.back(), owner + "." + n);
  }
  sc_core::sc_spawn([this] { run(); });
}

void Waveform::change(uint64_t cycle, int signal, int value) {
  if (!m_on || cycle < m_from || cycle > m_to) return;
  m_queue.push({cycle, m_seq++, signal, value});
  m_ev.notify(sc_core::SC_ZERO_TIME);
}

void Waveform::phases(uint64_t start, std::initializer_list<std::pair<int, uint64_t>> phases) {
  if (!m_on) return;
  for (const auto& [phase, cycles] : phases) {
    if (cycles == 0) continue;
    change(start, -1, phase);
    start += cycles;
  }
  change(start, -1, Idle);
}

// Writes the queued changes at their cycles; before the window all signals read 0, at its start
// every signal's initial value is written once.
void Waveform::run() {
  auto now_cycles = [&] { return uint64_t(sc_core::sc_time_stamp().value() / m_period.value()); };
  if (m_from > 0) sc_core::wait(m_period * double(m_from));
  for (std::size_t i = 0; i < m_signals.size(); ++i) m_signals[i]->write(m_initial ? m_initial(i) : 0);
  for (;;) {
    while (m_queue.empty()) sc_core::wait(m_ev);
    const Event e = m_queue.top();
    const uint64_t now = now_cycles();
    if (e.cycle > now) {
      sc_core::wait(m_period * double(e.cycle - now));
      continue;  // an earlier change may have been queued meanwhile
    }
    m_queue.pop();
    (e.signal < 0 ? *m_phase : *m_signals[std::size_t(e.signal)]).write(e.value);
  }
}

}  // namespace cimsim
