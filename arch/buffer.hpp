// An on-chip buffer with one port of `width_bits` bits per cycle, shared by every macro and
// step that moves data through it. Arbitration is first come, first served: a transfer
// requested at cycle t starts when the port is free (at t or after the transfers already
// granted) and holds it for ceil(bits / width) cycles. The requester learns when its transfer
// ends and waits for that if it needs the data; contention shows up as stall cycles by itself.
// The buffer counts the bits it moves into the requester's counters.
#pragma once
#include <systemc>

#include "arch/counters.hpp"
#include "arch/params.hpp"

namespace cimsim {

class BufferIf : public virtual sc_core::sc_interface {
 public:
  // Reserves the port for `bits` from now; returns the cycle the transfer ends.
  virtual uint64_t read(uint64_t bits, MacroCounters& sink) = 0;  // counted as the buffer's read action
  virtual uint64_t write(uint64_t bits, MacroCounters& sink) = 0;
  // A transfer counted as action `a` (the off-chip memory's one-time weight loads).
  virtual uint64_t move(uint64_t bits, Act a, MacroCounters& sink) = 0;
  virtual uint64_t capacity_bits() const = 0;  // 0: not checked
  virtual uint64_t busy_cycles() const = 0;     // cycles the port moved data so far
};

class Buffer : public sc_core::sc_module, public BufferIf {
 public:
  sc_core::sc_export<BufferIf> port;
  // `read_action` / `write_action`: what a read and a write count (BufferReadBit; WeightReadBit for
  // the weight path; DramReadBit and DramWriteBit for the off-chip memory).
  Buffer(sc_core::sc_module_name name, const BufferParams& p, sc_core::sc_time period, Act read_action = Act::BufferReadBit,
         Act write_action = Act::BufferWriteBit);

  uint64_t read(uint64_t bits, MacroCounters& sink) override { return transfer(bits, m_read_action, sink); }
  uint64_t write(uint64_t bits, MacroCounters& sink) override { return transfer(bits, m_write_action, sink); }
  uint64_t move(uint64_t bits, Act a, MacroCounters& sink) override { return transfer(bits, a, sink); }
  uint64_t capacity_bits() const override { return uint64_t(m_p.kib) * 8192; }
  uint64_t busy_cycles() const override { return m_busy; }

 private:
  uint64_t transfer(uint64_t bits, Act a, MacroCounters& sink);
  const BufferParams& m_p;
  sc_core::sc_time m_period;
  Act m_read_action, m_write_action;
  uint64_t m_next_free = 0, m_busy = 0;
};

}  // namespace cimsim
