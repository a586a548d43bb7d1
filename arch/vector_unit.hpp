// The digital periphery's vector unit: `lanes` elements per cycle, shared by every digital step
// (first come, first served, like a buffer port). The digital MAC unit is another instance, whose
// elements are multiply-accumulates. A step streams its elements through it: a
// vector left partly filled by one request is filled by the step's next one (lane credit), so a
// step of E elements takes ceil(E / lanes) cycles however it is split. It counts the add/compare
// bits it performs (elements x operand width) into the requester's counters.
#pragma once
#include <systemc>

#include "arch/counters.hpp"

namespace cimsim {

class VectorUnitIf : public virtual sc_core::sc_interface {
 public:
  // Reserves the unit for `elements` operations of `width_bits` bits from now; `lane_credit`
  // carries the free lanes of the requester's last vector. Returns the cycle the work ends.
  virtual uint64_t run(uint64_t elements, uint64_t width_bits, uint64_t& lane_credit, MacroCounters& sink) = 0;
  virtual int64_t lanes() const = 0;
};

class VectorUnit : public sc_core::sc_module, public VectorUnitIf {
 public:
  sc_core::sc_export<VectorUnitIf> port;
  // `counted`: the activity one element-bit is (an adder bit, or a MAC unit's full-adder cell).
  VectorUnit(sc_core::sc_module_name name, int64_t lanes, sc_core::sc_time period, Act counted = Act::DigitalAddBit);
  uint64_t run(uint64_t elements, uint64_t width_bits, uint64_t& lane_credit, MacroCounters& sink) override;
  int64_t lanes() const override { return m_lanes; }

 private:
  int64_t m_lanes;
  Act m_counted;
  sc_core::sc_time m_period;
  uint64_t m_next_free = 0;
};

}  // namespace cimsim
