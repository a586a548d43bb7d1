// Results are written atomically: into a temporary file beside the target, then renamed.
#pragma once
#include <filesystem>
#include <string>

namespace cimsim {

// Writes `content` to `path` via `path.tmp.<pid>` and rename(2); creates parent directories.
// Throws SimulationError naming the path on failure, leaving no partial file behind.
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

// Writes `content` to `path` in place (and fsyncs it with `sync`): for files inside a staging
// folder that is renamed into place as a whole (write_folder_atomic), where a rename per file
// adds nothing. Throws SimulationError naming the path on failure, removing what it wrote.
void write_file_in_place(const std::filesystem::path& path, const std::string& content, bool sync);

}  // namespace cimsim
