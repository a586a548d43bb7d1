// `cimsim validate`: architecture presets of published SRAM CIM macros
// (configs/arch/published/*.yaml), each simulated on a workload that matches its paper's
// measurement, and the predicted energy efficiency and throughput set against the published ones.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace cimsim {

// The `published:` section of a preset: what the paper reports and the conditions it was
// measured under (docs/validate.md).
struct Published {
  std::string citation;        // authors, venue, year
  std::string node;            // e.g. "65nm"
  double tops_per_w = 0;       // published energy efficiency (1 MAC = 2 operations)
  double gops = 0;             // published throughput; 0 = the paper gives none we can cite
  std::string input;           // "binary01" ({0,1}), "signed" (+-1) or "uint" (bit-serial)
  int64_t input_bits = 1;      // for "uint"
  std::string weights;         // "signed" (+-1), "binary01" or "int" (two's complement, bit-sliced)
  int64_t weight_bits = 1;     // for "int"
  double input_density = 0.5;  // fraction of input bits at 1 in the measurement
  double area_mm2 = 0;         // published macro area; 0 = the paper gives none we can cite
  std::string area_source;     // what the area covers and where it is given
  std::string notes;
};

struct ValidationRow {
  std::string preset;  // file stem
  std::filesystem::path file;
  Published pub;
  double predicted_tops_per_w = 0, predicted_gops = 0;
  double ratio = 0;                // predicted / published energy efficiency
  double gops_ratio = 0;           // 0 when no published throughput
  double predicted_area_mm2 = 0;   // one macro from its parts (power/area), without buffers or periphery
  double predicted_tops_per_mm2 = 0;
  double published_tops_per_mm2 = 0;  // published throughput / published area; 0 when either is missing
  double area_ratio = 0;              // predicted / published TOPS/mm^2; 0 when not published
  double energy_per_mac_fj = 0;
  std::vector<std::pair<std::string, double>> energy_share;  // macro components, largest first
  uint64_t macs = 0, cycles = 0;
};

// Reads one preset's `published` section; throws InputError naming the file and key.
Published read_published(const std::filesystem::path& preset);

// Simulates one preset: a fully connected layer that fills the macro (rows x columns / weight
// slices), `samples` random input vectors at the paper's input density, weights drawn from
// `seed`. Energy is the macro's (array, read-out, gating, leakage): buffers and the digital
// periphery are outside the published macro figures.
ValidationRow validate_preset(const std::filesystem::path& preset, int64_t samples, uint64_t seed,
                              const std::vector<std::string>& sets = {});

std::string validation_table(const std::vector<ValidationRow>& rows);
std::string validation_csv(const std::vector<ValidationRow>& rows);
std::string validation_json(const std::vector<ValidationRow>& rows, int64_t samples, uint64_t seed);

}  // namespace cimsim
