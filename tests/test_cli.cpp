// The command line as a user meets it: exit codes 0 / 2 (usage, config, input) / 1, messages.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

struct Result {
  int status;
  std::string output;
};

// In the sanitizer build (scripts/sanitize.sh) AddressSanitizer notes, once per process, that
// SystemC's coroutines switch stacks ("ASan is ignoring requested __asan_handle_no_return",
// three lines); each worker process prints it again. Those lines are not cimsim's output.
std::string without_sanitizer_notes(const std::string& text) {
  std::string out, line;
  std::istringstream in(text);
  while (std::getline(in, line)) {
    if (line.find("ASan is ignoring requested __asan_handle_no_return") != std::string::npos ||
        line == "False positive error reports may follow" ||
        line == "For details see https://github.com/google/sanitizers/issues/189")
      continue;
    out += line;
    if (!in.eof()) out += '\n';
  }
  return out;
}

Result run(const std::string& args) {
  const std::string cmd = std::string(CIMSIM_BINARY) + " " + args + " 2>&1";
  Result r{-1, ""};
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.output = without_sanitizer_notes(r.output);
  return r;
}

}  // namespace

TEST_CASE("cimsim --version, --help and usage errors", "[cli]") {
  auto v = run("--version");
  CHECK(v.status == 0);
  CHECK_THAT(v.output, Catch::StartsWith("cimsim "));
  CHECK(run("--help").status == 0);
  CHECK(run("run --help").status == 0);
  CHECK(run("").status == 2);
  CHECK(run("frobnicate").status == 2);
  auto bad = run("run --no-such-option");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Catch::Contains("no-such-option"));
}

TEST_CASE("cimsim run: bad inputs exit 2 and write nothing", "[cli]") {
  const fs::path dir = cimsim::test::temp_dir("cli");
  auto missing = run("run " + (dir / "none.yaml").string() + " --out " + (dir / "o1").string());
  CHECK(missing.status == 2);
  CHECK_THAT(missing.output, Catch::Contains("none.yaml") && Catch::Contains("file not found"));
  auto wl = run("run --workload " + (dir / "nowhere").string() + " --out " + (dir / "o2").string());
  CHECK(wl.status == 2);
  CHECK_THAT(wl.output, Catch::Contains("nowhere") && Catch::Contains("workload folder not found"));
  auto set = run("run --set arch.macro.hierarchy=[16,4] --out " + (dir / "o3").string());
  CHECK(set.status == 2);
  CHECK_THAT(set.output, Catch::Contains("arch.macro.hierarchy"));
  auto force = run("run --set 'mapping.force={nosuch: cim3x3}' --out " + (dir / "o4").string());
  CHECK(force.status == 2);
  CHECK_THAT(force.output, Catch::Contains("mapping.force") && Catch::Contains("'nosuch' is not a macro layer"));
  for (const char* o : {"o1", "o2", "o3", "o4"}) CHECK_FALSE(fs::exists(dir / o));
}

TEST_CASE("cimsim run with no arguments simulates the default workload", "[cli]") {
  const fs::path dir = cimsim::test::temp_dir("clirun");
  auto r = run("run --out " + (dir / "out").string());
  CHECK(r.status == 0);
  for (const char* s : {"cycles", "energy", "TOPS/W", "gated fraction", "match the reference", "accuracy"})
    CHECK_THAT(r.output, Catch::Contains(s));
  CHECK(fs::exists(dir / "out" / "report.json"));
  auto q = run("run --quiet --set arch.macro.hierarchy=[16,16] --out " + (dir / "q").string());
  CHECK(q.status == 0);
  CHECK(q.output == "");  // compared as a string, so that a failure prints what was written
}

TEST_CASE("cimsim validate prints every preset and writes the same table as CSV and JSON, twice alike", "[cli][validate]") {
  const fs::path dir = cimsim::test::temp_dir("clivalidate");
  auto a = run("validate --samples 8 --out " + (dir / "a").string());
  REQUIRE(a.status == 0);
  for (const char* s : {"dong2020", "khwa2018", "valavi2019", "yin2020_xnor_sram", "TOPS/W pub", "ratio"})
    CHECK_THAT(a.output, Catch::Contains(s));
  auto b = run("validate --samples 8 --out " + (dir / "b").string());
  REQUIRE(b.status == 0);
  for (const char* f : {"validation.csv", "validation.json"}) {
    std::ifstream fa(dir / "a" / f), fb(dir / "b" / f);
    const std::string sa((std::istreambuf_iterator<char>(fa)), {}), sb((std::istreambuf_iterator<char>(fb)), {});
    CHECK(!sa.empty());
    CHECK(sa == sb);
  }
  // An override reaches every preset: a lower supply raises every predicted efficiency.
  auto low = run("validate --samples 8 --set arch.supply_v=0.5 --out " + (dir / "c").string());
  REQUIRE(low.status == 0);
  const auto ja = nlohmann::json::parse(std::ifstream(dir / "a" / "validation.json"));
  const auto jc = nlohmann::json::parse(std::ifstream(dir / "c" / "validation.json"));
  REQUIRE(ja["presets"].size() == jc["presets"].size());
  for (std::size_t i = 0; i < ja["presets"].size(); ++i)
    CHECK(jc["presets"][i]["predicted"]["tops_per_w"].get<double>() > ja["presets"][i]["predicted"]["tops_per_w"].get<double>());
  auto bad = run("validate --samples 0 --out " + (dir / "d").string());
  CHECK(bad.status == 2);
  CHECK_FALSE(fs::exists(dir / "d"));
}
