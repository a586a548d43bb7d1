// Shared test helpers.
#pragma once
#include <systemc>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <random>
#include <string>

#include "arch/sc_context.hpp"
#include "workloads/builder.hpp"

namespace cimsim::test {

using NetBuilder = cimsim::NetBuilder;

inline std::filesystem::path source_dir() { return std::filesystem::path(CIMSIM_TEST_DIR).parent_path(); }

// SystemC elaborates once per context: a test that builds a design holds a fresh one.
using Context = cimsim::ScContext;

// A file's bytes.
inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
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

// Random sample inputs for the network input: bits with P(1) = density, or fixed-point levels.
inline std::vector<std::vector<double>> random_inputs(const Network& net, std::size_t samples, double density,
                                                      std::mt19937& rng) {
  const ValueInfo& in = net.in();
  std::vector<std::vector<double>> x(samples, std::vector<double>(std::size_t(in.numel())));
  std::uniform_real_distribution<double> u(0, 1);
  for (auto& s : x)
    for (auto& v : s) {
      if (in.kind == ValueKind::UInt) v = double(rng() % (uint64_t{1} << in.bits)) * in.scale;
      else v = u(rng) < density ? 1.0 : (in.code == BitCode::Signed ? -1.0 : 0.0);
    }
  return x;
}

}  // namespace cimsim::test
