// A request to stop the simulation early (set by the command line's SIGINT/SIGTERM handler).
// The controller checks it between operations and abandons the run; nothing is written.
#pragma once
#include <atomic>

namespace cimsim {

inline std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

}  // namespace cimsim
