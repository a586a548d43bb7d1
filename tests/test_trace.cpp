// The VCD trace: a valid file (parsed here) whose gating transitions are the ones the report
// counts, each at the cycle an operation started.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "helpers.hpp"
#include "arch/ttfs_array.hpp"
#include "sim/driver.hpp"

using namespace cimsim;
namespace fs = std::filesystem;

namespace {

struct Vcd {
  double unit_ns = 0;
  std::map<std::string, std::string> names;  // id -> signal name
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> changes;  // time, id, value
};

// A small VCD reader: header declarations, then #time and bBITS id changes. Throws on anything
// malformed, so that a passing test means a well-formed file.
Vcd parse_vcd(const fs::path& p) {
  std::ifstream f(p);
  REQUIRE(f);
  Vcd v;
  std::string tok;
  bool defs_done = false;
  uint64_t now = 0;
  bool have_time = false;
  while (f >> tok) {
    if (tok == "$comment") {  // comments may stand anywhere
      while (f >> tok && tok != "$end") {}
      continue;
    }
    if (!defs_done) {
      if (tok == "$timescale") {
        std::string num, end;
        f >> num;
        if (num == "1") f >> num;  // "1 ns" written as two tokens
        REQUIRE((num == "ns" || num == "ps" || num == "1ns" || num == "1ps"));
        v.unit_ns = num.find("ns") != std::string::npos ? 1.0 : 1e-3;
        f >> end;
        REQUIRE(end == "$end");
      } else if (tok == "$var") {
        std::string type, width, id, name, rest;
        f >> type >> width >> id >> name;
        while (f >> rest && rest != "$end") {}
        v.names[id] = name;
      } else if (tok == "$enddefinitions") {
        f >> tok;
        REQUIRE(tok == "$end");
        defs_done = true;
      }
      continue;
    }
    if (tok[0] == '#') {
      const uint64_t t = std::stoull(tok.substr(1));
      REQUIRE((!have_time || t >= now));  // time never goes back
      now = t;
      have_time = true;
    } else if (tok[0] == 'b') {
      std::string id;
      f >> id;
      REQUIRE(v.names.count(id) == 1);  // a change of a declared signal
      v.changes.emplace_back(now, id, std::stoull(tok.substr(1), nullptr, 2));
    } else if (tok == "$dumpvars" || tok == "$end") {
    } else {
      FAIL("unexpected VCD token " << tok);
    }
  }
  REQUIRE(defs_done);
  REQUIRE(v.unit_ns > 0);
  return v;
}

}  // namespace

TEST_CASE("a VCD trace is valid and shows gating transitions at the cycles the report counts", "[trace]") {
  std::mt19937 rng(21);
  test::NetBuilder b({32}, ValueKind::Bits);
  b.layer(LayerKind::Dense, 16, BitCode::Signed, 1, true, rng);
  b.layer(LayerKind::Dense, 8, BitCode::Signed, 1, false, rng);
  const auto x = test::random_inputs(b.net, 6, 0.3, rng);
  ChipParams chip;
  chip.macro.rows = 16;
  chip.macro.cols = 8;
  chip.macro.hierarchy = {4, 4};
  chip.macro.gate_cols = 4;
  chip.macros["cim3x3"] = 0;
  TraceOptions t;
  t.file = test::temp_dir("trace") / "run.vcd";
  t.from = 0;
  t.to = 1000000;
  const ChipOutcome o = run_chip(chip, b.net, x, t);
  const Vcd v = parse_vcd(t.file);
  const double period_units = double(chip.period_ps()) * 1e-3 / v.unit_ns;

  // Op starts: the phase signal leaving idle (0). Gating: a domain signal becoming 1 after the
  // window's first instant (at which every domain's state is written once).
  std::map<uint64_t, bool> op_start;
  uint64_t gates = 0, wakes = 0;
  for (const auto& [time, id, value] : v.changes) {
    const std::string& name = v.names.at(id);
    const double cycles = double(time) / period_units;
    CHECK(cycles == double(uint64_t(cycles)));  // on clock edges
    if (name == "phase" && value != 0) op_start[time] = true;
    if (name.rfind("domain_", 0) == 0 && time > 0) {
      if (value == 1) {
        ++gates;
        CHECK(op_start.count(time) == 1);  // a domain is gated when an operation starts
      }
      if (value == 2) ++wakes;
    }
  }
  CHECK(gates == o.run.total[Act::GateEvent]);
  CHECK(gates > 0);
  // Wake-ups at time 0 (the first weight write) are part of the initial state written there.
  CHECK(wakes <= o.run.total[Act::WakeEvent]);
  CHECK(wakes > 0);

  // A window keeps the trace small: the same run traced over 100 cycles has fewer changes.
  TraceOptions small = t;
  small.file = t.file.parent_path() / "window.vcd";
  small.from = 200;
  small.to = 300;
  run_chip(chip, b.net, x, small);
  const Vcd w = parse_vcd(small.file);
  CHECK(w.changes.size() < v.changes.size() / 4);
  for (const auto& [time, id, value] : w.changes)
    if (time > 0) CHECK((double(time) / period_units >= 200 && double(time) / period_units <= 300));
}

TEST_CASE("a TTFS trace shows each layer's phases and its spikes as they fire", "[trace][ttfs]") {
  TtfsNetwork net;
  net.input_shape = {3};
  TtfsLayer a;
  a.name = "a";
  a.op_type = "TTFSDense";
  a.in = 3;
  a.out = 4;
  a.w = {0.9, 0.5, 0.3, 0.2, 0.4, 0.8, 0.6, 0.7, 0.1, 0.5, 0.3, 0.9};
  net.layers = {a};
  const std::vector<std::vector<double>> x = {{0.1, 0.3, 0.5}, {0.0, 0.2, 0.9}};
  TtfsParams p;
  p.reset_cycles = 10;
  p.window_cycles = 20;
  const auto file = test::temp_dir("ttfs-trace") / "ttfs.vcd";
  uint64_t spikes = 0;
  {
    const test::Context context;
    const sc_core::sc_time period(2, sc_core::SC_NS);
    TtfsChip chip("ttfs", net, x, p, period);
    sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file((file.string() + ".tmp").c_str());
    tf->set_time_unit(1.0, sc_core::SC_NS);
    chip.enable_trace(tf, 0, 100000);
    sc_core::sc_start();
    sc_core::sc_start(period);  // the changes at the last cycle are written as time moves on
    sc_core::sc_close_vcd_trace_file(tf);
    spikes = chip.result().layers[0].spikes;
  }
  std::filesystem::rename(file.string() + ".tmp.vcd", file);
  const Vcd v = parse_vcd(file);
  // Phases of sample s (period 50 cycles of 2 ns): reset at 50 s, accumulate at 50 s + 10,
  // fire at 50 s + 30; the spike count rises in the firing window and returns to 0 at its end.
  std::map<uint64_t, uint64_t> phase;
  uint64_t max_count = 0, counted = 0, last = 0;
  for (const auto& [time, id, value] : v.changes) {
    const uint64_t cycle = uint64_t(double(time) * v.unit_ns / 2.0);
    if (v.names.at(id) == "phase") phase[cycle] = value;
    if (v.names.at(id) == "spikes") {
      if (value > 0) {
        CHECK(((cycle >= 30 && cycle < 50) || (cycle >= 80 && cycle < 100)));
        CHECK(value > last);  // spikes in one cycle show as one step
      } else if (last > 0) {
        counted += last;
      }
      last = value;
      max_count = std::max<uint64_t>(max_count, value);
    }
  }
  CHECK(phase[0] == 1);
  CHECK(phase[10] == 2);
  CHECK(phase[30] == 3);
  CHECK(phase[50] == 1);
  CHECK(phase[100] == 0);
  CHECK(counted == spikes);
  CHECK(spikes > 0);
}
