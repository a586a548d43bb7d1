// `cimsim reprice`: a finished run priced again under another technology table, supply or any
// other price-only key, from the action counts its report.json holds, without simulating.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "sim/config.hpp"

namespace cimsim {

// Re-prices the run in `run_dir` under its resolved.yaml with `o.arch` / `o.sets` applied and
// writes a complete run folder (report.json, tables, report.html, resolved.yaml, outputs/) into
// `out`. Throws InputError naming the key when a change is not price-only (it would alter the
// run's timing, function or counted actions: simulate again).
void reprice(const std::filesystem::path& run_dir, const Overrides& o, const std::filesystem::path& out);

}  // namespace cimsim
