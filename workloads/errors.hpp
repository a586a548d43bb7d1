// Error kinds that decide the command's exit status.
#pragma once
#include <stdexcept>
#include <string>

namespace cimsim {

// Bad input from outside (config, model, sample data): exit status 2. The message names the
// file, the key path or tensor/node, and what was expected.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The simulation itself failed (an internal inconsistency, an I/O failure while writing
// results): exit status 1.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The run was stopped on request (SIGINT/SIGTERM) before it finished; nothing was written.
class Interrupted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace cimsim
