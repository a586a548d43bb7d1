// Fuzz entry points, shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp, built by
// scripts/fuzz.sh) and the regression test that replays every saved input
// (tests/test_fuzz_regressions.cpp). Bad input must end in InputError; any other exception, crash,
// hang or sanitizer report is a bug.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "arch/controller.hpp"
#include "sim/config.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/mapping.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/tensor.hpp"

namespace cimsim::fuzz {

// The loaders read files: each input goes through a per-process temporary file.
inline std::filesystem::path write_input(const char* tag, const uint8_t* data, std::size_t size) {
  const auto path = std::filesystem::temp_directory_path() / ("cimsim-fuzz-" + std::to_string(::getpid()) + "-" + tag);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  return path;
}

inline void config(const uint8_t* data, std::size_t size) {
  const auto path = write_input("config.yaml", data, size);
  try {
    load_config(path, {});
  } catch (const InputError&) {
  }
}

inline void onnx_model(const uint8_t* data, std::size_t size) {
  const auto path = write_input("model.onnx", data, size);
  try {
    Network net = import_onnx(path);
    finalize_network(net, std::vector<double>(16, 0.0), "fuzz input");
    for (const auto& L : net.layers) {
      map_layer(L, {256, 256, 16, false});
      map_layer(L, {256, 256, 16, true});
    }
    (void)Controller::estimate_peak_bytes(net, 1);
  } catch (const InputError&) {
  }
}

inline void tensor(const uint8_t* data, std::size_t size) {
  const auto path = write_input("tensor.pb", data, size);
  try {
    read_tensor_file(path);
  } catch (const InputError&) {
  }
}

}  // namespace cimsim::fuzz
