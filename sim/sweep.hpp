// Sweeps: a spec names a base run config and axes; every point is the base with the axes' key
// assignments as --set overrides. Points run in worker processes (SystemC elaborates once per
// process), each writing its own report folder atomically, so a sweep killed at any moment and
// resumed loses and duplicates nothing. sweep.csv and sweep.html are rebuilt from the points.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cimsim {

// One key assignment: `key`=`value` with the value as YAML text.
struct Assignment {
  std::string key, value;
};

struct SweepPoint {
  int64_t id = 0;
  std::vector<Assignment> sets;  // the point's overrides, axis order
};

struct SweepSpec {
  std::filesystem::path file;
  std::string name;                // the spec's file name, for titles
  std::filesystem::path base;      // run config
  std::vector<Assignment> fixed;   // `set:` overrides of every point
  std::vector<std::string> columns;  // axis keys, in order
  std::vector<SweepPoint> points;
  std::string text;                // the spec as read, to detect a changed spec on resume/merge
};

// Every ordered factorization of `rows` into 1..max_levels factors each >= min_segment (leaf to
// root), in lexicographic order of (levels, factors).
std::vector<std::vector<int64_t>> hierarchy_patterns(int64_t rows, int64_t max_levels, int64_t min_segment);

// Throws InputError naming the file and key.
SweepSpec load_sweep(const std::filesystem::path& file);

struct SweepOptions {
  int jobs = 1;
  bool resume = false;
  bool quiet = false;
  bool full_reports = false;  // each point also writes report.html, layers.csv, components.csv, outputs/
  int shard = 0, shards = 1;  // run points with id % shards == shard
};

// Runs the points (skipping complete ones with `resume`) and writes sweep.csv / sweep.html.
// Returns the number of failed points.
int run_sweep(const SweepSpec& spec, const std::filesystem::path& out, const SweepOptions& o);

// Joins shard folders of one spec into `out` and writes sweep.csv / sweep.html.
void merge_sweeps(const std::vector<std::filesystem::path>& shards, const std::filesystem::path& out);

}  // namespace cimsim
