// Waveforms through SystemC tracing, for any module that knows its future changes: a `phase`
// signal (-1 below) and named integer signals, each change queued with its cycle and written by
// a process at that cycle, within the window [from, to]. A macro's phases: 0 idle, 1 precharge,
// 2 evaluate, 3 merge, 4 read-out, 5 write-out, 6 weight write, 7 wake-up; its signals are its
// domains (0 on, 1 gated, 2 waking). A TTFS layer's phases: 0 idle, 1 reset, 2 accumulate,
// 3 fire; its signal counts the spikes fired so far in the firing window.
#pragma once
#include <systemc>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

namespace cimsim {

class Waveform {
 public:
  enum Phase { Idle = 0, Precharge, Evaluate, Merge, Readout, Writeout, Write, Wakeup };
  explicit Waveform(sc_core::sc_time period) : m_period(period) {}
  // `owner`: the module's full name; `basename`: a prefix for the signal objects; `initial(i)`:
  // signal i's value at the window's start. Call before simulating.
  void enable(sc_core::sc_trace_file* tf, const std::string& owner, const std::string& basename,
              const std::vector<std::string>& signal_names, std::function<int(std::size_t)> initial, uint64_t from,
              uint64_t to);
  bool on() const { return m_on; }
  void change(uint64_t cycle, int signal, int value);  // signal -1: the phase
  // Consecutive phases from `start`, then idle.
  void phases(uint64_t start, std::initializer_list<std::pair<int, uint64_t>> phases);

 private:
  struct Event {
    uint64_t cycle, seq;
    int signal, value;
    bool operator>(const Event& o) const { return cycle != o.cycle ? cycle > o.cycle : seq > o.seq; }
  };
  void run();
  sc_core::sc_time m_period;
  bool m_on = false;
  uint64_t m_from = 0, m_to = 0, m_seq = 0;
  std::function<int(std::size_t)> m_initial;
  std::unique_ptr<sc_core::sc_signal<int>> m_phase;
  std::vector<std::unique_ptr<sc_core::sc_signal<int>>> m_signals;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> m_queue;
  sc_core::sc_event m_ev;
};

}  // namespace cimsim
