#include "arch/controller.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>

#include "arch/stop.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

// What a step needs, decided before the run: its macro kind, mapping and macros.
struct Controller::Plan {
  bool macro = false;
  const MacroKind* kind = nullptr;
  LayerMapping map;
  std::vector<std::size_t> units;  // tiles (weight-stationary) or row blocks (input-stationary)
  std::vector<int> macro_of_unit;  // global macro index per unit
  std::vector<int> held;           // the macros the step holds, ascending
  int slot_base = -1;              // first resident slot, -1 when not resident
  // The row tiles of every column block run at once, each on its own macro: their partial sums
  // meet in the accumulators beside the macros instead of spilling to the output buffer.
  bool sums_meet = false;
  std::vector<int> inputs;         // values read
  int output = -1;
};

// Samples of a value that are ready: a prefix [0, count), each from its cycle `at`.
struct Controller::ValueState {
  std::size_t count = 0;
  std::vector<uint64_t> at;
  std::vector<uint8_t> done;
  sc_core::sc_event ev;
};

// One macro layer while it runs.
struct Controller::LayerWork {
  std::size_t step;
  const LayerSpec& L;
  const Plan& plan;
  LayerFunction fn;
  MacroCounters& sink;  // the step's periphery actions
  std::vector<uint32_t> units_done;  // per sample: units that finished it
  uint64_t weight_writes = 0;
  uint64_t units_total = 1, unit_samples_done = 0;
  // Each tile's stored image, made when the tile is first written and reused for every chunk.
  std::vector<std::unique_ptr<TileImage>> images;
  const TileImage& image(std::size_t ti) {
    if (images.size() <= ti) images.resize(plan.map.tiles.size());
    if (!images[ti]) images[ti] = std::make_unique<TileImage>(fn.tile_image(plan.map.tiles[ti]));
    return *images[ti];
  }
};

Controller::Controller(sc_core::sc_module_name name, const Network& net, const std::vector<std::vector<double>>& inputs,
                       const ChipParams& chip, std::vector<const MacroKind*> kinds, Progress* progress)
    : sc_core::sc_module(name),
      macros("macros"),
      input_buffer("input_buffer"),
      output_buffer("output_buffer"),
      weight_buffer("weight_buffer"),
      vector_unit("vector_unit"),
      mac_unit("mac_unit"),
      memory("memory"),
      m_net(net),
      m_samples(inputs.size()),
      m_chip(chip),
      m_kinds(std::move(kinds)),
      m_period(double(chip.period_ps()), sc_core::SC_PS),
      m_progress(progress),
      m_values(net.values.size()),
      m_ready(net.values.size()) {
  m_values[std::size_t(net.input)] = inputs;
  for (auto& r : m_ready) {
    r.at.assign(m_samples, 0);
    r.done.assign(m_samples, 0);
  }
  // Inputs are there from the start, unless they come from the off-chip memory (load_inputs).
  if (!chip.memory.on()) m_ready[std::size_t(net.input)].count = m_samples;
  SC_THREAD(sequence);
}

Controller::~Controller() = default;

uint64_t Controller::now_cycles() const { return uint64_t(sc_core::sc_time_stamp().value() / m_period.value()); }

void Controller::wait_until(uint64_t cycle) {
  const uint64_t now = now_cycles();
  if (cycle > now) wait(m_period * double(cycle - now));
}

const MacroKind& Controller::kind_for(const LayerSpec& L, const ChipParams& chip) {
  if (const std::string f = chip.forced(L.name); !f.empty() && chip.count(f) > 0) return *find_macro_kind(f);
  for (const auto& k : macro_kinds())
    if (chip.count(k.name) > 0 && k.natural(L)) return k;
  for (const auto& k : macro_kinds())
    if (chip.count(k.name) > 0) return k;
  throw InputError("the chip has no macro");
}

uint64_t Controller::value_bits(int v) const {
  const ValueInfo& vi = m_net.values[std::size_t(v)];
  const uint64_t per = vi.storage_bits > 0        ? uint64_t(vi.storage_bits)
                       : vi.kind == ValueKind::Bits ? 1
                       : vi.kind == ValueKind::UInt ? uint64_t(vi.bits)
                                                    : uint64_t(m_chip.digital_width);
  return per * uint64_t(vi.numel());
}

void Controller::make_plans() {
  const int nmacros = macros.size();
  m_plans.assign(m_net.steps.size(), Plan{});
  m_macro_queue.assign(std::size_t(nmacros), {});
  m_holds.assign(std::size_t(nmacros), {SIZE_MAX, 0});
  // Global macro indices of each kind, in chip order.
  std::map<const MacroKind*, std::vector<int>> of_kind;
  for (int g = 0; g < nmacros; ++g) of_kind[m_kinds[std::size_t(g)]].push_back(g);
  // Weights stay resident when every tile of the network has a macro of its own kind.
  std::map<const MacroKind*, int> tiles;
  for (std::size_t i = 0; i < m_net.steps.size(); ++i) {
    const Step& st = m_net.steps[i];
    Plan& p = m_plans[i];
    if (!st.macro) {
      const DigitalStep& d = m_net.digital[std::size_t(st.index)];
      p.inputs = d.inputs;
      p.output = d.output;
      continue;
    }
    const LayerSpec& L = m_net.layers[std::size_t(st.index)];
    p.macro = true;
    p.inputs = {L.input};
    p.output = L.output;
    p.kind = &kind_for(L, m_chip);
    p.map = map_layer(L, p.kind->shape(m_chip));
    p.slot_base = tiles[p.kind];
    tiles[p.kind] += int(p.map.tiles.size());
    // Weight-stationary: every tile is a unit. Input-stationary: the row blocks (tiles of the
    // first column tile; each applies every output channel), or every tile when depthwise.
    for (std::size_t ti = 0; ti < p.map.tiles.size(); ++ti)
      if (!m_chip.input_stationary || p.map.tiles[ti].col_tile == 0 || L.depthwise())
        p.units.push_back(ti);
  }
  m_run.weights_resident = true;
  for (const auto& [k, n] : tiles) m_run.weights_resident &= n <= int(m_chip.count(k->name));
  for (std::size_t i = 0; i < m_plans.size(); ++i) {
    Plan& p = m_plans[i];
    if (!p.macro) continue;
    const std::vector<int>& pool = of_kind[p.kind];
    const std::size_t M = pool.size();
    if (!m_run.weights_resident) p.slot_base = -1;
    for (std::size_t u = 0; u < p.units.size(); ++u) {
      const std::size_t m = p.slot_base >= 0 ? (std::size_t(p.slot_base) + u) % M : u % M;
      p.macro_of_unit.push_back(pool[m]);
    }
    if (p.units.empty() || M == 0)
      throw SimulationError(fmt::format("layer '{}': no tile to run on {} macros of kind {}", m_net.layers[std::size_t(m_net.steps[i].index)].name, M, p.kind->name));
    p.held = p.macro_of_unit;
    std::sort(p.held.begin(), p.held.end());
    p.held.erase(std::unique(p.held.begin(), p.held.end()), p.held.end());
    // Each macro works through its units in order: the row tiles of a column block run at once
    // when they sit on distinct macros at the same place in their macros' lists.
    std::map<int, int> position;  // units so far per macro
    std::map<int, std::pair<int, std::set<int>>> block;  // column block -> (position, macros)
    p.sums_meet = true;
    for (std::size_t u = 0; u < p.units.size(); ++u) {
      const int g = p.macro_of_unit[u], pos = position[g]++;
      auto [it, fresh] = block.try_emplace(p.map.tiles[p.units[u]].col_tile, pos, std::set<int>{});
      if (!fresh && it->second.first != pos) p.sums_meet = false;
      if (!it->second.second.insert(g).second) p.sums_meet = false;
    }
    for (int g : p.held) m_macro_queue[std::size_t(g)].push_back(i);
  }
  // Values are freed once their last reader has finished.
  m_consumers_left.assign(m_net.values.size(), 0);
  for (const Plan& p : m_plans)
    for (int v : p.inputs) ++m_consumers_left[std::size_t(v)];
}

void Controller::sequence() {
  m_run.macros = macros.size();
  make_plans();
  m_done.assign(m_net.steps.size(), 0);
  m_step_counts.assign(m_net.steps.size(), MacroCounters(m_chip.macro.hierarchy.size()));
  m_run.layers.resize(m_net.steps.size());
  if (memory.size() > 0) {
    m_outputs_stored = false;
    sc_core::sc_spawn([this] { load_inputs(); });
    sc_core::sc_spawn([this] { store_outputs(); });
  }
  for (std::size_t i = 0; i < m_net.steps.size(); ++i) sc_core::sc_spawn([this, i] { run_step(i); });
  for (;;) {
    if (std::all_of(m_done.begin(), m_done.end(), [](uint8_t d) { return d != 0; }) && m_outputs_stored) break;
    if (stop_requested()) return;
    wait(m_step_done);
  }
  wait_until(m_memory_end);
  m_run.outputs.clear();
  for (const auto& o : m_values[std::size_t(m_net.output)]) m_run.outputs.insert(m_run.outputs.end(), o.begin(), o.end());
  m_run.cycles = now_cycles();
  // Totals: every macro over the whole run (by kind), and the periphery's actions of every step.
  MacroCounters t(m_chip.macro.hierarchy.size());
  for (int g = 0; g < macros.size(); ++g) {
    MacroCounters c = macros[g]->stats();
    c[Stat::ArrayCycles] = m_run.cycles;
    auto it = std::find_if(m_run.kind_totals.begin(), m_run.kind_totals.end(),
                           [&](const auto& e) { return e.first == m_kinds[std::size_t(g)]->name; });
    if (it == m_run.kind_totals.end()) it = m_run.kind_totals.insert(m_run.kind_totals.end(), {m_kinds[std::size_t(g)]->name, MacroCounters()});
    it->second.add(c);
    t.add(c);
  }
  for (const auto& c : m_step_counts) {
    m_run.periphery_total.add(c);
    t.add(c);
  }
  m_run.total = t;
  m_run.complete = true;
  // No sc_stop(): with the sequencer done and no events pending, sc_start() returns.
}

void Controller::run_step(std::size_t i) {
  if (m_samples == 0) {  // nothing to run: every step is done at once
    m_done[i] = 1;
    ++m_run.steps_done;
    m_step_done.notify(sc_core::SC_ZERO_TIME);
    return;
  }
  if (!m_chip.overlap && i > 0)
    while (!m_done[i - 1]) {
      if (stop_requested()) return;
      wait(m_step_done);
    }
  const Step& st = m_net.steps[i];
  if (st.macro) run_layer(i);
  else run_digital_step(i);
  if (stop_requested()) {  // abandoned: wake every waiting step so that it returns too
    abandon();
    return;
  }
  // The step has finished when its last output has been written.
  const ValueState& out = m_ready[std::size_t(m_plans[i].output)];
  uint64_t end = now_cycles();
  for (uint64_t a : out.at) end = std::max(end, a);
  wait_until(end);
  LayerRun& r = m_run.layers[i];
  r.end = end;
  r.cycles = end - r.start;
  r.counters.add(m_step_counts[i]);
  m_done[i] = 1;
  ++m_run.steps_done;
  for (int v : m_plans[i].inputs)
    if (--m_consumers_left[std::size_t(v)] == 0 && v != m_net.output) std::vector<std::vector<double>>().swap(m_values[std::size_t(v)]);
  if (m_progress) {
    m_progress->step_ppm = 0;
    m_progress->steps_done = uint32_t(std::count(m_done.begin(), m_done.end(), uint8_t(1)));
  }
  m_step_done.notify(sc_core::SC_ZERO_TIME);
}

void Controller::load_inputs() {
  // The traffic is counted with the first step that reads the input (the first step if none does).
  std::size_t reader = 0;
  while (reader < m_plans.size() &&
         std::find(m_plans[reader].inputs.begin(), m_plans[reader].inputs.end(), m_net.input) == m_plans[reader].inputs.end())
    ++reader;
  MacroCounters& sink = m_step_counts[reader < m_plans.size() ? reader : 0];
  const uint64_t bits = value_bits(m_net.input);
  for (std::size_t s = 0; s < m_samples; ++s) {
    if (stop_requested()) return;
    wait_until(memory->read(bits, sink));
    publish(m_net.input, s, input_buffer->write(bits, sink));
  }
}

void Controller::store_outputs() {
  std::size_t producer = 0;  // the step that writes the output counts its traffic
  for (std::size_t i = 0; i < m_plans.size(); ++i)
    if (m_plans[i].output == m_net.output) producer = i;
  MacroCounters& sink = m_step_counts[producer];
  const uint64_t bits = value_bits(m_net.output);
  for (std::size_t s = 0; s < m_samples; ++s) {
    if (!wait_sample(m_net.output, s)) return;
    m_memory_end = std::max(m_memory_end, memory->write(bits, sink));
  }
  m_outputs_stored = true;
  m_step_done.notify(sc_core::SC_ZERO_TIME);
}

void Controller::fetch_weights(uint64_t bits, bool one_time, MacroCounters& sink) {
  if (memory.size() == 0) return;
  const uint64_t arrive = memory->move(bits, one_time ? Act::DramWeightLoadBit : Act::DramWeightFetchBit, sink);
  if (arrive > now_cycles()) {
    sink[Stat::StallMemory] += arrive - now_cycles();
    wait_until(arrive);
  }
}

bool Controller::wait_sample(int v, std::size_t s) {
  ValueState& r = m_ready[std::size_t(v)];
  while (r.count <= s) {
    if (stop_requested()) return false;
    wait(r.ev);
  }
  wait_until(r.at[s]);
  return true;
}

void Controller::abandon() {
  for (auto& r : m_ready) r.ev.notify(sc_core::SC_ZERO_TIME);
  m_macro_released.notify(sc_core::SC_ZERO_TIME);
  m_step_done.notify(sc_core::SC_ZERO_TIME);
}

void Controller::publish(int v, std::size_t s, uint64_t at) {
  ValueState& r = m_ready[std::size_t(v)];
  r.at[s] = at;
  r.done[s] = 1;
  while (r.count < r.done.size() && r.done[r.count]) ++r.count;
  r.ev.notify(sc_core::SC_ZERO_TIME);
}

uint64_t Controller::estimate_peak_bytes(const Network& net, uint64_t samples, bool overlap) {
  std::vector<int> last_use(net.values.size(), -1);
  for (std::size_t i = 0; i < net.steps.size(); ++i) {
    const Step& st = net.steps[i];
    if (st.macro) last_use[std::size_t(net.layers[std::size_t(st.index)].input)] = int(i);
    else for (int v : net.digital[std::size_t(st.index)].inputs) last_use[std::size_t(v)] = int(i);
  }
  auto bytes_of = [&](int v) { return double(net.values[std::size_t(v)].numel()) * 8.0 * double(samples); };
  // Overlapping steps keep their temporaries at once: count them all (an upper bound).
  double live = bytes_of(net.input), peak = live, all_temps = 0;
  for (std::size_t i = 0; i < net.steps.size(); ++i) {
    const Step& st = net.steps[i];
    double temp = 0;
    int out;
    if (st.macro) {
      const LayerSpec& L = net.layers[std::size_t(st.index)];
      // bit planes (pixel-major) and the int64 accumulators of every sample
      temp = double(samples) * (double(L.in_bits) * double(L.in_channels * L.in_h * L.in_w) / 8.0 +
                                8.0 * double(L.out_pixels() * L.out_channels));
      out = L.output;
    } else {
      out = net.digital[std::size_t(st.index)].output;
    }
    live += bytes_of(out);
    all_temps += temp;
    peak = std::max(peak, live + (overlap ? all_temps : temp));
    for (std::size_t v = 0; v < net.values.size(); ++v)
      if (last_use[v] == int(i) && int(v) != net.output) live -= bytes_of(int(v));
  }
  return uint64_t(std::min(peak, 1.8e19));
}

// A digital step streams its samples through the vector unit, reading its inputs from the
// input buffer and writing its output to the output buffer; the slowest of the three sets
// each sample's time.
void Controller::run_digital_step(std::size_t i) {
  const DigitalStep& d = m_net.digital[std::size_t(m_net.steps[i].index)];
  MacroCounters& sink = m_step_counts[i];
  LayerRun& r = m_run.layers[i];
  r.name = d.name;
  const bool mac = d.op == DigitalOp::Mac;  // a layer on the MAC unit: marked as its own unit
  r.kind = mac ? kind_name(d.layer) : std::string("digital:") + to_string(d.op);
  r.op_type = mac ? d.layer.op_type : to_string(d.op);
  r.macro = mac ? "digital-mac" : "periphery";
  if (mac) r.macs = uint64_t(d.layer.macs_per_sample()) * m_samples;  // the run's MACs count them too
  r.counters = MacroCounters(m_chip.macro.hierarchy.size());
  auto& out = m_values[std::size_t(d.output)];
  out.resize(m_samples);
  // Operands at the width they are stored in: the widest input's.
  uint64_t width = 1, in_bits = 0;
  for (int v : d.inputs) {
    in_bits += value_bits(v);
    width = std::max<uint64_t>(width, value_bits(v) / uint64_t(std::max<int64_t>(1, m_net.values[std::size_t(v)].numel())));
  }
  const uint64_t elements = digital_ops(m_net, d), out_bits = value_bits(d.output);
  // A MAC of two w-bit operands: a w x w array multiplier, about w (w - 1) full adders (Weste &
  // Harris, CMOS VLSI Design, 4th ed., sec. 11.9), and a 2w-bit accumulate.
  const uint64_t w = uint64_t(m_chip.digital_width), mac_cells = w * (w - 1) + 2 * w;
  const uint64_t weight_bits = mac ? uint64_t(d.weights.size()) * w : 0;
  uint64_t credit = 0;
  for (std::size_t s = 0; s < m_samples; ++s) {
    if (stop_requested()) return;
    for (int v : d.inputs)
      if (!wait_sample(v, s)) return;
    if (s == 0) r.start = now_cycles();  // the step starts with its first sample
    std::vector<const std::vector<double>*> ins;
    for (int v : d.inputs) ins.push_back(&m_values[std::size_t(v)][s]);
    out[s] = run_digital(m_net, d, ins);
    if (d.op == DigitalOp::Reshape) {  // a view: same data, nothing moves
      publish(d.output, s, now_cycles());
      continue;
    }
    const uint64_t now = now_cycles();
    const uint64_t t_vec = mac ? mac_unit->run(elements, mac_cells, credit, sink) : vector_unit->run(elements, width, credit, sink);
    uint64_t t_buf = std::max(input_buffer->read(in_bits, sink), output_buffer->write(out_bits, sink));
    if (mac) t_buf = std::max(t_buf, weight_buffer->read(weight_bits, sink));  // the layer's weights, per sample
    if (t_buf > std::max(now, t_vec)) sink[Stat::StallBuffer] += t_buf - std::max(now, t_vec);
    wait_until(std::max(t_vec, t_buf));
    publish(d.output, s, now_cycles());
  }
  if (d.op == DigitalOp::Reshape) r.start = now_cycles();  // a view takes no time of its own
}

void Controller::run_layer(std::size_t i) {
  const Plan& p = m_plans[i];
  const LayerSpec& L = m_net.layers[std::size_t(m_net.steps[i].index)];
  const ValueInfo& in = m_net.values[std::size_t(L.input)];
  const MacroKind& kind = *p.kind;
  const MacroParams geo = kind.geometry(m_chip);
  LayerRun& r = m_run.layers[i];
  r.name = L.name;
  r.kind = kind_name(L);
  r.op_type = L.op_type;
  r.macro = kind.name;
  r.row_tiles = p.map.row_tiles;
  r.col_tiles = p.map.col_tiles;
  r.macs = uint64_t(L.macs_per_sample()) * m_samples;
  r.counters = MacroCounters(m_chip.macro.hierarchy.size());

  // The step starts when its first input sample is ready; then it takes its macros, each granted
  // to the steps that use it one after another in program order.
  if (!wait_sample(L.input, 0)) return;
  for (int g : p.held)
    while (m_macro_queue[std::size_t(g)].front() != i) {
      if (stop_requested()) return;
      wait(m_macro_released);
    }
  const uint64_t held_from = now_cycles();
  r.start = held_from;  // the step starts once it holds its macros
  std::vector<MacroCounters> c0;
  std::vector<std::vector<uint64_t>> skips0;
  for (int g : p.held) {
    c0.push_back(macros[g]->stats());
    skips0.push_back(macros[g]->domain_skips());
  }

  // Channel order on the rows: as is, or (reordering) the most often zero channels first, from
  // every sample of the input (so a reordered layer waits for its whole input).
  std::vector<int64_t> order(static_cast<std::size_t>(L.in_channels));
  std::iota(order.begin(), order.end(), 0);
  if (m_chip.reorder_channels) {
    std::vector<const std::vector<double>*> xs;
    for (std::size_t s = 0; s < m_samples; ++s) {
      if (!wait_sample(L.input, s)) return;
      xs.push_back(&m_values[std::size_t(L.input)][s]);
    }
    order = LayerFunction::zero_first_order(L, in, xs);
  }
  LayerWork w{i, L, p, LayerFunction(L, in, p.map, geo.rows, geo.cols, std::move(order), m_samples), m_step_counts[i],
              std::vector<uint32_t>(m_samples, 0), 0, 1, 0, {}};
  w.units_total = std::max<uint64_t>(1, uint64_t(p.units.size()) * m_samples);
  m_values[std::size_t(L.output)].resize(m_samples);

  // Batch chunks that fit the buffers: the layer's input bits, and its spilled partial sums or
  // its outputs (bits, or real values at the periphery's width).
  const bool spill = p.map.row_tiles > 1 && !p.sums_meet;
  const uint64_t in_bits = uint64_t(L.in_h * L.in_w * L.in_channels * L.in_bits);
  const uint64_t out_bits = uint64_t(L.out_pixels() * L.out_channels) *
                            (spill ? uint64_t(w.fn.acc_bits()) : L.binarized ? 1 : uint64_t(m_chip.digital_width));
  std::size_t chunk = m_samples;
  chunk = std::min<std::size_t>(chunk, std::max<uint64_t>(1, input_buffer->capacity_bits() / std::max<uint64_t>(1, in_bits)));
  chunk = std::min<std::size_t>(chunk, std::max<uint64_t>(1, output_buffer->capacity_bits() / std::max<uint64_t>(1, out_bits)));

  for (std::size_t s0 = 0; s0 < m_samples; s0 += chunk) {
    const std::size_t s1 = std::min(m_samples, s0 + chunk);
    std::vector<std::pair<int, std::vector<std::size_t>>> per_macro;
    for (int g : p.held) per_macro.emplace_back(g, std::vector<std::size_t>{});
    for (std::size_t u = 0; u < p.units.size(); ++u)
      for (auto& [g, us] : per_macro)
        if (g == p.macro_of_unit[u]) us.push_back(p.units[u]);
    std::vector<sc_core::sc_process_handle> workers;
    for (auto& [g, us] : per_macro) {
      const std::vector<std::size_t>* units = &us;
      const int macro = g;
      workers.push_back(sc_core::sc_spawn([this, &w, macro, units, s0, s1] {
        if (m_chip.input_stationary) work_blocks(w, macro, *units, s0, s1);
        else work_tiles(w, macro, *units, s0, s1);
      }));
    }
    for (auto& h : workers)
      if (!h.terminated()) wait(h.terminated_event());
    if (stop_requested()) return;
    if (m_chip.input_stationary)  // a chunk's samples are complete when every block has run
      for (std::size_t s = s0; s < s1; ++s) finish_sample(w, s);
  }

  // Release the macros: what they counted while this step held them is the step's.
  for (std::size_t k = 0; k < p.held.size(); ++k) {
    const int g = p.held[k];
    r.counters.add(macros[g]->stats().minus(c0[k]));
    m_macro_queue[std::size_t(g)].erase(m_macro_queue[std::size_t(g)].begin());
  }
  r.counters[Stat::ArrayCycles] += (now_cycles() - held_from) * uint64_t(p.held.size());
  m_macro_released.notify(sc_core::SC_ZERO_TIME);
  r.weight_writes = w.weight_writes;
  r.gating_rows = macros[p.held[0]]->domain_rows();
  r.gating_cols = macros[p.held[0]]->domain_cols();
  r.domain_skips.assign(skips0[0].size(), 0);
  for (std::size_t k = 0; k < p.held.size(); ++k) {
    const auto& now = macros[p.held[k]]->domain_skips();
    for (std::size_t d = 0; d < now.size(); ++d) r.domain_skips[d] += now[d] - skips0[k][d];
  }
}

// Sample s is through every unit: the epilogue (thresholds, or scale and bias, in the
// periphery beside the macros) and the output written to the output buffer.
void Controller::finish_sample(LayerWork& w, std::size_t s) {
  const LayerSpec& L = w.L;
  w.fn.epilogue(s, m_values[std::size_t(L.output)][s]);
  if (L.binarized && int64_t(s) < m_chip.record_samples) {
    const std::vector<double>& v = m_values[std::size_t(L.output)][s];
    LayerRun& r = m_run.layers[w.step];
    r.out_words = (v.size() + 63) / 64;
    r.out_numel = v.size();
    const std::size_t kept = std::size_t(std::min<int64_t>(m_chip.record_samples, int64_t(m_samples)));
    if (r.out_bits.empty()) r.out_bits.assign(kept * r.out_words, 0);
    uint64_t* bits = &r.out_bits[s * r.out_words];
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i] > 0) bits[i / 64] |= uint64_t{1} << (i % 64);
  }
  w.fn.drop_sample(s);
  const uint64_t n = uint64_t(L.out_channels * L.out_pixels());
  w.sink[Act::DigitalAddBit] += uint64_t(w.fn.acc_bits()) * n;
  publish(L.output, s, output_buffer->write((L.binarized ? 1 : uint64_t(m_chip.digital_width)) * n, w.sink));
}

void Controller::work_tiles(LayerWork& w, int g, const std::vector<std::size_t>& tiles, std::size_t s0, std::size_t s1) {
  const LayerSpec& L = w.L;
  const Plan& plan = w.plan;
  const LayerMapping& map = plan.map;
  MacroIf& mac = *macros[g];
  const MacroParams geo = plan.kind->geometry(m_chip);
  const int64_t slices = map.slices, planes = L.in_bits;
  const int64_t span = (L.kw() - 1) * L.dilation + 1;  // window width in pixels
  const uint64_t acc_bits = uint64_t(w.fn.acc_bits());
  const bool line_buffer = plan.kind->aligned_taps;
  const bool spill = map.row_tiles > 1 && !plan.sums_meet;
  const bool analog = m_chip.readout.analog_accumulate && plan.kind->analog_accumulation;
  MacroCounters& sink = w.sink;

  BitVec in(std::size_t(geo.rows));
  std::vector<int64_t> col_out(std::size_t(geo.cols));
  std::vector<int64_t> valid_taps;
  // Analog accumulation: all input planes of an operation, gathered before it is issued.
  std::vector<BitVec> plane_in(analog ? std::size_t(planes) : 0, BitVec(std::size_t(geo.rows)));
  std::vector<const uint64_t*> plane_ptr(plane_in.size());
  std::vector<std::vector<int64_t>> plane_out(plane_in.size(), std::vector<int64_t>(std::size_t(geo.cols)));

  for (std::size_t ti : tiles) {
    const Tile& t = map.tiles[ti];
    const TileImage& img = w.image(ti);
    const int slot = plan.slot_base >= 0 ? plan.slot_base + int(ti) : -1;
    // A macro that still holds this tile (resident, or written for the previous chunk of this
    // step and not overwritten since) is not written again.
    const bool held = slot >= 0 ? m_written.count({plan.kind, slot}) > 0
                                : m_holds[std::size_t(g)] == std::make_pair(w.step, ti);
    if (!held && slot >= 0 && m_chip.weights_loaded) {
      // A later chunk of the run: the resident tile has been in its macro since the first.
      mac.preload(img.bits, img.needed);
      m_written.insert({plan.kind, slot});
      m_holds[std::size_t(g)] = {w.step, ti};
    } else if (!held) {
      // The tile comes from the off-chip memory first (once when resident), then through the
      // weight path while the macro writes it.
      fetch_weights(uint64_t(img.rows_used * img.cols_used), slot >= 0, sink);
      const uint64_t arrive = weight_buffer->read(uint64_t(img.rows_used * img.cols_used), sink);
      wait(m_period * double(mac.write_weights(img.bits, img.needed)));
      if (arrive > now_cycles()) {
        sink[Stat::StallBuffer] += arrive - now_cycles();
        wait_until(arrive);
      }
      ++w.weight_writes;
      if (slot >= 0) m_written.insert({plan.kind, slot});
      m_holds[std::size_t(g)] = {w.step, ti};
    }

    for (std::size_t s = s0; s < s1; ++s) {
      if (!wait_sample(L.input, s)) return;
      if (!w.fn.loaded(s)) w.fn.load_sample(s, m_values[std::size_t(L.input)][s]);
      if (m_progress) m_progress->step_ppm = uint32_t(std::min<uint64_t>(999999, ++w.unit_samples_done * 1000000 / w.units_total));
      for (int64_t oy = 0; oy < L.out_h; ++oy) {
        for (int64_t ox = 0; ox < L.out_w; ++ox) {
          const int64_t pix = oy * L.out_w + ox;
          const uint64_t op_start = now_cycles();
          uint64_t data_ready = op_start;
          for (int64_t b = 0; b < planes; ++b) {
            BitVec& x = analog ? plane_in[std::size_t(b)] : in;
            w.fn.gather(t, s, oy, ox, b, x, valid_taps);
            if (b == 0) {
              // A line buffer keeps the window: only the pixel columns shifted in are read again.
              uint64_t new_pixels = 0;
              for (int64_t tap : valid_taps)
                if (!line_buffer || ox == 0 || L.stride >= span || L.tap_x(tap) >= span - L.stride) ++new_pixels;
              data_ready = std::max(data_ready, input_buffer->read(new_pixels * uint64_t(t.cc * planes), sink));
              // Partial sums of earlier row tiles come back from the output buffer, this one's go there.
              if (spill && t.row_tile > 0) data_ready = std::max(data_ready, output_buffer->read(uint64_t(t.nc) * acc_bits, sink));
              if (spill && t.row_tile + 1 < map.row_tiles)
                data_ready = std::max(data_ready, output_buffer->write(uint64_t(t.nc) * acc_bits, sink));
            }
            if (!analog) {
              const uint64_t cyc = mac.operate(in.data(), col_out);
              // The shift-and-add accumulators beside the macro: one add per kept column.
              sink[Act::DigitalAddBit] += acc_bits * uint64_t(w.fn.accumulate(t, img, in, col_out, valid_taps, s, pix, b));
              wait(m_period * double(cyc));
            } else if (b + 1 == planes) {  // every plane gathered: one analog operation
              for (int64_t q = 0; q < planes; ++q) plane_ptr[std::size_t(q)] = plane_in[std::size_t(q)].data();
              const uint64_t cyc = mac.operate_planes(plane_ptr, plane_out, slices);
              for (int64_t q = 0; q < planes; ++q)
                w.fn.accumulate(t, img, plane_in[std::size_t(q)], plane_out[std::size_t(q)], valid_taps, s, pix, q);
              // After analog accumulation, one add per output (its first slice's column).
              int64_t outputs = 0;
              for (int64_t col = 0; col < img.cols_used; ++col)
                outputs += img.needed[std::size_t(col)] && img.col_j[std::size_t(col)] == 0;
              sink[Act::DigitalAddBit] += acc_bits * uint64_t(outputs);
              wait(m_period * double(cyc));
            }
          }
          // The buffers' ports: an operation waits when its data takes longer to move.
          if (data_ready > now_cycles()) {
            sink[Stat::StallBuffer] += data_ready - now_cycles();
            wait_until(data_ready);
          }
        }
      }
      if (++w.units_done[s] == plan.units.size()) finish_sample(w, s);
    }
  }
}

// Input-stationary: each macro column stores one input window (sample, output pixel, bit plane)
// of a row block; each operation applies one output channel's weight slice on the rows and
// reads the dot products of every stored window at once.
void Controller::work_blocks(LayerWork& w, int g, const std::vector<std::size_t>& blocks, std::size_t s0,
                             std::size_t s1) {
  const LayerSpec& L = w.L;
  const Plan& plan = w.plan;
  const LayerMapping& map = plan.map;
  MacroIf& mac = *macros[g];
  const MacroParams geo = plan.kind->geometry(m_chip);
  const int64_t P = L.out_pixels(), planes = L.in_bits, cols = geo.cols;
  const uint64_t acc_bits = uint64_t(w.fn.acc_bits());
  const bool spill = map.row_tiles > 1 && !plan.sums_meet;
  MacroCounters& sink = w.sink;

  struct Stored {
    std::size_t s;
    int64_t pix, plane, ones;
    std::vector<int64_t> valid;
  };
  BitVec in(std::size_t(geo.rows));
  std::vector<int64_t> col_out(static_cast<std::size_t>(cols));
  std::vector<uint8_t> bits, needed(static_cast<std::size_t>(cols));
  std::vector<Stored> stored;
  std::vector<int64_t> valid;

  for (std::size_t bi : blocks) {
    const Tile& t = map.tiles[bi];
    const int64_t rows_used = t.nt * t.tap_rows;
    const AppliedWeights a = w.fn.applied_weights(t);
    // The block's weight slices come from the off-chip memory once per block and sample chunk:
    // the weight path holds them while they are applied on the rows.
    fetch_weights(uint64_t(a.vec.size()) * uint64_t(rows_used), false, sink);
    // The stored side: windows of the batch chunk, `cols` per write.
    std::vector<std::tuple<std::size_t, int64_t, int64_t>> windows;
    for (std::size_t s = s0; s < s1; ++s)
      for (int64_t pix = 0; pix < P; ++pix)
        for (int64_t b = 0; b < planes; ++b) windows.emplace_back(s, pix, b);
    for (std::size_t w0 = 0; w0 < windows.size(); w0 += std::size_t(cols)) {
      const int64_t used = int64_t(std::min<std::size_t>(std::size_t(cols), windows.size() - w0));
      bits.assign(std::size_t(rows_used * used), 0);
      stored.clear();
      uint64_t read_bits = 0;
      for (int64_t col = 0; col < used; ++col) {
        const auto [s, pix, b] = windows[w0 + std::size_t(col)];
        if (!wait_sample(L.input, s)) return;
        if (!w.fn.loaded(s)) w.fn.load_sample(s, m_values[std::size_t(L.input)][s]);
        w.fn.gather(t, s, pix / L.out_w, pix % L.out_w, b, in, valid);
        for (int64_t r = 0; r < rows_used; ++r) bits[std::size_t(col * rows_used + r)] = in.get(std::size_t(r));
        stored.push_back({s, pix, b, popcount_range(in.data(), 0, std::size_t(rows_used)), valid});
        read_bits += uint64_t(valid.size()) * uint64_t(t.cc);
        needed[std::size_t(col)] = 1;
      }
      const uint64_t arrive = input_buffer->read(read_bits, sink);
      m_holds[std::size_t(g)] = {SIZE_MAX, 0};
      wait(m_period * double(mac.write_weights(bits, rows_used, used, needed)));
      if (arrive > now_cycles()) {
        sink[Stat::StallBuffer] += arrive - now_cycles();
        wait_until(arrive);
      }
      ++w.weight_writes;
      for (std::size_t vi = 0; vi < a.vec.size(); ++vi) {
        if (stop_requested()) return;
        // The weight slice applied on the rows comes through the weight path.
        uint64_t data_ready = weight_buffer->read(uint64_t(rows_used), sink);
        const uint64_t cyc = mac.operate(a.vec[vi].data(), col_out);
        for (int64_t col = 0; col < used; ++col) {
          const Stored& st = stored[std::size_t(col)];
          w.fn.accumulate_stored(t, a, vi, bits, std::size_t(col), rows_used, st.ones, st.valid, col_out[std::size_t(col)],
                                 st.s, st.pix, st.plane);
        }
        sink[Act::DigitalAddBit] += acc_bits * uint64_t(used);
        if (spill) {
          if (t.row_tile > 0) data_ready = std::max(data_ready, output_buffer->read(uint64_t(used) * acc_bits, sink));
          if (t.row_tile + 1 < map.row_tiles)
            data_ready = std::max(data_ready, output_buffer->write(uint64_t(used) * acc_bits, sink));
        }
        wait(m_period * double(cyc));
        if (data_ready > now_cycles()) {
          sink[Stat::StallBuffer] += data_ready - now_cycles();
          wait_until(data_ready);
        }
      }
    }
  }
}

}  // namespace cimsim
