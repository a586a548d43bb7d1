// Results are written atomically: into a temporary file beside the target, then renamed.
#pragma once
#include <filesystem>
#include <string>

namespace cimsim {

// Writes `content` to `path` via `path.tmp.<pid>` and rename(2); creates parent directories.
// Throws SimulationError naming the path on failure, leaving no partial file behind.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace cimsim
