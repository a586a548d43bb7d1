// Configuration: YAML files parsed once into typed, validated parameters. A run config names a
// workload bundle and an architecture file; the architecture names a technology file. All three
// merge into one tree (arch under `arch`, tech under `arch.tech`), `--set key.path=value`
// overrides any key, and the resolved tree, with every default filled in, is written beside the
// results so that a run can be repeated.
#pragma once
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "arch/params.hpp"
#include "arch/ttfs_array.hpp"
#include "power/tech.hpp"
#include "power/ttfs_energy.hpp"

namespace cimsim {

struct Overrides {
  std::string workload;  // --workload DIR (relative to the working directory)
  std::string arch;      // --arch FILE
  std::vector<std::string> sets;  // --set key.path=value
};

struct RunConfig {
  std::filesystem::path config_file;
  std::filesystem::path workload_dir;
  ChipParams chip;
  TechTable tech;
  TtfsParams ttfs;           // TTFS arrays (used when the workload is a TTFS network)
  TtfsCircuit ttfs_circuit;
  int64_t samples = 0;       // 0 = all
  int64_t chunk = 128;       // samples the chip takes at a time (sim/chunks.hpp); 0 = all at once
  double tolerance = 1e-4;   // relative match tolerance against reference outputs
  std::string resolved_yaml;

  // Every key of a run config but `workload` and the technology table (arch.tech, read from
  // tech_keys()): run.*, check.*, arch.*, mapping.*.
  void declare(ParamVisitor& v);
};

// Reads a YAML file whose top level is a mapping (at most 16 MiB, a regular file); throws
// InputError naming the file on anything else or on a syntax error.
YAML::Node load_yaml(const std::filesystem::path& file);

// A mapping as block YAML (nested mappings indented by two, sequences in flow style, scalars
// plain where that reads back as the same text, else double-quoted): what resolved.yaml holds.
// yaml-cpp's emitter gives the same tree but tests every scalar with regular expressions, which
// was a seventh of a sweep point's time.
std::string emit_yaml(const YAML::Node& map);

// Throws InputError naming the file, the key path and what was expected.
RunConfig load_config(const std::filesystem::path& file, const Overrides& o);

// A key whose value differs between two resolved configs ("(absent)" where one lacks it).
struct ConfigDifference {
  std::string key, a, b;
};
std::vector<ConfigDifference> config_differences(const std::string& yaml_a, const std::string& yaml_b);
std::vector<ConfigDifference> config_differences(const YAML::Node& a, const YAML::Node& b);

// Where shipped configs live: $CIMSIM_HOME, else the source tree the binary was built from.
std::filesystem::path data_dir();
std::filesystem::path default_config_path();

}  // namespace cimsim
