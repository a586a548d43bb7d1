#include "arch/ttfs_array.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/stop.hpp"

namespace cimsim {

void TtfsParams::declare(ParamVisitor& v) {
  v.choice("solver", solver, "exact", {"exact", "dstd"},
           {"", "exact: the closed-form solution between input spikes; dstd: the discretised training approximation"});
  v.integer("dstd_steps", dstd_steps, 10, 1, 100000, {"steps", "DSTD grid steps M per window"});
  v.real_or_inf("e_dis", ramp.e_dis, kNoSpike, 1.0,
                {"threshold units", "the firing ramp's discharger reversal potential (> 1); .inf = the ideal linear ramp",
                 Affects::Run, ".inf"});
  v.integer("reset_cycles", reset_cycles, 500, 0, int64_t{1} << 30, {"cycles", "reset phase (1 us at 500 MHz)"});
  v.integer("window_cycles", window_cycles, 500, 1, int64_t{1} << 30,
            {"cycles", "accumulation and firing windows, each (1 us at 500 MHz)"});
  v.integer("array_rows", rows, 256, 1, 1 << 20, {"synapses", "synapses per array column"});
  v.integer("array_cols", cols, 256, 1, 1 << 20, {"neurons", "neurons per array"});
  v.integer("arrays", arrays, 8, 1, 1 << 20,
            {"arrays", "arrays on the chip; fewer than the layers need: layers take turns (not pipelined)"});
}

TtfsChip::TtfsChip(sc_core::sc_module_name name, const TtfsNetwork& net, const std::vector<std::vector<double>>& inputs,
                   const TtfsParams& p, sc_core::sc_time period)
    : sc_core::sc_module(name), m_net(net), m_p(p), m_period(period), m_arrived(net.layers.size()) {
  const std::size_t L = net.layers.size(), S = inputs.size();
  m_in.assign(L, std::vector<std::vector<double>>(S));
  m_ready.assign(L, std::vector<bool>(S, false));
  m_in[0] = inputs;
  for (std::size_t s = 0; s < S; ++s) m_ready[0][s] = true;
  m_run.layers.resize(L);
  m_run.first_sample.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    const TtfsLayer& ly = net.layers[l];
    TtfsCounters& c = m_run.layers[l];
    c.tiles = ((ly.in + (ly.bias.empty() ? 0 : 1) + p.rows - 1) / p.rows) * ((ly.neurons() + p.cols - 1) / p.cols);
    m_run.arrays_needed += c.tiles;
  }
  m_run.pipelined = m_run.arrays_needed <= p.arrays;
  const uint64_t P = uint64_t(p.reset_cycles + 2 * p.window_cycles);
  uint64_t offset = 0;
  for (std::size_t l = 0; l < L; ++l) {
    TtfsCounters& c = m_run.layers[l];
    c.passes = m_run.pipelined ? 1 : (c.tiles + p.arrays - 1) / p.arrays;
    m_pass_offset.push_back(offset);
    offset += uint64_t(c.passes) * P;
  }
  m_sample_period = m_run.pipelined ? P : offset;
  m_run.outputs.assign(S * std::size_t(net.layers.back().neurons()), 1.0);
  m_run.out_v1.assign(m_run.outputs.size(), 0.0);
  for (std::size_t l = 0; l < L; ++l) sc_core::sc_spawn([this, l] { layer_thread(l); });
}

void TtfsChip::enable_trace(sc_core::sc_trace_file* tf, uint64_t from, uint64_t to) {
  for (std::size_t l = 0; l < m_net.layers.size(); ++l) {
    m_trace.push_back(std::make_unique<Waveform>(m_period));
    m_trace.back()->enable(tf, fmt::format("{}.layer{}", name(), l), fmt::format("{}_layer{}", basename(), l), {"spikes"},
                           nullptr, from, to);
  }
}

// Defaults: the published SKY130 RC-Spike circuit (configs/arch/ttfs_sky130.yaml names the
// source of each value; the energy values are estimates there).
void TtfsCircuit::declare(ParamVisitor& v) {
  v.choice("e_rev", e_rev, "model", {"model", "resistive", "transistor", "ideal"},
           {"", "reversal potentials: the model's own (exported attributes), from the supply rails (resistive), "
                "from channel-length modulation (transistor), or ideal integrators"});
  v.real("vdd_v", vdd_v, 1.8, 0.1, 10.0, {"V", "supply of the synapses and the firing ramp"});
  v.real("v_rest_v", v_rest_v, 1.3, 0.0, 10.0, {"V", "resting potential of the membranes"});
  v.real("v_th_v", v_th_v, 0.872, 0.001, 10.0, {"V", "threshold above rest"});
  v.real("lambda_n", lambda_n, 0.41, 1e-6, 100.0, {"1/V", "NMOS channel-length modulation (transistor synapses: E+ = 1 / (V_th lambda_n))"});
  v.real("lambda_p", lambda_p, 0.75, 1e-6, 100.0, {"1/V", "PMOS channel-length modulation (transistor synapses: E- = -1 / (V_th lambda_p))"});
  v.real("c_mem_ff", c_mem_ff, 140.0, 0.01, 1e6, {"fF", "membrane capacitance per neuron", Affects::Price});
  v.real("spike_line_cap_ff", spike_line_cap_ff, 1.2, 0.0, 1e4,
         {"fF", "gate and wire capacitance a spike drives per synapse it feeds", Affects::Price});
  v.real("comparator_fj", comparator_fj, 20.0, 0.0, 1e6, {"fJ", "comparator energy per neuron per firing window", Affects::Price});
  v.real("leak_nw_per_neuron", leak_nw_per_neuron, 0.5, 0.0, 1e6, {"nW", "leakage per neuron", Affects::Price});
  // Layout sizes for the area (docs/area.md); the defaults are SKY130's.
  v.integer("synapse_bits", synapse_bits, 4, 1, 12,
            {"bits", "weight magnitude bits a synapse stores (and a sign bit): binary-weighted legs of unit "
                     "devices (estimate: the Kyushu group's 250 nm time-domain chip reports above 4 bits)"});
  v.real("sram_bit_um2", sram_bit_um2, 1.896, 0.001, 1e4,
         {"um^2", "a stored bit: SKY130's 6T cell sram_sp_cell_opt1 at its abutted pitch, 1.2 x 1.58 um"});
  v.real("unit_device_um2", unit_device_um2, 0.307, 0.001, 1e4,
         {"um^2", "a unit transistor: SKY130's minimum width 0.42 um x (minimum L 0.15 + two 0.29 um "
                  "source/drain extensions)"});
  v.real("mim_ff_per_um2", mim_ff_per_um2, 2.0, 0.01, 1e3,
         {"fF/um^2", "membrane capacitor's area density: SKY130 cap_mim_m3_1 model, camimc"});
  v.real("mim_ff_per_um", mim_ff_per_um, 0.19, 0.0, 1e3,
         {"fF/um", "membrane capacitor's perimeter term: SKY130 cap_mim_m3_1 model, cpmimc"});
  v.real("comparator_um2", comparator_um2, 550.0, 0.0, 1e6,
         {"um^2", "a neuron's continuous-time comparator (estimate: a SKY130 five-transistor OTA layout of "
                  "547 um^2; a 65 nm time-domain neuron's 127 um^2 scaled by (130/65)^2 gives 508)"});
  v.real("std_cell_um2", std_cell_um2, 3.7536, 0.001, 1e4,
         {"um^2", "a spike line driver: SKY130 sky130_fd_sc_hd inv_1, 1.38 x 2.72 um"});
  v.real("flip_flop_um2", flip_flop_um2, 20.02, 0.001, 1e4,
         {"um^2", "a neuron's spike latch: SKY130 sky130_fd_sc_hd dfxtp_1, 7.36 x 2.72 um"});
}

bool circuit_e_rev(const TtfsCircuit& c, double& e_pos, double& e_neg) {
  if (c.e_rev == "resistive") {  // RC-Spike: the synapse resistors run from the rails
    e_pos = (c.vdd_v - c.v_rest_v) / c.v_th_v;
    e_neg = (0.0 - c.v_rest_v) / c.v_th_v;
  } else if (c.e_rev == "transistor") {  // channel-length modulation of the synapse transistors
    e_pos = 1.0 / (c.v_th_v * c.lambda_n);
    e_neg = -1.0 / (c.v_th_v * c.lambda_p);
  } else if (c.e_rev == "ideal") {
    e_pos = INFINITY;
    e_neg = -INFINITY;
  } else {
    return false;
  }
  return true;
}


const std::vector<ArrayKind>& array_kinds() {
  static const std::vector<ArrayKind> kinds = {
      {"ttfs", "ttfs", "time-to-first-spike charge-domain neuron arrays (TTFS workloads)",
       [](ParamVisitor& v, TtfsParams& p, TtfsCircuit& c) {
         p.declare(v);
         c.declare(v);
       },
       [](const char* name, const TtfsNetwork& net, const std::vector<std::vector<double>>& inputs, const TtfsParams& p,
          sc_core::sc_time period) { return std::make_unique<TtfsChip>(name, net, inputs, p, period); }}};
  return kinds;
}

uint64_t TtfsChip::start_cycle(std::size_t l, std::size_t s) const {
  if (m_run.pipelined) return uint64_t(s) * m_sample_period + uint64_t(l) * uint64_t(m_p.window_cycles);
  return uint64_t(s) * m_sample_period + m_pass_offset[l];
}

void TtfsChip::layer_thread(std::size_t l) {
  const TtfsLayer& L = m_net.layers[l];
  TtfsCounters& c = m_run.layers[l];
  const std::size_t S = m_in[0].size();
  const bool last = l + 1 == m_net.layers.size();
  const double e_pos = m_p.override_e_rev ? m_p.e_pos : L.e_pos, e_neg = m_p.override_e_rev ? m_p.e_neg : L.e_neg;
  RampModel ramp = m_p.ramp;
  ramp.slope = L.ramp.slope;
  std::vector<SynapseInput> in;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> heap;
  const uint64_t R = uint64_t(m_p.reset_cycles), W = uint64_t(m_p.window_cycles);
  const uint64_t period_cycles = uint64_t(c.passes) * (R + 2 * W);
  for (std::size_t s = 0; s < S; ++s) {
    if (stop_requested()) return;
    const uint64_t now = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
    const uint64_t start = start_cycle(l, s);
    if (start > now) wait(m_period * double(start - now));
    if (s == 0) c.start = start;
    if (!m_trace.empty())
      for (int64_t pass = 0; pass < c.passes; ++pass)
        m_trace[l]->phases(start + uint64_t(pass) * (R + 2 * W), {{1, R}, {2, W}, {3, W}});
    // Reset: membranes to rest.
    wait(m_period * double(R));
    // Accumulation: the previous layer fires into this window.
    while (!m_ready[l][s]) wait(m_arrived[l]);
    const std::vector<double>& t_in = m_in[l][s];
    for (std::size_t i = 0; i < t_in.size(); ++i)
      if (t_in[i] < 1.0) heap.push({std::max(0.0, t_in[i]), int64_t(i)});
    c.input_spikes += heap.size();
    // The network's input spikes: their drivers switch the first layer's synapse gates, on
    // average synapses / inputs each (a later layer's inputs are the previous layer's spikes).
    if (l == 0 && !t_in.empty())
      c.input_fanout_switches += double(heap.size()) * double(L.neurons()) * double(L.in) / double(t_in.size());
    std::vector<double> sorted_t;  // the layer's spikes in time order (shared by all its neurons)
    std::vector<int64_t> order;
    while (!heap.empty()) {
      sorted_t.push_back(heap.top().t);
      order.push_back(heap.top().input);
      heap.pop();
    }
    std::vector<int64_t> pos(t_in.size(), -1);  // input index -> rank in time order
    for (std::size_t r = 0; r < order.size(); ++r) pos[std::size_t(order[r])] = int64_t(r);
    std::vector<double> out(std::size_t(L.neurons()), kNoSpike), v1s(out.size(), 0.0);
    uint64_t spikes = 0;
    for (int64_t oy = 0; oy < L.out_h; ++oy)
      for (int64_t ox = 0; ox < L.out_w; ++ox) {
        const std::vector<int64_t> field = L.op_type == "TTFSConv" ? receptive_field(L, oy, ox) : std::vector<int64_t>{};
        // This pixel's inputs that spiked, in time order.
        std::vector<std::pair<int64_t, int64_t>> active;  // (rank, weight index)
        for (int64_t k = 0; k < L.in; ++k) {
          const int64_t src = field.empty() ? k : field[std::size_t(k)];
          if (src >= 0 && pos[std::size_t(src)] >= 0) active.emplace_back(pos[std::size_t(src)], k);
        }
        std::sort(active.begin(), active.end());
        for (int64_t n = 0; n < L.out; ++n) {
          in.clear();
          // In time order: the bias (switched on at 0) first, then the inputs by spike time.
          if (!L.bias.empty()) in.push_back({0.0, L.bias[std::size_t(n)]});
          for (const auto& [rank, k] : active) in.push_back({sorted_t[std::size_t(rank)], L.w[std::size_t(n * L.in + k)]});
          const NeuronWindow r = m_p.solver == "dstd" ? solve_dstd(in, e_pos, e_neg, m_p.dstd_steps) : solve_exact(in, e_pos, e_neg);
          const std::size_t idx = std::size_t((n * L.out_h + oy) * L.out_w + ox);
          const double t = fire_time(r.v1, L.threshold, ramp);
          out[idx] = t;
          v1s[idx] = r.v1;
          c.synaptic_events += uint64_t(r.events);
          c.q_exc += r.q_exc;
          c.q_inh += r.q_inh;
          // The firing ramp lifts the membrane from v(1) until it fires, or to the window's end.
          const double lift = t == kNoSpike ? ramp.slope : std::max(0.0, L.threshold - r.v1);
          c.ramp_charge += std::max(0.0, lift);
          c.below_rest += std::max(0.0, -(r.v1 + lift));
          if (t != kNoSpike) ++spikes;
        }
      }
    c.neurons_windows += uint64_t(L.neurons());
    c.spikes += spikes;
    if (!m_trace.empty()) {  // the firing window: each spike at its time, counted up
      const uint64_t fire = start + R + W;
      std::vector<uint64_t> at;
      for (double t : out)
        if (t != kNoSpike) at.push_back(fire + std::min<uint64_t>(W - 1, uint64_t(t * double(W))));
      std::sort(at.begin(), at.end());
      for (std::size_t k = 0; k < at.size(); ++k) m_trace[l]->change(at[k], 0, int(k + 1));
      m_trace[l]->change(fire + W, 0, 0);
    }
    if (s == 0) {
      m_run.first_sample[l] = out;
      for (auto& x : m_run.first_sample[l]) x = x == kNoSpike ? 1.0 : x;
    }
    wait(m_period * double(W));
    // Firing: the output spikes go to the next layer, which accumulates during this window.
    if (last) {
      const std::size_t n = out.size();
      for (std::size_t i = 0; i < n; ++i) {
        m_run.outputs[s * n + i] = out[i] == kNoSpike ? 1.0 : out[i];
        m_run.out_v1[s * n + i] = v1s[i];
      }
    } else {
      m_in[l + 1][s] = out;
      m_ready[l + 1][s] = true;
      m_arrived[l + 1].notify(sc_core::SC_ZERO_TIME);
      // Each spike drives the synapse gates it feeds in the next layer: on average
      // synapses / inputs of that layer.
      const TtfsLayer& nx = m_net.layers[l + 1];
      c.fanout_switches += double(spikes) * double(nx.neurons()) * double(nx.in) / double(out.size());
    }
    wait(m_period * double(W));
    c.cycles += period_cycles;
    // Time-multiplexed layers repeat the phases for their further passes.
    if (c.passes > 1) wait(m_period * double(uint64_t(c.passes - 1) * (R + 2 * W)));
  }
  const uint64_t end = uint64_t(sc_core::sc_time_stamp().value() / m_period.value());
  c.end = end;
  m_run.cycles = std::max(m_run.cycles, end);
}

}  // namespace cimsim
