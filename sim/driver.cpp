#include "sim/driver.hpp"

#include <fmt/format.h>
#include <malloc.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <thread>
#include <fstream>
#include <map>
#include <memory>

#include "arch/cim_macro.hpp"
#include "arch/hierarchy.hpp"
#include "arch/sc_context.hpp"
#include "arch/stop.hpp"
#include "arch/ttfs_array.hpp"
#include "power/ttfs_energy.hpp"
#include "arch/readout.hpp"
#include "power/area.hpp"
#include "power/tech.hpp"
#include "sim/chunks.hpp"
#include "sim/worker_pool.hpp"
#include "workloads/atomic_file.hpp"
#include "workloads/errors.hpp"
#include "workloads/tensor.hpp"

namespace cimsim {
namespace fs = std::filesystem;

namespace {
int g_chip_workers = 0;  // 0: one per core
int worker_limit() { return g_chip_workers > 0 ? g_chip_workers : std::max(1, int(std::thread::hardware_concurrency())); }
}  // namespace

void set_chip_workers(int n) { g_chip_workers = n; }

namespace {

double ratio(uint64_t a, uint64_t b) { return b ? double(a) / double(b) : 0.0; }

Stalls stalls_of(const MacroCounters& c) {
  return {c[Stat::StallWakeup], c[Stat::StallReadout], c[Stat::StallBuffer], c[Stat::StallWeightWrite], c[Stat::StallMemory]};
}

// Index of the largest value; the first one on ties.
int64_t argmax(const double* v, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

// Samples [s0, s1)'s input vectors (`numel` elements each) of a workload.
std::vector<std::vector<double>> sample_inputs(const Workload& w, int64_t numel, int64_t s0, int64_t s1) {
  std::vector<std::vector<double>> inputs(static_cast<std::size_t>(s1 - s0));
  for (std::size_t s = 0; s < inputs.size(); ++s) {
    const int64_t at = (s0 + int64_t(s)) * numel;
    inputs[s].assign(w.inputs.begin() + std::ptrdiff_t(at), w.inputs.begin() + std::ptrdiff_t(at + numel));
  }
  return inputs;
}

FunctionReport check_function(const RunConfig& cfg, const Workload& w, const std::vector<double>& hw,
                              bool lossless) {
  FunctionReport f;
  f.samples = w.samples;
  f.tolerance = cfg.tolerance;
  f.readout_lossless = lossless;
  const int64_t n = w.net.output_numel();
  int64_t correct = 0, ref_correct = 0;
  for (int64_t s = 0; s < w.samples; ++s) {
    bool ok = true;
    for (int64_t i = 0; i < n; ++i) {
      const double ref = w.references[std::size_t(s * n + i)];
      // The hardware's outputs are written as float32, so compare what is written.
      const double got = double(float(hw[std::size_t(s * n + i)]));
      const double err = std::fabs(got - ref);
      f.max_abs_error = std::max(f.max_abs_error, err);
      if (err > cfg.tolerance * std::max(1.0, std::fabs(ref))) ok = false;
    }
    if (!ok) ++f.mismatched_samples;
    if (!w.labels.empty()) {
      correct += argmax(&hw[std::size_t(s * n)], n) == w.labels[std::size_t(s)];
      ref_correct += argmax(&w.references[std::size_t(s * n)], n) == w.labels[std::size_t(s)];
    }
  }
  f.outputs_match_reference = f.mismatched_samples == 0;
  if (!w.labels.empty() && w.samples > 0) {
    f.accuracy = double(correct) / double(w.samples);
    f.reference_accuracy = double(ref_correct) / double(w.samples);
  }
  return f;
}

}  // namespace

namespace {

// Bytes of memory available now (MemAvailable), or 0 when unknown.
uint64_t available_memory() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (f >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

// Binary outputs of one sample over the binarized macro layers.
uint64_t binary_output_bits(const Network& net) {
  uint64_t bits = 0;
  for (const auto& L : net.layers)
    if (L.binarized) bits += uint64_t(net.values[std::size_t(L.output)].numel());
  return bits;
}

// Samples whose binarized layers' outputs a noisy run keeps in each pass (up to 32 MiB of bits).
int64_t flip_record_samples(const Workload& w) {
  const uint64_t bits = binary_output_bits(w.net), cap = uint64_t{32} << 23;
  return bits > 0 ? std::min<int64_t>(w.samples, int64_t(std::max<uint64_t>(1, cap / bits))) : 0;
}

// Refuses, before allocating, a run that needs more memory than the machine has free: per worker
// process (`workers` of them at once, each simulating a chunk of `samples` samples) the
// controller's values and temporaries, and every macro's cells and domains (with noise, each
// macro's mismatch table, 4 bytes a cell); and the recorded activations.
void check_memory(const Workload& w, const ChipParams& chip, int64_t samples, int64_t workers) {
  uint64_t macro_bytes = 0;
  for (const auto& k : macro_kinds()) {
    const MacroParams g = k.geometry(chip);
    macro_bytes += uint64_t(chip.count(k.name)) *
                   (uint64_t(g.rows) * uint64_t(g.cols) / 8 + uint64_t(Hierarchy(g).domains()) * 48 +
                    (chip.macro.noise.on ? uint64_t(g.rows) * uint64_t(g.cols) * 4 : 0));
  }
  // The recorded activations: the exact pass's and the noisy worker's, as received.
  const uint64_t record =
      chip.macro.noise.on ? 2 * uint64_t(flip_record_samples(w)) * (binary_output_bits(w.net) / 8 + 8) : 0;
  const uint64_t one = Controller::estimate_peak_bytes(w.net, uint64_t(samples), chip.overlap) + macro_bytes;
  const uint64_t need = one * uint64_t(std::max<int64_t>(1, workers)) + record;
  const uint64_t have = available_memory();
  if (have > 0 && need > have) {
    throw InputError(fmt::format("{}: simulating chunks of {} samples in {} worker processes needs about {:.1f} GiB "
                                 "of memory, but {:.1f} GiB are available; use a smaller run.chunk, fewer --jobs or "
                                 "a smaller network",
                                 w.dir.string(), samples, std::max<int64_t>(1, workers), double(need) / double(1ull << 30),
                                 double(have) / double(1ull << 30)));
  }
}

}  // namespace

namespace {

// Each step's share of a chip run (its MACs times input bit planes; digital steps by their output
// elements), to turn the controller's Progress into a fraction and a label.
class StepWeights {
 public:
  explicit StepWeights(const Network& net) : m_net(net) {
    for (const Step& st : net.steps) {
      const double w = st.macro ? double(net.layers[std::size_t(st.index)].macs_per_sample() * net.layers[std::size_t(st.index)].in_bits)
                                : double(net.values[std::size_t(net.digital[std::size_t(st.index)].output)].numel());
      m_before.push_back(m_total);
      m_weight.push_back(w);
      m_total += w;
    }
  }
  double fraction(const Progress& p) const {
    const std::size_t steps = m_net.steps.size(), done = p.steps_done;
    return done >= steps ? 1.0 : (m_before[done] + m_weight[done] * double(p.step_ppm) * 1e-6) / std::max(1.0, m_total);
  }
  std::string label(const Progress& p) const {
    const std::size_t steps = m_net.steps.size(), done = p.steps_done;
    if (done >= steps) return fmt::format("step {}/{}", steps, steps);
    const Step& st = m_net.steps[done];
    return fmt::format("step {}/{} {}", done + 1, steps,
                       st.macro ? m_net.layers[std::size_t(st.index)].name : m_net.digital[std::size_t(st.index)].name);
  }

 private:
  const Network& m_net;
  std::vector<double> m_before, m_weight;
  double m_total = 0;
};

// Draws "[#####.....]  40% chunk 2/8 step 3/15 /conv2/Conv, 12 s left" on standard error from
// 2 s into a run; `probe` gives the fraction done and the label.
class ProgressBar {
 public:
  using Probe = std::function<std::pair<double, std::string>()>;
  ProgressBar(Probe probe, bool enabled) : m_probe(std::move(probe)) {
    if (enabled && ::isatty(2)) m_thread = std::thread([this] { loop(); });
  }
  ~ProgressBar() {
    m_done = true;
    if (m_thread.joinable()) m_thread.join();
  }

 private:
  void loop() {
    const auto t0 = std::chrono::steady_clock::now();
    bool drawn = false;
    while (!m_done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (el < 2.0 || m_done) continue;
      const auto [f, label] = m_probe();
      const double frac = std::clamp(f, 0.0, 1.0);
      const int fill = int(30 * frac);
      fmt::print(stderr, "\r[{}{}] {:3.0f}% {:<40.40}, {:.0f} s left ", std::string(std::size_t(fill), '#'),
                 std::string(std::size_t(30 - fill), '.'), 100 * frac, label, frac > 0 ? el / frac - el : 0.0);
      drawn = true;
    }
    if (drawn) fmt::print(stderr, "\r{:100}\r", "");
  }
  Probe m_probe;
  std::atomic<bool> m_done{false};
  std::thread m_thread;
};


}  // namespace

namespace {

// SystemC writes a trace as it goes: into a temporary name, renamed once it is closed.
fs::path partial_trace(const TraceOptions& t) { return t.file.string() + fmt::format(".partial-{}", ::getpid()); }

sc_core::sc_trace_file* open_trace(const TraceOptions& t, const ChipParams& chip) {
  if (t.file.empty()) return nullptr;
  if (t.file.has_parent_path()) fs::create_directories(t.file.parent_path());
  sc_core::sc_trace_file* tf = sc_core::sc_create_vcd_trace_file(partial_trace(t).c_str());
  tf->set_time_unit(1.0, chip.period_ps() % 1000 == 0 ? sc_core::SC_NS : sc_core::SC_PS);
  return tf;
}

// Closes the trace and gives it its name (none when stopped). The changes of the last cycle
// are written only once time moves on: one more cycle is simulated (no process has work left).
void close_trace(sc_core::sc_trace_file* tf, const TraceOptions& t, const ChipParams& chip) {
  sc_core::sc_start(sc_core::sc_time(double(chip.period_ps()), sc_core::SC_PS));
  sc_core::sc_close_vcd_trace_file(tf);
  std::error_code ec;
  const fs::path tmp = partial_trace(t).string() + ".vcd";
  if (stop_requested()) fs::remove(tmp, ec);
  else fs::rename(tmp, t.file, ec);
  if (ec) throw SimulationError(fmt::format("cannot write the trace {}: {}", t.file.string(), ec.message()));
}

}  // namespace

void keep_freed_memory() {
  static const bool once = [] {
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)once;
}

ChipOutcome run_chip(const ChipParams& chip, const Network& net, const std::vector<std::vector<double>>& inputs,
                     const TraceOptions& trace, Progress* progress) {
  keep_freed_memory();
  ChipOutcome o;
  {
    const ScContext context;
    const sc_core::sc_time period(double(chip.period_ps()), sc_core::SC_PS);
    // The chip: its macros of every registered kind, the buffers, the vector unit, the controller.
    std::vector<std::unique_ptr<MacroModule>> macros;
    std::vector<const MacroKind*> kinds;
    for (const auto& k : macro_kinds())
      for (int64_t i = 0; i < chip.count(k.name); ++i) {
        macros.push_back(k.make(fmt::format("{}_{}", k.name, i).c_str(), chip, period));
        kinds.push_back(&k);
      }
    Buffer input("input_buffer", chip.input_buffer, period), output("output_buffer", chip.output_buffer, period),
        weights("weight_buffer", chip.weight_buffer, period, Act::WeightReadBit);
    VectorUnit vector("vector_unit", chip.digital_lanes, period);
    VectorUnit mac("mac_unit", chip.mac_lanes, period, Act::DigitalMacBit);
    // The off-chip memory: a port of its bandwidth in bits per cycle (arch.memory).
    const BufferParams memory_port{0, chip.memory.on() ? chip.memory.bits_per_cycle(chip.clock_mhz) : 1};
    std::optional<Buffer> memory;
    if (chip.memory.on()) memory.emplace("offchip_memory", memory_port, period, Act::DramReadBit, Act::DramWriteBit);
    auto ctrl = std::make_unique<Controller>("controller", net, inputs, chip, kinds, progress);
    for (auto& m : macros) ctrl->macros.bind(m->op_target);
    ctrl->input_buffer.bind(input.port);
    ctrl->output_buffer.bind(output.port);
    ctrl->weight_buffer.bind(weights.port);
    ctrl->vector_unit.bind(vector.port);
    ctrl->mac_unit.bind(mac.port);
    if (memory) ctrl->memory.bind(memory->port);
    sc_core::sc_trace_file* tf = open_trace(trace, chip);
    if (tf)
      for (auto& m : macros) m->enable_trace(tf, trace.from, trace.to);
    sc_core::sc_start();
    if (tf) close_trace(tf, trace, chip);
    o.run = ctrl->result();
    if (memory) o.run.total[Stat::MemoryBusyCycles] = memory->busy_cycles();
    for (const auto& m : macros) {
      const auto& h = m->count_histogram();
      if (h.size() > o.count_histogram.size()) o.count_histogram.resize(h.size(), 0);
      for (std::size_t i = 0; i < h.size(); ++i) o.count_histogram[i] += h[i];
    }
  }
  const auto readout = make_readout(chip.readout, chip.macro);
  o.readout_bits = readout->resolution_bits();
  o.readout_levels = readout->resolution_levels();
  o.readout_range = readout->full_scale();
  // One read-out per node of the read-out level and per converter of its columns.
  const int64_t share = readout->columns_per_converter();
  o.converters = Hierarchy(chip.macro).nodes(chip.macro.readout_at()) * ((chip.macro.cols + share - 1) / share);
  // Lossy only when a macro that uses the configured read-out is on the chip (dcim trees are exact).
  o.lossless = true;
  for (const auto& k : macro_kinds())
    if (k.adc_readout && chip.count(k.name) > 0) o.lossless = readout->lossless();
  // Analog accumulation widens a conversion's range: pulse trains of every input plane and the
  // charge-shared slices of a weight.
  if (chip.readout.analog_accumulate && o.lossless && chip.readout.converter())
    for (const auto& L : net.layers) {
      const std::string forced = chip.forced(L.name);
      if (!forced.empty() && !find_macro_kind(forced)->adc_readout) continue;  // not on an analog macro
      if (L.in_bits >= 31 || L.slices() >= 31) {
        o.lossless = false;
        continue;
      }
      const int64_t full = readout->full_scale() * ((int64_t{1} << L.in_bits) - 1) * ((int64_t{1} << L.slices()) - 1);
      if (readout->resolution_levels() - 1 < full) o.lossless = false;
    }
  o.readout_kind = readout->kind();
  if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
  if (!o.run.complete)
    throw SimulationError(fmt::format("the controller finished {} of {} steps", o.run.steps_done, net.steps.size()));
  return o;
}

namespace {

// TTFS networks: the chip of TTFS arrays, priced from the circuit values, checked against the
// exported spike times (first spike wins; ties go to the larger v(1)).
RunResult simulate_ttfs(const RunConfig& cfg, const Workload& w, const TraceOptions& trace) {
  if (cfg.chip.memory.on())
    throw InputError(fmt::format("key 'arch.memory.kind': {}: the off-chip memory is modelled for macro chips, not for "
                                 "TTFS arrays; use none with a TTFS workload", cfg.chip.memory.kind));
  const TtfsNetwork& net = w.ttfs;
  const std::vector<SampleChunk> chunks = sample_chunks(w.samples, cfg.chunk);
  std::vector<WorkerTask> tasks;
  for (const SampleChunk& k : chunks)
    tasks.push_back([&cfg, &w, &net, &trace, k] {
      const std::vector<std::vector<double>> inputs = sample_inputs(w, net.input_numel(), k.s0, k.s1);
      const ScContext context;
      const sc_core::sc_time period(double(cfg.chip.period_ps()), sc_core::SC_PS);
      auto chip = array_kinds().front().make("ttfs", net, inputs, cfg.ttfs, period);
      sc_core::sc_trace_file* tf = k.index == 0 ? open_trace(trace, cfg.chip) : nullptr;
      if (tf) chip->enable_trace(tf, trace.from, trace.to);
      sc_core::sc_start();
      if (tf) close_trace(tf, trace, cfg.chip);
      if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
      return encode_ttfs(chip->result());
    });
  std::vector<std::string> results = run_tasks(tasks, worker_limit());
  TtfsRun run;
  for (std::string& bytes : results) {
    append_chunk(run, decode_ttfs(bytes));
    std::string().swap(bytes);
  }
  if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");

  RunResult res;
  Report& r = res.report;
  const double period_ns = double(cfg.chip.period_ps()) * 1e-3;
  r.workload = w.name;
  r.arch.tech = "ttfs";
  r.arch.clock_mhz = cfg.chip.clock_mhz;
  r.arch.readout = "ttfs";
  TtfsSummary t;
  t.solver = cfg.ttfs.solver;
  t.dstd_steps = cfg.ttfs.solver == "dstd" ? cfg.ttfs.dstd_steps : 0;
  t.e_rev_pos = cfg.ttfs.override_e_rev ? cfg.ttfs.e_pos : net.layers[0].e_pos;
  t.e_rev_neg = cfg.ttfs.override_e_rev ? cfg.ttfs.e_neg : net.layers[0].e_neg;
  t.pipelined = run.pipelined;
  t.arrays_needed = run.arrays_needed;
  uint64_t neurons_all = 0, hidden_neurons = 0, hidden_spikes = 0;
  r.prices = run_prices(cfg, true);
  Counts total;
  for (std::size_t l = 0; l < net.layers.size(); ++l) {
    const TtfsLayer& ly = net.layers[l];
    const TtfsCounters& c = run.layers[l];
    LayerReport lr;
    lr.name = ly.name;
    lr.kind = ly.op_type == "TTFSConv" ? "ttfs_conv" : "ttfs_dense";
    lr.op_type = ly.op_type;
    lr.macro = "ttfs_array";
    lr.row_tiles = int(c.tiles);
    lr.col_tiles = int(c.passes);
    lr.cycles = c.cycles;
    lr.ops = c.neurons_windows;
    lr.macs = uint64_t(ly.neurons() * ly.in) * uint64_t(w.samples);
    lr.start_cycle = c.start;
    lr.end_cycle = c.end;
    lr.actions = {{"ttfs", ttfs_counts(c, ly.neurons())}};
    lr.energy = price_groups(lr.actions, r.prices, {});
    lr.energy_pj = lr.energy.total();
    for (const auto& count : lr.actions[0].second) {
      auto it = std::find_if(total.begin(), total.end(), [&](const auto& e) { return e.first == count.first; });
      if (it == total.end()) total.push_back(count);
      else it->second += count.second;
    }
    r.macs += lr.macs;
    TtfsLayerSummary ls;
    ls.name = ly.name;
    ls.neurons = ly.neurons();
    ls.spikes = c.spikes;
    ls.synaptic_events = c.synaptic_events;
    ls.spikes_per_neuron = double(c.spikes) / double(std::max<uint64_t>(1, uint64_t(ly.neurons()) * uint64_t(w.samples)));
    ls.raster = run.first_sample[l];
    t.spikes += c.spikes;
    t.synaptic_events += c.synaptic_events;
    neurons_all += uint64_t(ly.neurons());
    if (l + 1 < net.layers.size()) {
      hidden_neurons += uint64_t(ly.neurons());
      hidden_spikes += c.spikes;
    }
    t.layers.push_back(std::move(ls));
    r.layers.push_back(std::move(lr));
  }
  t.spikes_per_neuron = double(t.spikes) / double(std::max<uint64_t>(1, neurons_all * uint64_t(w.samples)));
  t.spikes_per_hidden_neuron = double(hidden_spikes) / double(std::max<uint64_t>(1, hidden_neurons * uint64_t(w.samples)));
  // Totals: the layers' actions add up; the time is the pipeline's.
  r.cycles = run.cycles;
  r.time_ns = double(r.cycles) * period_ns;
  r.actions = {{"ttfs", total}};
  r.energy = price_groups(r.actions, r.prices, {});
  r.energy_pj = r.energy.total();
  double layer_energy = 0;
  for (const auto& l : r.layers) layer_energy += l.energy_pj;
  r.unattributed_pj = r.energy_pj - layer_energy;
  r.tops_per_w = r.energy_pj > 0 ? 2.0 * double(r.macs) / r.energy_pj : 0.0;
  r.area = ttfs_chip_area(cfg.ttfs, cfg.ttfs_circuit);
  r.tops_per_mm2 = r.time_ns > 0 ? 2.0 * double(r.macs) / r.time_ns * 1e-3 / r.area->mm2() : 0.0;
  r.ttfs = t;

  // Function: spike times against the reference, and the class that spikes first.
  FunctionReport& f = r.function;
  f.samples = w.samples;
  f.tolerance = cfg.tolerance;
  const int64_t n = int64_t(run.outputs.size()) / std::max<int64_t>(1, w.samples);
  int64_t correct = 0, ref_correct = 0, ties = 0;
  for (int64_t s = 0; s < w.samples; ++s) {
    bool ok = true;
    int64_t best = 0, ref_best = 0, ref_at_best = 0;
    for (int64_t i = 0; i < n; ++i) {
      const std::size_t k = std::size_t(s * n + i);
      const double got = double(float(run.outputs[k])), ref = std::min(1.0, w.references[k]);
      f.max_abs_error = std::max(f.max_abs_error, std::fabs(got - ref));
      if (std::fabs(got - ref) > cfg.tolerance) ok = false;
      const std::size_t b = std::size_t(s * n + best);
      if (run.outputs[k] < run.outputs[b] || (run.outputs[k] == run.outputs[b] && run.out_v1[k] > run.out_v1[b])) best = i;
      if (w.references[k] < w.references[std::size_t(s * n + ref_best)]) ref_best = i;
    }
    for (int64_t i = 0; i < n; ++i) ref_at_best += w.references[std::size_t(s * n + i)] == w.references[std::size_t(s * n + ref_best)];
    ties += ref_at_best > 1;
    if (!ok) ++f.mismatched_samples;
    if (!w.labels.empty()) {
      correct += best == w.labels[std::size_t(s)];
      ref_correct += ref_best == w.labels[std::size_t(s)];
    }
  }
  f.outputs_match_reference = f.mismatched_samples == 0;
  if (!w.labels.empty() && w.samples > 0) {
    f.accuracy = double(correct) / double(w.samples);
    f.reference_accuracy = double(ref_correct) / double(w.samples);
    f.reference_ties = ties;
  }
  res.chip.outputs = run.outputs;
  return res;
}

}  // namespace

std::vector<std::pair<std::string, PriceTable>> run_prices(const RunConfig& cfg, bool ttfs) {
  const ChipParams& chip = cfg.chip;
  const double period_ns = double(chip.period_ps()) * 1e-3;
  if (ttfs) return {{"ttfs", ttfs_prices(cfg.ttfs_circuit, period_ns)}};
  const auto readout = make_readout(chip.readout, chip.macro);
  std::vector<std::pair<std::string, PriceTable>> tables;
  for (const auto& k : macro_kinds()) {
    if (chip.count(k.name) == 0) continue;
    MacroParams g = k.geometry(chip);
    g.supply_v = chip.macro.supply_v;
    const int64_t bits = k.adc_readout ? readout->resolution_bits() : lossless_bits(g.rows);
    const int64_t levels = k.adc_readout ? readout->resolution_levels() : 0;
    tables.emplace_back(k.name, macro_prices(cfg.tech, g, bits, levels, period_ns,
                                             k.adc_readout && chip.readout.converter() ? chip.readout.kind : "adc"));
  }
  tables.emplace_back("periphery", periphery_prices(cfg.tech, chip.macro.supply_v, chip.memory));
  return tables;
}

namespace {
// The read-error counters of a macro's counters.
struct ReadCounts {
  uint64_t reads = 0, pos = 0, neg = 0, sq = 0, wrong = 0;
};

ReadCounts read_counts(const MacroCounters& c) {
  return {c[Stat::ReadChecks], c[Stat::ReadErrPos], c[Stat::ReadErrNeg], c[Stat::ReadErrSq], c[Stat::ReadErrNonzero]};
}

ReadErrors read_errors_of(const ReadCounts& c) {
  ReadErrors e;
  e.reads = c.reads;
  e.reads_wrong = c.wrong;
  if (e.reads == 0) return e;
  const double n = double(e.reads);
  e.mean_lsb = (double(c.pos) - double(c.neg)) / n;
  e.sigma_lsb = std::sqrt(std::max(0.0, double(c.sq) / n - e.mean_lsb * e.mean_lsb));
  return e;
}
}  // namespace



int64_t percentile_count(const std::vector<uint64_t>& hist, double percentile) {
  uint64_t total = 0;
  for (uint64_t h : hist) total += h;
  if (total == 0) return 0;
  // The smallest count c with at least `percentile` % of the conversions at or below it.
  const double need = percentile / 100.0 * double(total);
  uint64_t below = 0;
  for (std::size_t c = 0; c < hist.size(); ++c) {
    below += hist[c];
    if (double(below) >= need - 1e-9 * double(total)) return int64_t(c);
  }
  return int64_t(hist.size()) - 1;
}

namespace {

// One chip simulated over a run's sample chunks: the exact pass, a noisy chip instance, or the
// baseline of channel reordering.
struct ChipJob {
  ChipParams chip;
  bool traced = false;  // writes the trace (of its first chunk)
  bool shown = false;   // its steps drive the progress bar (when the chunks run in this process)
};

// Every job over every chunk, as tasks of the worker pool; each job's chunks joined in order.
std::vector<ChipOutcome> simulate_chunks(const std::vector<ChipJob>& jobs, const Workload& w,
                                         const std::vector<SampleChunk>& chunks, const TraceOptions& trace,
                                         bool show_progress) {
  const int limit = worker_limit();
  const bool here = limit <= 1 || jobs.size() * chunks.size() <= 1;
  Progress progress;
  std::atomic<std::size_t> done{0}, current{0};
  const std::size_t total = jobs.size() * chunks.size();
  std::vector<WorkerTask> tasks;
  for (const ChipJob& job : jobs)
    for (const SampleChunk& k : chunks)
      tasks.push_back([&w, &job, k, &trace, &progress, &current, here] {
        const ChipParams c = chunk_chip(job.chip, k);
        const bool shown = here && job.shown;
        if (shown) {
          progress.steps_done = 0;
          progress.step_ppm = 0;
          current = std::size_t(k.index);
        }
        return encode_outcome(run_chip(c, w.net, sample_inputs(w, w.net.input_numel(), k.s0, k.s1),
                                       job.traced && k.index == 0 ? trace : TraceOptions{}, shown ? &progress : nullptr));
      });
  const StepWeights steps(w.net);
  ProgressBar bar(
      [&]() -> std::pair<double, std::string> {
        const double d = double(done);
        if (!here) return {d / double(total), fmt::format("{} of {} chunk runs, {} workers", done.load(), total, limit)};
        return {(d + steps.fraction(progress)) / double(total),
                fmt::format("chunk {}/{} {}", current.load() + 1, chunks.size(), steps.label(progress))};
      },
      show_progress);
  std::vector<std::string> results = run_tasks(tasks, limit, &done);
  std::vector<ChipOutcome> out(jobs.size());
  for (std::size_t j = 0; j < jobs.size(); ++j)
    for (std::size_t k = 0; k < chunks.size(); ++k) {
      std::string& bytes = results[j * chunks.size() + k];
      append_chunk(out[j], decode_outcome(bytes));
      std::string().swap(bytes);
    }
  return out;
}

}  // namespace

RunResult simulate(const RunConfig& cfg, const Workload& w, const TraceOptions& trace, bool progress) {
  if (w.is_ttfs) return simulate_ttfs(cfg, w, trace);
  if (cfg.chip.readout.range_percentile > 0) {
    // A derived range: a noiseless calibration run with the full range over the first samples
    // gives the counts the read-outs convert; the run proper clips at their percentile.
    RunConfig cal = cfg;
    cal.chip.readout.range_percentile = 0;
    cal.chip.readout.collect_counts = true;
    cal.chip.macro.noise.on = false;
    cal.chip.reorder_channels = false;
    const int64_t k = std::min(w.samples, cfg.chip.readout.range_samples);
    ChipOutcome o;
    if (cal.chip.readout.converter()) {
      const std::vector<SampleChunk> chunks = sample_chunks(k, cfg.chunk);
      check_memory(w, cal.chip, chunks.front().size(), std::min<int64_t>(int64_t(chunks.size()), worker_limit()));
      o = std::move(simulate_chunks({{cal.chip}}, w, chunks, {}, false).front());
    }
    // The range changes no noise parameter (those follow the signal per count and the timing).
    RunConfig run = cfg;
    run.chip.readout.range_percentile = 0;
    run.chip.readout.range = o.count_histogram.empty()  // no analog read-out to calibrate
                                 ? 0
                                 : std::max<int64_t>(1, percentile_count(o.count_histogram, cfg.chip.readout.range_percentile));
    RunResult r = simulate(run, w, trace, progress);
    r.report.arch.range_percentile = cfg.chip.readout.range_percentile;
    r.report.arch.range_samples = k;
    return r;
  }
  const ChipParams& chip = cfg.chip;
  for (const auto& forced : chip.force_kind) {
    const std::string& name = forced.first;
    if (std::none_of(w.net.layers.begin(), w.net.layers.end(), [&](const LayerSpec& L) { return L.name == name; })) {
      std::string names;
      for (const auto& L : w.net.layers) names += (names.empty() ? "" : ", ") + L.name;
      throw InputError(fmt::format("{}: key 'mapping.force': layer '{}' is not a macro layer of {} (its layers: {})",
                                   cfg.config_file.string(), name, w.dir.string(), names));
    }
  }
  // The exact path (the report's timing, energy and function check) runs without the read-out's
  // noise; with arch.analog.noise on, more passes of the same chip give the noisy hardware, one
  // per chip instance. The exact pass and the reported instance keep their binarized layers'
  // outputs of the first samples (up to 32 MiB), to count the activations the noise flips.
  ChipParams exact = chip;
  exact.macro.noise.on = false;
  std::vector<ChipJob> jobs;
  if (chip.macro.noise.on) exact.record_samples = flip_record_samples(w);
  jobs.push_back({exact, true, true});
  if (chip.macro.noise.on)
    for (int64_t i = 0; i < chip.macro.noise.chips; ++i) {
      ChipParams c = chip;
      c.macro.noise.seed = chip.macro.noise.seed + uint64_t(i);
      c.record_samples = i == 0 ? exact.record_samples : 0;  // only the reported instance's outputs are compared
      jobs.push_back({c});
    }
  if (chip.reorder_channels) {
    // The same chip without reordering, for the gated fractions it would have had.
    ChipParams plain = exact;
    plain.reorder_channels = false;
    plain.record_samples = 0;
    jobs.push_back({plain});
  }
  const std::vector<SampleChunk> chunks = sample_chunks(w.samples, cfg.chunk);
  check_memory(w, chip, chunks.front().size(), std::min<int64_t>(int64_t(jobs.size() * chunks.size()), worker_limit()));
  std::vector<ChipOutcome> outcomes = simulate_chunks(jobs, w, chunks, trace, progress);
  ChipOutcome& chip_run = outcomes.front();  // run_chip refused an incomplete chunk already
  RunResult res;
  res.chip = std::move(chip_run.run);
  const double period_ns = double(chip.period_ps()) * 1e-3;

  Report& r = res.report;
  r.workload = w.name;
  r.arch.tech = cfg.tech.name;
  r.arch.clock_mhz = chip.clock_mhz;
  r.arch.rows = chip.macro.rows;
  r.arch.cols = chip.macro.cols;
  r.arch.hierarchy = chip.macro.hierarchy;
  r.arch.lsb_mv = lsb_per_level_mv(cfg.tech, chip.macro);
  r.arch.segment_cap_ff = derive_prices(cfg.tech, chip.macro, 1).segment_cap_ff;
  r.arch.timing = chip.macro.timing;
  r.arch.precharge_cycles = chip.macro.cycles.precharge;
  r.arch.evaluate_cycles = chip.macro.cycles.evaluate;
  for (int l = 1; l <= chip.macro.readout_at(); ++l) r.arch.merge_cycles.push_back(chip.macro.merge(l));
  r.arch.phase_times = derive_phase_times(cfg.tech, chip.macro);
  r.arch.gating_level = chip.macro.gating_level;
  r.arch.gate_cols = chip.macro.gate_cols;
  r.arch.domains = Hierarchy(chip.macro).domains();
  for (const auto& k : macro_kinds()) r.arch.macros.emplace_back(k.name, chip.count(k.name));
  r.arch.chip = describe_macros(chip);
  r.arch.schedule = chip.overlap ? "overlap" : "sequential";
  r.arch.weights_resident = res.chip.weights_resident;
  r.arch.reorder_channels = chip.reorder_channels;
  r.arch.readout = chip_run.readout_kind;
  r.arch.readout_bits = chip_run.readout_bits;
  r.arch.readout_level = chip.macro.readout_at();
  r.arch.readout_range = chip_run.readout_range;
  r.arch.converters = chip_run.converters;
  r.arch.adc_share = chip.readout.converter() ? chip.readout.share : 0;
  r.prices = run_prices(cfg, false);
  EnergyBreakdown zero = empty_breakdown(chip.macro.hierarchy.size());
  if (chip.memory.on())  // every step lists the off-chip components, as the totals do
    for (const char* c : {"offchip", "offchip_weight_load"}) zero.items.emplace_back(c, 0.0);
  double layer_energy = 0;
  for (const auto& l : res.chip.layers) {
    LayerReport lr;
    lr.name = l.name;
    lr.kind = l.kind;
    lr.op_type = l.op_type;
    lr.macro = l.macro;
    lr.row_tiles = l.row_tiles;
    lr.col_tiles = l.col_tiles;
    lr.cycles = l.cycles;
    lr.start_cycle = l.start;
    lr.end_cycle = l.end;
    lr.ops = l.counters[Stat::Ops];
    lr.macro_busy_cycles = l.counters[Stat::Cycles];
    lr.weight_writes = l.weight_writes;
    lr.macs = l.macs;
    if (l.macro != "periphery" && l.macro != "digital-mac") lr.actions.emplace_back(l.macro, macro_counts(l.counters));
    lr.actions.emplace_back("periphery", periphery_counts(l.counters));
    lr.energy = price_groups(lr.actions, r.prices, zero);
    lr.energy_pj = lr.energy.total();
    layer_energy += lr.energy_pj;
    lr.gated_fraction_ops = ratio(l.counters[Stat::DomainSkips], l.counters[Stat::DomainEvals]);
    lr.gated_fraction_time = ratio(l.counters[Stat::DomainCyclesGated],
                                   l.counters[Stat::DomainCyclesOn] + l.counters[Stat::DomainCyclesGated]);
    lr.utilisation = ratio(l.counters[Stat::DomainEvalsUsed], l.counters[Stat::DomainEvals]);
    lr.gated_fraction_data = ratio(l.counters[Stat::DomainSkipsUsed], l.counters[Stat::DomainEvalsUsed]);
    lr.stalls = stalls_of(l.counters);
    lr.gate_events = l.counters[Act::GateEvent];
    lr.wake_events = l.counters[Act::WakeEvent];
    lr.gating_rows = l.gating_rows;
    lr.gating_cols = l.gating_cols;
    const uint64_t ops = l.counters[Stat::Ops];
    for (uint64_t sk : l.domain_skips) lr.gating_map.push_back(ops ? double(sk) / double(ops) : 0.0);
    r.macs += l.macs;
    r.layers.push_back(std::move(lr));
  }
  const MacroCounters& t = res.chip.total;
  r.cycles = res.chip.cycles;
  r.time_ns = double(r.cycles) * period_ns;
  for (const auto& [kind, c] : res.chip.kind_totals) r.actions.emplace_back(kind, macro_counts(c));
  r.actions.emplace_back("periphery", periphery_counts(res.chip.periphery_total));
  r.energy = price_groups(r.actions, r.prices, zero);
  r.energy_pj = r.energy.total();
  r.unattributed_pj = r.energy_pj - layer_energy;
  // One MAC counts as two operations: ops/J / 1e12 = 2 MACs / (E_pJ 1e-12) / 1e12.
  r.tops_per_w = r.energy_pj > 0 ? 2.0 * double(r.macs) / r.energy_pj : 0.0;
  r.area = chip_area(cfg.tech, chip, chip_run.readout_bits, chip_run.readout_levels);
  if (chip.memory.on()) {
    MemoryReport m;
    m.kind = chip.memory.kind;
    m.pj_per_bit = chip.memory.energy_pj_per_bit();
    m.gb_per_s = chip.memory.bandwidth_gb_per_s();
    m.bits_per_cycle = chip.memory.bits_per_cycle(chip.clock_mhz);
    m.input_read_bits = t[Act::DramReadBit];
    m.output_write_bits = t[Act::DramWriteBit];
    m.weight_fetch_bits = t[Act::DramWeightFetchBit];
    m.weight_load_bits = t[Act::DramWeightLoadBit];
    for (const auto& [k, v] : r.energy.items) {
      if (k == "offchip") m.traffic_pj = v;
      if (k == "offchip_weight_load") m.one_time_pj = v;
    }
    m.busy_cycles = t[Stat::MemoryBusyCycles];
    m.stall_cycles = t[Stat::StallMemory];
    r.memory = m;
  }
  // TOPS = 2 MACs / (time_ns 1e-9) / 1e12.
  r.tops_per_mm2 = r.time_ns > 0 ? 2.0 * double(r.macs) / r.time_ns * 1e-3 / r.area->mm2() : 0.0;
  r.gated_fraction_ops = ratio(t[Stat::DomainSkips], t[Stat::DomainEvals]);
  r.gated_fraction_time = ratio(t[Stat::DomainCyclesGated], t[Stat::DomainCyclesOn] + t[Stat::DomainCyclesGated]);
  r.utilisation = ratio(t[Stat::DomainEvalsUsed], t[Stat::DomainEvals]);
  r.gated_fraction_data = ratio(t[Stat::DomainSkipsUsed], t[Stat::DomainEvalsUsed]);
  r.stalls = stalls_of(t);
  r.function = check_function(cfg, w, res.chip.outputs, chip_run.lossless);
  if (chip.macro.noise.on) {
    FunctionReport::Noise n;
    n.chip = chip.macro.noise;
    const ChipOutcome& first = outcomes[1];
    // Each instance's function check, once; the first instance is the reported one.
    std::vector<FunctionReport> fs;
    for (int64_t i = 0; i < chip.macro.noise.chips; ++i) {
      const ChipOutcome& c = outcomes[std::size_t(1 + i)];
      fs.push_back(check_function(cfg, w, c.run.outputs, c.lossless));
    }
    n.outputs_match_reference = fs.front().outputs_match_reference;
    n.mismatched_samples = fs.front().mismatched_samples;
    n.accuracy = fs.front().accuracy;
    n.reads = read_errors_of(read_counts(first.run.total));
    if (fs.size() > 1)
      for (const FunctionReport& fc : fs) {
        n.chip_mismatched.push_back(fc.mismatched_samples);
        if (fc.accuracy) n.chip_accuracy.push_back(*fc.accuracy);
      }
    for (std::size_t i = 0; i < r.layers.size() && i < first.run.layers.size(); ++i)
      if (const MacroKind* k = find_macro_kind(r.layers[i].macro); k && k->adc_readout)
        r.layers[i].read_errors = read_errors_of(read_counts(first.run.layers[i].counters));
    // Activations flipped: the noisy pass's binary outputs against the exact pass's.
    uint64_t flipped = 0, compared = 0;
    for (std::size_t i = 0; i < r.layers.size() && i < first.run.layers.size(); ++i) {
      LayerRun& e = res.chip.layers[i];
      std::vector<uint64_t>& a = e.out_bits;
      const std::vector<uint64_t>& b = first.run.layers[i].out_bits;
      if (a.empty() || a.size() != b.size()) continue;
      uint64_t f = 0;
      for (std::size_t k = 0; k < a.size(); ++k) f += uint64_t(__builtin_popcountll(a[k] ^ b[k]));
      const uint64_t outputs = uint64_t(e.out_numel) * uint64_t(exact.record_samples);
      r.layers[i].flipped = outputs ? double(f) / double(outputs) : 0.0;
      flipped += f;
      compared += outputs;
      std::vector<uint64_t>().swap(a);  // compared: not kept in the result
    }
    n.flip_samples = compared ? exact.record_samples : 0;
    n.flipped = compared ? double(flipped) / double(compared) : 0.0;
    r.function.noise = n;
  }
  if (chip.reorder_channels) {
    const ChipOutcome& base = outcomes.back();
    const MacroCounters& b = base.run.total;
    r.gated_fraction_ops_without_reorder = ratio(b[Stat::DomainSkips], b[Stat::DomainEvals]);
    r.gated_fraction_time_without_reorder =
        ratio(b[Stat::DomainCyclesGated], b[Stat::DomainCyclesOn] + b[Stat::DomainCyclesGated]);
  }
  return res;
}

void write_folder_atomic(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files,
                         const std::vector<std::string>& markers, bool sync) {
  std::error_code ec;
  if (fs::exists(dir) && !fs::is_directory(dir)) throw InputError(fmt::format("--out {}: exists and is not a folder", dir.string()));
  if (fs::is_directory(dir) && !fs::is_empty(dir, ec) &&
      std::none_of(markers.begin(), markers.end(), [&](const std::string& m) { return fs::exists(dir / m); })) {
    throw InputError(fmt::format("--out {}: folder is not empty and holds no cimsim results; refusing to replace it",
                                 dir.string()));
  }
  const fs::path abs = fs::absolute(dir).lexically_normal();
  const fs::path stage = abs.parent_path() / fmt::format(".{}.partial-{}", abs.filename().string(), ::getpid());
  fs::remove_all(stage, ec);
  try {
    fs::create_directories(stage);
    // The stage is private and renamed into place whole, so each file is written in place.
    for (const auto& [name, content] : files) {
      const fs::path f = stage / name;
      if (fs::path(name).has_parent_path()) fs::create_directories(f.parent_path());
      write_file_in_place(f, content, sync);
    }
    if (stop_requested()) throw Interrupted("interrupted while writing results; nothing was written");
    // Swap the finished folder in place of the old one.
    const fs::path old = abs.parent_path() / fmt::format(".{}.old-{}", abs.filename().string(), ::getpid());
    if (fs::exists(abs)) fs::rename(abs, old);
    fs::rename(stage, abs);
    fs::remove_all(old, ec);
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(stage, ec);
    throw SimulationError(fmt::format("cannot write results to {}: {}", dir.string(), e.what()));
  } catch (...) {
    fs::remove_all(stage, ec);
    throw;
  }
}

std::vector<std::pair<std::string, std::string>> result_files(const RunConfig& cfg, const Workload& w, const RunResult& r,
                                                              ResultFiles which) {
  const std::string text = report_json(r.report);
  if (which == ResultFiles::ReportOnly) return {{"report.json", text}, {"resolved.yaml", cfg.resolved_yaml}};
  const Json j = Json::parse(text);
  std::vector<std::pair<std::string, std::string>> files = {{"report.json", text},
                                                            {"layers.csv", layers_csv(j)},
                                                            {"components.csv", components_csv(j)},
                                                            {"report.html", report_html(j)},
                                                            {"resolved.yaml", cfg.resolved_yaml}};
  const int64_t n = w.is_ttfs ? int64_t(r.chip.outputs.size()) / std::max<int64_t>(1, w.samples) : w.net.output_numel();
  const std::vector<int64_t> out_shape = w.is_ttfs ? w.ttfs.output_shape : w.net.output_shape();
  int64_t s0 = 0;
  for (std::size_t i = 0; i < w.sets.size(); ++i) {
    const int64_t b = w.sets[i].batch;
    std::vector<float> vals(std::size_t(b * n));
    for (int64_t k = 0; k < b * n; ++k) vals[std::size_t(k)] = float(r.chip.outputs[std::size_t(s0 * n + k)]);
    std::vector<int64_t> shape = {b};
    shape.insert(shape.end(), out_shape.begin(), out_shape.end());
    files.emplace_back((fs::path("outputs") / w.sets[i].dir.filename() / "output_0.pb").string(),
                       float_tensor_bytes(w.is_ttfs ? w.ttfs.output_name : w.net.out().name, shape, vals));
    s0 += b;
  }
  return files;
}

void write_results(const fs::path& out, const RunConfig& cfg, const Workload& w, const RunResult& r,
                   const std::vector<std::pair<std::string, std::string>>& extra, ResultFiles which) {
  auto files = result_files(cfg, w, r, which);
  files.insert(files.end(), extra.begin(), extra.end());
  write_folder_atomic(out, files, {"report.json", "resolved.yaml"});
}

}  // namespace cimsim
