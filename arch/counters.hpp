// Plain integer counters on the hot path. arch/ counts actions; power/ prices them afterwards.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace cimsim {

// Actions that cost energy, counted as they happen.
enum class Act : std::size_t {
  InputLineCell,   // a cell gate driven by an input line at 1 (row line x columns of an active domain)
  AndEval,         // an AND product of 1 x 1 evaluated
  AdcConversion,   // one column read out by an ADC / sense amplifier
  AdderTreeBit,    // one input bit of a digital popcount adder tree
  CellWrite,       // one bit cell written
  GateEvent,       // a domain switched from on to gated (C1/C2 control lines and header)
  WakeEvent,       // a domain switched from gated to on (virtual supply recharged)
  DigitalAddBit,   // one bit of a digital add/compare (partial sums, offset correction, thresholds)
  BufferReadBit,   // one bit read from the input/output buffers
  WeightReadBit,   // one weight bit read through the weight path (written into a macro, or applied on its rows)
  BufferWriteBit,  // one bit written to the input/output buffers
  DigitalMacBit,   // one full-adder cell of the digital MAC unit (multiplier array and accumulator)
  InputPulse,      // a pulse of a row's pulse-count input (analog accumulation: plane b gives 2^b per 1)
  DividerUnits,    // divider cells: sum over operations of (sum over read-out nodes of k (n - k) / n driven
                   // cells) x the cycles their rows stay on, in 1/kDividerUnit unit-cycles
  DramReadBit,       // one bit of a network input read from the off-chip memory
  DramWeightFetchBit, // one bit of a weight tile fetched from the off-chip memory for a rewrite
  DramWriteBit,      // one bit written to the off-chip memory (a network output)
  DramWeightLoadBit, // one bit of a resident weight tile fetched once, before its first write (a one-time cost)
  Count_
};

// Events and cycle accounting.
enum class Stat : std::size_t {
  Ops,                // macro operations issued
  DomainEvals,        // domain evaluations scheduled (domains x operations)
  DomainSkips,        // of those, gated
  DomainEvalsUsed,    // domain evaluations of domains that hold part of the tile (rows and columns the mapping uses)
  DomainSkipsUsed,    // of those, gated (because of the data: inputs, weights or discarded outputs)
  Cycles,             // cycles of this macro's work (operations and weight writes)
  StallWakeup,        // cycles waiting for gated domains to wake
  StallReadout,       // cycles serialising shared converters
  StallWeightWrite,   // cycles writing weights
  StallBuffer,        // cycles waiting for the input buffer's bandwidth
  DomainCyclesOn,     // domain-cycles spent on
  DomainCyclesGated,  // domain-cycles spent gated (macros in use)
  DomainCyclesIdle,   // domain-cycles of macros not yet written (gated, not in the fractions)
  ArrayCycles,        // macro-cycles of cell arrays (retention leakage): held by a step, or all macros in totals
  ReadChecks,         // columns read with arch.analog.noise on (each compared with its exact count)
  ReadErrPos,         // sum of their positive errors (read - exact, in counts)
  ReadErrNeg,         // sum of their negative errors' magnitudes
  ReadErrSq,          // sum of squared errors
  ReadErrNonzero,     // columns read with any error
  StallMemory,        // cycles waiting for weight tiles fetched from the off-chip memory
  MemoryBusyCycles,   // cycles the off-chip interface moved data (totals only)
  Count_
};

// Fixed point of Act::DividerUnits: a read-out node's k (n - k) / n is counted in 1/256 (a
// 4096-row column held 100 cycles in each of 10^9 operations still fits 64 bits).
inline constexpr uint64_t kDividerUnit = 256;
inline constexpr std::size_t kActs = std::size_t(Act::Count_);
inline constexpr std::size_t kStats = std::size_t(Stat::Count_);

struct MacroCounters {
  std::array<uint64_t, kActs> act{};
  std::array<uint64_t, kStats> stat{};
  std::vector<uint64_t> precharge;  // segment precharges per hierarchy level (x columns)
  std::vector<uint64_t> merge;      // merge-switch closures from level l into level l+1

  explicit MacroCounters(std::size_t levels = 0) : precharge(levels, 0), merge(levels, 0) {}
  uint64_t& operator[](Act a) { return act[std::size_t(a)]; }
  uint64_t operator[](Act a) const { return act[std::size_t(a)]; }
  uint64_t& operator[](Stat s) { return stat[std::size_t(s)]; }
  uint64_t operator[](Stat s) const { return stat[std::size_t(s)]; }

  // Adds o (whose hierarchy may have another depth: a step on another macro kind).
  void add(const MacroCounters& o) {
    for (std::size_t i = 0; i < kActs; ++i) act[i] += o.act[i];
    for (std::size_t i = 0; i < kStats; ++i) stat[i] += o.stat[i];
    if (o.precharge.size() > precharge.size()) {
      precharge.resize(o.precharge.size(), 0);
      merge.resize(o.merge.size(), 0);
    }
    for (std::size_t i = 0; i < o.precharge.size(); ++i) {
      precharge[i] += o.precharge[i];
      merge[i] += o.merge[i];
    }
  }

  MacroCounters minus(const MacroCounters& o) const {
    MacroCounters d = *this;
    for (std::size_t i = 0; i < kActs; ++i) d.act[i] -= o.act[i];
    for (std::size_t i = 0; i < kStats; ++i) d.stat[i] -= o.stat[i];
    for (std::size_t i = 0; i < precharge.size(); ++i) {
      d.precharge[i] -= o.precharge[i];
      d.merge[i] -= o.merge[i];
    }
    return d;
  }
};

}  // namespace cimsim
