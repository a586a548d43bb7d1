// Replays every input the fuzzers have saved (tests/fuzz/regressions/<target>/): each must end in
// success or InputError, never in another exception or a crash.
#include <catch2/catch.hpp>

#include <iterator>

#include "fuzz/entries.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

template <class F>
int replay(const std::string& target, F entry) {
  int n = 0;
  const fs::path dir = cimsim::test::source_dir() / "tests/fuzz/regressions" / target;
  if (!fs::is_directory(dir)) return 0;  // git keeps no empty folder
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file() || e.path().filename() == "README.md") continue;
    std::ifstream f(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    INFO(e.path().string());
    CHECK_NOTHROW(entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("fuzz regressions: saved inputs end in success or a clear error", "[fuzz]") {
  const int n = replay("config", cimsim::fuzz::config) + replay("onnx", cimsim::fuzz::onnx_model) +
                replay("tensor", cimsim::fuzz::tensor);
  CHECK(n > 0);
}
