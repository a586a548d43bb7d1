#include "workloads/atomic_file.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "workloads/errors.hpp"

namespace cimsim {

void write_file_in_place(const std::filesystem::path& path, const std::string& content, bool sync) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw SimulationError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += std::size_t(n);
  }
  ok = ok && (!sync || ::fsync(fd) == 0);
  const int err = errno;
  ::close(fd);
  if (!ok) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    throw SimulationError(fmt::format("cannot write {}: {}", path.string(), std::strerror(err)));
  }
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw SimulationError(
        fmt::format("cannot create directory {}: {}", path.parent_path().string(), ec.message()));
  }
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
  write_file_in_place(tmp, content, true);
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw SimulationError(fmt::format("cannot rename {} to {}", tmp.string(), path.string()));
  }
}

}  // namespace cimsim
