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

// Each call elaborates in a fresh SystemC context, so one process may simulate several designs.
RunResult simulate(const RunConfig& cfg, const Workload& w);

// Writes report.json, layers.csv, resolved.yaml and outputs/test_data_set_N/output_0.pb into
// `out`, all or nothing: the files go to a temporary folder that then replaces `out`.
void write_results(const std::filesystem::path& out, const RunConfig& cfg, const Workload& w,
                   const RunResult& r);

}  // namespace cimsim
