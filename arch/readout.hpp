// Column read-out schemes, chosen from config through one registry (make_readout).
#pragma once
#include <cstdint>
#include <memory>

#include "arch/counters.hpp"
#include "arch/params.hpp"

namespace cimsim {

class IReadout {
 public:
  virtual ~IReadout() = default;
  virtual const char* kind() const = 0;
  // Columns that share one converter (adjacent columns; serialised), 1 for per-column read-outs.
  virtual int64_t columns_per_converter() const = 0;
  // Cycles of the read-out phase of one operation in which the busiest converter has
  // `conversions` columns to convert (0: nothing to read, no phase), and the part of them spent
  // only because converters are shared between columns.
  virtual uint64_t cycles(int64_t conversions) const = 0;
  virtual uint64_t share_stall(int64_t conversions) const = 0;
  // The value reported for a column whose exact AND count is `count`.
  virtual int64_t read(int64_t count) const = 0;
  // The value reported for an analog value `v` (in counts, with its errors): quantised to the
  // converter's codes, clipped to its range.
  virtual int64_t read_analog(double v) const = 0;
  // The same for a value whose full scale is `full` counts (analog accumulation: pulse trains
  // and charge-shared slices widen a column's range beyond its rows).
  virtual int64_t quantise(double v, int64_t full) const = 0;
  virtual bool lossless() const = 0;
  // Counts the read-out spans (the rows beneath it, or arch.readout.range below that).
  virtual int64_t full_scale() const = 0;
  virtual int64_t resolution_bits() const = 0;
  // Output levels of one conversion (2^bits unless an ADC has fewer, e.g. an 11-level flash).
  virtual int64_t resolution_levels() const = 0;
  // Counts the actions of reading one column (or one node's segment of it) with `active_rows`
  // rows evaluated.
  virtual void count(MacroCounters& c, int64_t active_rows, uint64_t times = 1) const = 0;
  // Cycles of the adder tree that sums a column's read-outs when they sit below the root.
  virtual uint64_t accumulate_cycles() const = 0;
};

// How long a read-out node's charge waits from the start of its evaluate until the conversion of
// the column at `position` (0-based) among its converter's shared columns (the converter samples
// as its conversion starts).
double readout_hold_ns(const MacroParams& macro, const IReadout& readout, int64_t position, double period_ns);

// Bits a lossless read-out of `rows` rows needs: ceil(log2(rows + 1)).
int64_t lossless_bits(int64_t rows);

// A read-out of `rows` rows (the rows beneath one read-out node).
std::unique_ptr<IReadout> make_readout(const ReadoutParams& p, int64_t rows);
// The read-out of a macro: at its read-out level (macro.readout_level), over the rows beneath.
std::unique_ptr<IReadout> make_readout(const ReadoutParams& p, const MacroParams& macro);

}  // namespace cimsim
