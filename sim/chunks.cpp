#include "sim/chunks.hpp"

#include <algorithm>

#include "sim/worker_pool.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

std::vector<SampleChunk> sample_chunks(int64_t samples, int64_t size) {
  std::vector<SampleChunk> out;
  const int64_t c = size > 0 ? size : std::max<int64_t>(1, samples);
  for (int64_t s0 = 0, k = 0; s0 < samples; s0 += c, ++k) out.push_back({k, s0, std::min(samples, s0 + c)});
  if (out.empty()) out.push_back({0, 0, 0});
  return out;
}

ChipParams chunk_chip(const ChipParams& chip, const SampleChunk& k) {
  ChipParams c = chip;
  c.weights_loaded = k.index > 0;
  c.record_samples = std::clamp<int64_t>(chip.record_samples - k.s0, 0, k.size());
  c.macro.noise.stream = uint64_t(k.index);
  return c;
}

namespace {

void add_into(std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (b.size() > a.size()) a.resize(b.size(), 0);
  for (std::size_t i = 0; i < b.size(); ++i) a[i] += b[i];
}

template <class T>
void append(std::vector<T>& a, std::vector<T>&& b) {
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
}

void put(ByteWriter& w, const MacroCounters& c) { w.pod(c.act).pod(c.stat).vec(c.precharge).vec(c.merge); }

MacroCounters get_counters(ByteReader& r) {
  MacroCounters c;
  c.act = r.pod<decltype(c.act)>();
  c.stat = r.pod<decltype(c.stat)>();
  c.precharge = r.vec<uint64_t>();
  c.merge = r.vec<uint64_t>();
  return c;
}

}  // namespace

void append_chunk(ChipOutcome& a, ChipOutcome&& b) {
  if (a.run.layers.empty()) {
    a = std::move(b);
    return;
  }
  ChipRun& x = a.run;
  ChipRun& y = b.run;
  const uint64_t offset = x.cycles;
  for (std::size_t i = 0; i < x.layers.size() && i < y.layers.size(); ++i) {
    LayerRun& l = x.layers[i];
    LayerRun& m = y.layers[i];
    l.macs += m.macs;
    l.end = offset + m.end;
    l.cycles = l.end - l.start;
    l.weight_writes += m.weight_writes;
    l.counters.add(m.counters);
    add_into(l.domain_skips, m.domain_skips);
    append(l.out_bits, std::move(m.out_bits));
  }
  append(x.outputs, std::move(y.outputs));
  x.cycles += y.cycles;
  x.total.add(y.total);
  for (std::size_t i = 0; i < x.kind_totals.size() && i < y.kind_totals.size(); ++i) x.kind_totals[i].second.add(y.kind_totals[i].second);
  x.periphery_total.add(y.periphery_total);
  x.complete = x.complete && y.complete;
  x.steps_done = std::min(x.steps_done, y.steps_done);
  add_into(a.count_histogram, b.count_histogram);
}

void append_chunk(TtfsRun& a, TtfsRun&& b) {
  if (a.layers.empty()) {
    a = std::move(b);
    return;
  }
  const uint64_t offset = a.cycles;
  for (std::size_t i = 0; i < a.layers.size() && i < b.layers.size(); ++i) {
    TtfsCounters& l = a.layers[i];
    const TtfsCounters& m = b.layers[i];
    l.neurons_windows += m.neurons_windows;
    l.spikes += m.spikes;
    l.input_spikes += m.input_spikes;
    l.synaptic_events += m.synaptic_events;
    l.fanout_switches += m.fanout_switches;
    l.input_fanout_switches += m.input_fanout_switches;
    l.q_exc += m.q_exc;
    l.q_inh += m.q_inh;
    l.ramp_charge += m.ramp_charge;
    l.below_rest += m.below_rest;
    l.cycles += m.cycles;
    l.end = offset + m.end;
  }
  append(a.outputs, std::move(b.outputs));
  append(a.out_v1, std::move(b.out_v1));
  a.cycles += b.cycles;
  a.pipelined = a.pipelined && b.pipelined;
  a.arrays_needed = std::max(a.arrays_needed, b.arrays_needed);
}

std::string encode_outcome(const ChipOutcome& o) {
  ByteWriter w;
  const ChipRun& r = o.run;
  w.pod(uint64_t(r.layers.size()));
  for (const LayerRun& l : r.layers) {
    w.str(l.name).str(l.kind).str(l.op_type).str(l.macro);
    w.pod(l.row_tiles).pod(l.col_tiles).pod(l.macs).pod(l.start).pod(l.end).pod(l.cycles).pod(l.weight_writes);
    put(w, l.counters);
    w.vec(l.domain_skips).pod(l.gating_rows).pod(l.gating_cols).vec(l.out_bits).pod(uint64_t(l.out_words)).pod(uint64_t(l.out_numel));
  }
  w.vec(r.outputs).pod(r.cycles);
  put(w, r.total);
  w.pod(uint64_t(r.kind_totals.size()));
  for (const auto& [k, c] : r.kind_totals) {
    w.str(k);
    put(w, c);
  }
  put(w, r.periphery_total);
  w.pod(r.macros).pod(uint8_t(r.weights_resident)).pod(uint8_t(r.complete)).pod(uint64_t(r.steps_done));
  w.pod(o.readout_bits).pod(o.readout_levels).pod(o.converters).pod(o.readout_range).pod(uint8_t(o.lossless)).str(o.readout_kind);
  w.vec(o.count_histogram);
  return w.take();
}

ChipOutcome decode_outcome(const std::string& bytes) {
  ByteReader rd(bytes);
  ChipOutcome o;
  ChipRun& r = o.run;
  const uint64_t layers = rd.pod<uint64_t>();
  for (uint64_t i = 0; i < layers; ++i) {
    LayerRun l;
    l.name = rd.str();
    l.kind = rd.str();
    l.op_type = rd.str();
    l.macro = rd.str();
    l.row_tiles = rd.pod<int>();
    l.col_tiles = rd.pod<int>();
    l.macs = rd.pod<uint64_t>();
    l.start = rd.pod<uint64_t>();
    l.end = rd.pod<uint64_t>();
    l.cycles = rd.pod<uint64_t>();
    l.weight_writes = rd.pod<uint64_t>();
    l.counters = get_counters(rd);
    l.domain_skips = rd.vec<uint64_t>();
    l.gating_rows = rd.pod<int64_t>();
    l.gating_cols = rd.pod<int64_t>();
    l.out_bits = rd.vec<uint64_t>();
    l.out_words = std::size_t(rd.pod<uint64_t>());
    l.out_numel = std::size_t(rd.pod<uint64_t>());
    r.layers.push_back(std::move(l));
  }
  r.outputs = rd.vec<double>();
  r.cycles = rd.pod<uint64_t>();
  r.total = get_counters(rd);
  const uint64_t kinds = rd.pod<uint64_t>();
  for (uint64_t i = 0; i < kinds; ++i) {
    std::string k = rd.str();
    r.kind_totals.emplace_back(std::move(k), get_counters(rd));
  }
  r.periphery_total = get_counters(rd);
  r.macros = rd.pod<int64_t>();
  r.weights_resident = rd.pod<uint8_t>() != 0;
  r.complete = rd.pod<uint8_t>() != 0;
  r.steps_done = std::size_t(rd.pod<uint64_t>());
  o.readout_bits = rd.pod<int64_t>();
  o.readout_levels = rd.pod<int64_t>();
  o.converters = rd.pod<int64_t>();
  o.readout_range = rd.pod<int64_t>();
  o.lossless = rd.pod<uint8_t>() != 0;
  o.readout_kind = rd.str();
  o.count_histogram = rd.vec<uint64_t>();
  if (!rd.at_end()) throw SimulationError("a worker process sent back a damaged result");
  return o;
}

std::string encode_ttfs(const TtfsRun& r) {
  ByteWriter w;
  w.vec(r.layers).vec(r.outputs).vec(r.out_v1).pod(uint64_t(r.first_sample.size()));
  for (const auto& f : r.first_sample) w.vec(f);
  w.pod(r.cycles).pod(uint8_t(r.pipelined)).pod(r.arrays_needed);
  return w.take();
}

TtfsRun decode_ttfs(const std::string& bytes) {
  ByteReader rd(bytes);
  TtfsRun r;
  r.layers = rd.vec<TtfsCounters>();
  r.outputs = rd.vec<double>();
  r.out_v1 = rd.vec<double>();
  const uint64_t n = rd.pod<uint64_t>();
  for (uint64_t i = 0; i < n; ++i) r.first_sample.push_back(rd.vec<double>());
  r.cycles = rd.pod<uint64_t>();
  r.pipelined = rd.pod<uint8_t>() != 0;
  r.arrays_needed = rd.pod<int64_t>();
  if (!rd.at_end()) throw SimulationError("a worker process sent back a damaged result");
  return r;
}

}  // namespace cimsim
