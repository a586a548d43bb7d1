// Analog non-idealities of an analog macro's column read-out (arch.analog, docs/analog.md): the
// error a conversion sees, in counts (LSBs of one count's signal at the read-out node), applied
// to the analog value before it is quantised.
//   - dynamic, drawn per conversion: thermal kT/C noise of the read-out node and the
//     comparator's input-referred noise;
//   - static, drawn once per chip instance: each converter's input-referred offset, and each
//     cell's relative deviation of the charge it moves (device or capacitor mismatch).
// Draws come from a counter-free generator seeded by (arch.analog.seed, the macro's name), with
// a Gaussian by Box-Muller, so the same seed gives the same chip and the same reports.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace cimsim {

// Resolved from the technology table for one read-out (power/tech apply_noise).
struct NoiseParams {
  bool on = false;
  uint64_t seed = 1;
  // Not a key: the sample chunk a run of this chip simulates (sim/driver). The chip instance
  // (offsets, mismatch) comes from the seed alone; each chunk's conversion noise has a stream of
  // its own, so chunks simulated apart draw independent noise and the same draws whatever the
  // number of worker processes.
  uint64_t stream = 0;
  int64_t chips = 1;          // chip instances of the Monte Carlo (seeds seed .. seed + chips - 1)
  double thermal_lsb = 0;     // sqrt(kT / C_node) over one count's signal
  double comparator_lsb = 0;  // comparator input-referred noise over one count's signal
  double offset_lsb = 0;      // sigma of a converter's offset over one count's signal
  double cell_sigma = 0;      // sigma of one cell's charge, relative to its nominal (one count)
  double droop_lsb_ns = 0;    // charge a cell holding 1 leaks from its node per ns, in counts
  double droop_max_lsb = 0;   // the droop of a full column (every cell 1) at the longest wait
  double dynamic_lsb() const { return std::sqrt(thermal_lsb * thermal_lsb + comparator_lsb * comparator_lsb); }
};

// splitmix64 (Steele, Lea, Flood, OOPSLA 2014): a fixed, portable sequence for a seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  // A standard normal draw (Box-Muller; one of the pair is kept for the next call).
  double gauss();

 private:
  uint64_t m_state;
  bool m_have = false;
  double m_spare = 0;
};

// A stable 64-bit hash of a name (FNV-1a), to give each macro its own stream.
uint64_t name_hash(const std::string& s);

// The non-idealities of one macro instance.
class ReadNoise {
 public:
  // `converters`: read-out circuits of the macro (offsets); `cells`: rows x cols (mismatch).
  ReadNoise(const NoiseParams& p, const std::string& instance, int64_t converters, int64_t cells);
  bool on() const { return m_p.on; }
  double offset(std::size_t converter) const { return m_offset[converter]; }
  const float* cell_deltas() const { return m_cell.data(); }
  // One conversion's dynamic error, in counts.
  double dynamic() { return m_dyn > 0 ? m_dyn * m_rng.gauss() : 0.0; }

 private:
  NoiseParams m_p;
  double m_dyn;
  Rng m_rng;
  std::vector<double> m_offset;
  std::vector<float> m_cell;
};

}  // namespace cimsim
