// The simulation driver: elaborates the chip for one run, simulates it, prices the counted
// actions and checks the hardware's outputs against the exported reference outputs.
#pragma once
#include <filesystem>

#include "arch/controller.hpp"
#include "power/report.hpp"
#include "sim/config.hpp"
#include "workloads/bundle.hpp"

namespace cimsim {

struct RunResult {
  Report report;
  ChipRun chip;
};

// A VCD waveform of the macros' phases and domain states for cycles [from, to].
struct TraceOptions {
  std::filesystem::path file;  // empty: no trace
  uint64_t from = 0, to = 100000;
};

struct ChipOutcome {
  ChipRun run;
  int64_t readout_bits = 0;
  int64_t readout_levels = 0;
  int64_t converters = 0;  // read-out circuits per analog macro
  int64_t readout_range = 0;  // the read-out's full scale in counts
  bool lossless = true;
  std::string readout_kind;
  // With chip.readout.collect_counts: conversions by the count read, over the chip's macros.
  std::vector<uint64_t> count_histogram;
};

// The most worker processes a run starts for its noisy chip instances (default: one per core).
// A sweep's workers set 1, so that `--jobs` points do not each start one per core.
void set_chip_workers(int n);

// The smallest count at or below which `percentile` % of the conversions of a histogram (index =
// count) lie; 0 for an empty one.
int64_t percentile_count(const std::vector<uint64_t>& hist, double percentile);

// Keeps memory that the simulation frees inside the process (glibc: blocks up to 32 MiB come from
// the heap, not fresh mappings, and freed heap is returned to the kernel only above 1 GiB). Each
// layer allocates its values and accumulators afresh; without this every layer's buffers were new
// pages, and first-touch page faults were a sixth of a VGG-8 image's simulation. Called by
// run_chip, once per process; benchmarks call it before timing any baseline, so both see the
// same allocator. Peak memory is unchanged: what is kept is what the previous layer used.
void keep_freed_memory();

// Elaborates the chip (macros, controller) in a fresh SystemC context, so that one process may
// simulate several designs, and runs the network on one input vector per sample.
// `progress` (when given) follows the controller's steps, for a progress display.
ChipOutcome run_chip(const ChipParams& chip, const Network& net, const std::vector<std::vector<double>>& inputs,
                     const TraceOptions& trace = {}, Progress* progress = nullptr);

// The price tables a run of `cfg` uses: one per macro kind on the chip and the periphery's, or
// the TTFS arrays' (`ttfs`).
std::vector<std::pair<std::string, PriceTable>> run_prices(const RunConfig& cfg, bool ttfs);

// run_chip on a workload, priced, with the function check.
RunResult simulate(const RunConfig& cfg, const Workload& w, const TraceOptions& trace = {}, bool progress = false);

// Writes report.json, layers.csv, resolved.yaml and outputs/test_data_set_N/output_0.pb into
// `out`, all or nothing: the files go to a temporary folder that then replaces `out`.
// `extra` files (name, content) are written into the same folder, in the same all-or-nothing step.
// Writes a folder of files (relative path, content) all at once: into a staging folder beside
// `dir`, which then replaces `dir`. Refuses (InputError) to replace a non-empty folder that holds
// none of `markers`, so that it never deletes a folder that is not an earlier result.
// With `sync` each file is fsync'd before the rename; without, the caller syncs later (a sweep
// syncs its file system once at the end and checks each point's file sizes when it resumes).
void write_folder_atomic(const std::filesystem::path& dir, const std::vector<std::pair<std::string, std::string>>& files,
                         const std::vector<std::string>& markers, bool sync = true);

// What a results folder holds: everything `cimsim run` writes, or (a sweep point's default)
// report.json and resolved.yaml alone; `cimsim report DIR` renders the rest from report.json.
enum class ResultFiles { All, ReportOnly };

// The files of a results folder, named by their paths inside it.
std::vector<std::pair<std::string, std::string>> result_files(const RunConfig& cfg, const Workload& w, const RunResult& r,
                                                              ResultFiles which);

// result_files and `extra`, written with write_folder_atomic (synced).
void write_results(const std::filesystem::path& out, const RunConfig& cfg, const Workload& w,
                   const RunResult& r, const std::vector<std::pair<std::string, std::string>>& extra = {},
                   ResultFiles which = ResultFiles::All);

}  // namespace cimsim
