#include "workloads/atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "workloads/errors.hpp"

namespace cimsim {

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw SimulationError(
        fmt::format("cannot create directory {}: {}", path.parent_path().string(), ec.message()));
  }
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw SimulationError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() &&
                  std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int err = errno;
  std::fclose(f);
  if (!ok) {
    fs::remove(tmp, ec);
    throw SimulationError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(err)));
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw SimulationError(fmt::format("cannot rename {} to {}", tmp.string(), path.string()));
  }
}

}  // namespace cimsim
