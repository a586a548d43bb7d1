// Shared test helpers.
#pragma once
#include <systemc>

#include <filesystem>
#include <random>
#include <string>
#include <unistd.h>

#include "workloads/network.hpp"

namespace cimsim::test {

inline std::filesystem::path source_dir() { return std::filesystem::path(CIMSIM_TEST_DIR).parent_path(); }

// SystemC elaborates once per context: each test that builds a design starts a fresh one.
inline void fresh_context() {
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

// A unique empty temporary folder.
inline std::filesystem::path temp_dir(const std::string& tag) {
  static int counter = 0;
  auto p = std::filesystem::temp_directory_path() /
           ("cimsim-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p;
}

// A random binarized dense layer with an exact integer threshold per channel.
inline LayerSpec random_dense(const std::string& name, int64_t K, int64_t N, BitCode in, BitCode w,
                              bool binarized, std::mt19937& rng) {
  LayerSpec L;
  L.name = name;
  L.op_type = "Gemm";
  L.in_channels = K;
  L.out_channels = N;
  L.in_code = in;
  L.w_code = w;
  L.weights.resize(std::size_t(K * N));
  for (auto& b : L.weights) b = rng() & 1;
  L.scale.assign(std::size_t(N), 1.0);
  L.bias.assign(std::size_t(N), 0.0);
  for (int64_t n = 0; n < N; ++n) L.bias[n] = double(int64_t(rng() % 7) - 3) + 0.5;
  if (binarized) {
    L.binarized = true;
    L.out_code = BitCode::Unsigned01;
    for (int64_t n = 0; n < N; ++n) {
      L.dir.push_back(n % 3 == 2 ? -1 : 1);
      L.thr.push_back(int64_t(rng() % 5) - 2);
    }
  }
  return L;
}

}  // namespace cimsim::test
