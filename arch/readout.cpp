#include "arch/readout.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace cimsim {

int64_t lossless_bits(int64_t rows) {
  int64_t b = 0;
  while ((int64_t{1} << b) < rows + 1) ++b;
  return b;
}

namespace {

int64_t ceil_log2(int64_t n) {
  int64_t b = 0;
  while ((int64_t{1} << b) < n) ++b;
  return b;
}

// Shared converters (SAR, flash, a 1-bit sense amplifier, or one priced by a figure of merit),
// one conversion per column that needs one, linear over the column's range [0, full scale]: the
// rows beneath it, or the clip level arch.readout.range below that; `share` adjacent columns
// share a converter. The kinds differ in price (power/tech), not in function.
class AdcReadout final : public IReadout {
 public:
  AdcReadout(const ReadoutParams& p, int64_t rows)
      : m_kind(p.kind),
        m_full(p.range > 0 ? std::min(p.range, rows) : rows),
        m_bits(p.kind == "sense" ? 1
               : p.bits > 0      ? p.bits
               : p.levels > 0    ? ceil_log2(p.levels)
                                 : lossless_bits(m_full)),
        m_rows(rows),
        m_levels((p.levels > 0 ? p.levels : int64_t{1} << m_bits) - 1),
        m_share(p.share),
        m_conversion(uint64_t(p.conversion_cycles)),
        m_adder(uint64_t(p.adder_cycles)) {}
  const char* kind() const override { return m_kind.c_str(); }
  int64_t columns_per_converter() const override { return m_share; }
  // A shared converter converts only the columns that need it, one after another.
  uint64_t cycles(int64_t conversions) const override { return uint64_t(conversions) * m_conversion; }
  uint64_t share_stall(int64_t conversions) const override {
    return conversions > 1 ? uint64_t(conversions - 1) * m_conversion : 0;
  }
  // Exact for every count the rows can produce: enough levels, and no clipping below the rows.
  bool lossless() const override { return m_levels >= m_rows && m_full >= m_rows; }
  int64_t full_scale() const override { return m_full; }
  int64_t resolution_bits() const override { return m_bits; }
  int64_t resolution_levels() const override { return m_levels + 1; }
  int64_t read(int64_t count) const override { return quantise(double(count), m_full); }
  int64_t read_analog(double v) const override { return quantise(v, m_full); }
  // Linear over [0, full]: one code per count when the levels suffice, else levels - 1 steps;
  // values outside [0, full] clip to its ends.
  int64_t quantise(double v, int64_t full) const override {
    v = std::clamp(v, 0.0, double(full));
    if (m_levels >= full) return std::llround(v);
    const int64_t code = std::clamp<int64_t>(std::llround(v * double(m_levels) / double(full)), 0, m_levels);
    return std::llround(double(code) * double(full) / double(m_levels));
  }
  void count(MacroCounters& c, int64_t, uint64_t times) const override { c[Act::AdcConversion] += times; }
  uint64_t accumulate_cycles() const override { return m_adder; }

 private:
  std::string m_kind;
  int64_t m_full, m_bits, m_rows, m_levels, m_share;
  uint64_t m_conversion, m_adder;
};

// A digital popcount adder tree per column: exact, one full-adder input per evaluated row.
class DigitalReadout final : public IReadout {
 public:
  explicit DigitalReadout(const ReadoutParams& p, int64_t rows)
      : m_cycles(uint64_t(p.adder_cycles)), m_bits(lossless_bits(rows)) {}
  const char* kind() const override { return "digital"; }
  int64_t columns_per_converter() const override { return 1; }
  uint64_t cycles(int64_t conversions) const override { return conversions > 0 ? m_cycles : 0; }
  uint64_t share_stall(int64_t) const override { return 0; }
  bool lossless() const override { return true; }
  int64_t full_scale() const override { return (int64_t{1} << m_bits) - 1; }
  int64_t resolution_bits() const override { return m_bits; }
  int64_t resolution_levels() const override { return int64_t{1} << m_bits; }
  int64_t read(int64_t count) const override { return count; }
  int64_t read_analog(double v) const override { return std::llround(v); }  // digital: no analog error reaches it
  int64_t quantise(double v, int64_t) const override { return std::llround(v); }  // exact
  void count(MacroCounters& c, int64_t active_rows, uint64_t times) const override {
    c[Act::AdderTreeBit] += uint64_t(active_rows) * times;
  }
  uint64_t accumulate_cycles() const override { return m_cycles; }

 private:
  uint64_t m_cycles;
  int64_t m_bits;
};

}  // namespace

std::unique_ptr<IReadout> make_readout(const ReadoutParams& p, const MacroParams& macro) {
  return make_readout(p, macro.readout_rows());
}

std::unique_ptr<IReadout> make_readout(const ReadoutParams& p, int64_t rows) {
  if (p.kind == "digital") return std::make_unique<DigitalReadout>(p, rows);
  if (p.converter()) return std::make_unique<AdcReadout>(p, rows);
  throw std::invalid_argument("unknown read-out kind " + p.kind);
}

double readout_hold_ns(const MacroParams& m, const IReadout& r, int64_t position, double period_ns) {
  return double(uint64_t(m.cycles.evaluate + m.merge_total()) + r.cycles(position)) * period_ns;
}

}  // namespace cimsim
