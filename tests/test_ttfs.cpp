// TTFS physics: the exact event-driven solution against an independent adaptive ODE integrator,
// the ideal limit, the nonideal ramp, and DSTD's error as it depends on M and E.
#include <catch2/catch.hpp>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <map>
#include <random>

#include "arch/ttfs_array.hpp"
#include "power/report.hpp"
#include "power/ttfs_energy.hpp"
#include "helpers.hpp"
#include "workloads/ttfs.hpp"

using namespace cimsim;

namespace {

// Adaptive Dormand-Prince 5(4) on y' = f(t, y), tolerance `tol`, over [t0, t1].
template <class F>
void dopri(F f, std::vector<double>& y, double t0, double t1, double tol) {
  static const double c[7] = {0, 0.2, 0.3, 0.8, 8.0 / 9, 1, 1};
  static const double a[7][6] = {{0},
                                 {0.2},
                                 {3.0 / 40, 9.0 / 40},
                                 {44.0 / 45, -56.0 / 15, 32.0 / 9},
                                 {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
                                 {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
                                 {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
  static const double b5[7] = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
  static const double b4[7] = {5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40};
  const std::size_t n = y.size();
  double t = t0, h = std::min(1e-3, t1 - t0);
  std::vector<std::vector<double>> k(7, std::vector<double>(n));
  std::vector<double> tmp(n), y5(n);
  while (t < t1) {
    h = std::min(h, t1 - t);
    for (int s = 0; s < 7; ++s) {
      for (std::size_t i = 0; i < n; ++i) {
        tmp[i] = y[i];
        for (int j = 0; j < s; ++j) tmp[i] += h * a[s][j] * k[std::size_t(j)][i];
      }
      f(t + c[s] * h, tmp, k[std::size_t(s)]);
    }
    double err = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double s5 = 0, s4 = 0;
      for (int s = 0; s < 7; ++s) {
        s5 += b5[s] * k[std::size_t(s)][i];
        s4 += b4[s] * k[std::size_t(s)][i];
      }
      y5[i] = y[i] + h * s5;
      err = std::max(err, std::fabs(h * (s5 - s4)) / (tol + tol * std::fabs(y5[i])));
    }
    if (err <= 1.0) {
      t += h;
      y = y5;
    }
    h *= std::clamp(0.9 * std::pow(std::max(err, 1e-16), -0.2), 0.2, 5.0);
  }
}

// Integrates v and the excitatory/inhibitory charges between consecutive spike times.
NeuronWindow integrate_numerically(std::vector<SynapseInput> in, double ep, double en) {
  std::sort(in.begin(), in.end(), [](auto& a, auto& b) { return a.t < b.t; });
  std::vector<double> y = {0, 0, 0};  // v, q_exc, q_inh
  double t = 0, A_e = 0, B_e = 0, A_i = 0, B_i = 0;
  std::size_t k = 0;
  while (t < 1) {
    while (k < in.size() && in[k].t <= t) {
      if (in[k].w >= 0) { A_e += in[k].w; B_e += in[k].w / ep; }
      else { A_i += -in[k].w; B_i += -in[k].w / en; }
      ++k;
    }
    const double next = k < in.size() ? std::min(1.0, in[k].t) : 1.0;
    dopri([&](double, const std::vector<double>& s, std::vector<double>& d) {
      const double exc = A_e - B_e * s[0], inh = A_i - B_i * s[0];  // sum w (1 - v/E) per sign
      d[0] = exc - inh;
      d[1] = exc;
      d[2] = inh;
    }, y, t, next, 1e-14);
    t = next;
  }
  NeuronWindow r;
  r.v1 = y[0];
  r.q_exc = y[1];
  r.q_inh = y[2];
  return r;
}

std::vector<SynapseInput> random_inputs(std::mt19937& rng, int n, double wscale) {
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> g(0, wscale);
  std::vector<SynapseInput> in;
  for (int i = 0; i < n; ++i) in.push_back({u(rng) < 0.9 ? u(rng) : kNoSpike, g(rng)});
  in.push_back({0.0, 0.3});  // a bias synapse at t = 0
  return in;
}

}  // namespace

TEST_CASE("exact TTFS solution matches an adaptive ODE integrator to 1e-9", "[ttfs]") {
  std::mt19937 rng(42);
  double worst = 0;
  for (double E : {0.5, 1.0, 2.8, 7.4, 50.0, 1000.0}) {
    for (int trial = 0; trial < 3; ++trial) {
      auto in = random_inputs(rng, 1000, 0.08);
      const double ep = E, en = -0.55 * E;  // asymmetric, as E+ = 2.80, E- = -1.53
      const NeuronWindow exact = solve_exact(in, ep, en);
      const NeuronWindow num = integrate_numerically(in, ep, en);
      INFO("E+ = " << ep << " trial " << trial << " v1 " << exact.v1 << " vs " << num.v1);
      CHECK(std::fabs(exact.v1 - num.v1) <= 1e-9);
      CHECK(std::fabs(exact.q_exc - num.q_exc) <= 1e-9 * std::max(1.0, num.q_exc));
      CHECK(std::fabs(exact.q_inh - num.q_inh) <= 1e-9 * std::max(1.0, num.q_inh));
      worst = std::max(worst, std::fabs(exact.v1 - num.v1));
    }
  }
  std::printf("TTFS exact vs Dormand-Prince (tol 1e-14), 1000 inputs, |E| 0.5..1000: max |dv(1)| = %.2e\n", worst);
}

TEST_CASE("one synapse's closed form holds to 1e-14 on both sides of the solver's series range", "[ttfs]") {
  // One excitatory synapse of weight w switched on at t0: v' = w (1 - v / E), so with
  // x = (w / E)(1 - t0), v(1) = E (1 - e^-x), and its charge, the integral of w (1 - v / E), is the same.
  // The solver uses a series below x = 1/2 and exp above; both must give the closed form.
  for (double x : {1e-9, 1e-6, 1e-3, 0.05, 0.3, 0.499, 0.5, 0.501, 0.9, 3.0, 30.0}) {
    for (double E : {0.7, 2.8, 40.0}) {
      const double t0 = 0.25, w = x * E / (1 - t0);
      const NeuronWindow r = solve_exact({{t0, w}}, E, -E);
      const double want = -E * std::expm1(-x);
      INFO("x = " << x << ", E = " << E << ": v(1) " << r.v1 << " vs " << want);
      CHECK(std::fabs(r.v1 - want) <= 1e-14 * want);
      CHECK(std::fabs(r.q_exc - want) <= 1e-14 * want);
      CHECK(r.q_inh == 0.0);
      CHECK(r.events == 1);
      // The same synapse inhibitory (w < 0 towards E- = -E): v(1) = -E (1 - e^-x).
      const NeuronWindow n = solve_exact({{t0, -w}}, E, -E);
      CHECK(std::fabs(n.v1 + want) <= 1e-14 * want);
      CHECK(std::fabs(n.q_inh - want) <= 1e-14 * want);
    }
  }
}

TEST_CASE("the ideal integrator gives x' = clamp(W x + 1 - V_th, 0, 1)", "[ttfs]") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<SynapseInput> in;
    double wx = 0;
    for (int i = 0; i < 40; ++i) {
      const double x = u(rng), w = u(rng) - 0.45;
      in.push_back({1 - x, w});
      wx += w * x;
    }
    const double theta = 0.6 + 0.8 * u(rng);
    const NeuronWindow r = solve_exact(in, kNoSpike, -kNoSpike);
    CHECK(r.v1 == Approx(wx).margin(1e-12));
    const double t = fire_time(r.v1, theta, RampModel{});
    const double x_out = t == kNoSpike ? 0.0 : 1 - t;
    CHECK(x_out == Approx(std::clamp(wx + 1 - theta, 0.0, 1.0)).margin(1e-12));
  }
}

TEST_CASE("the nonideal firing ramp crosses the threshold when its own ODE does", "[ttfs]") {
  for (double E_dis : {1.5, 6.44, 30.0}) {
    for (double v1 : {-0.5, 0.0, 0.3, 0.9}) {
      const double t = fire_time(v1, 1.0, RampModel{1.0, E_dis});
      // dv/dt = alpha (1 - v / E_dis), alpha such that v = 0 reaches 1 at t = 1.
      const double alpha = E_dis * std::log(E_dis / (E_dis - 1.0));
      std::vector<double> y = {v1};
      double tc = 0;
      while (y[0] < 1.0 && tc < 2) {
        dopri([&](double, const std::vector<double>& s, std::vector<double>& d) { d[0] = alpha * (1 - s[0] / E_dis); }, y, tc, tc + 1e-4, 1e-13);
        tc += 1e-4;
      }
      if (tc <= 1.0 + 2e-4) CHECK(t == Approx(tc).margin(2e-4));  // v1 = 0 fires exactly at 1
      else CHECK(t == kNoSpike);
    }
  }
  // The formula of the physical-model paper, for V_th = 1.
  const double E = 6.44, v = 0.25;
  CHECK(fire_time(v, 1.0, RampModel{1.0, E}) ==
        Approx((std::log(1 - 1 / E) - std::log(1 - v / E)) / std::log(1 - 1 / E)));
}

TEST_CASE("DSTD error falls as M^-2 and grows as |E| shrinks", "[ttfs][dstd]") {
  std::mt19937 rng(7);
  std::vector<std::vector<SynapseInput>> neurons;
  for (int i = 0; i < 200; ++i) neurons.push_back(random_inputs(rng, 100, 0.15));
  std::printf("DSTD mean |v_dstd(1) - v_exact(1)| over 200 neurons of 100 inputs:\n   M");
  const std::vector<double> Es = {1.0, 2.8, 10.0, 100.0, kNoSpike};
  for (double E : Es) std::printf(std::isinf(E) ? "      |E|=inf" : "   |E|=%6.1f", E);
  std::printf("\n");
  std::map<double, std::map<int, double>> err;
  for (int M : {2, 4, 8, 16, 32}) {
    std::printf("  %2d", M);
    for (double E : Es) {
      double sum = 0;
      for (const auto& in : neurons) sum += std::fabs(solve_dstd(in, E, -E, M).v1 - solve_exact(in, E, -E).v1);
      err[E][M] = sum / double(neurons.size());
      std::printf("  %11.3e", err[E][M]);
    }
    std::printf("\n");
  }
  for (double E : {1.0, 2.8, 10.0, 100.0}) {
    // Second order: doubling M divides the error by about 4 (between 3 and 5.5 here).
    for (int M : {4, 8, 16}) {
      INFO("E " << E << " M " << M);
      CHECK(err[E][M] / err[E][2 * M] > 3.0);
      CHECK(err[E][M] / err[E][2 * M] < 5.5);
    }
  }
  // From M = 4 on (at M = 2 the strongest couplings saturate toward A/B and tie within 2%).
  for (int M : {4, 8, 16, 32}) {
    CHECK(err[1.0][M] > err[2.8][M]);
    CHECK(err[2.8][M] > err[10.0][M]);
    CHECK(err[10.0][M] > err[100.0][M]);
  }
  for (int M : {2, 4, 8, 16, 32}) CHECK(err[kNoSpike][M] < 1e-12);  // exact for the ideal integrator
}

TEST_CASE("the TTFS chip's conv and dense layers give the reference spike times", "[ttfs][chip]") {
  std::mt19937 rng(5);
  std::normal_distribution<double> g(0, 0.6);
  std::uniform_real_distribution<double> u(0, 1);
  TtfsNetwork net;
  net.input_shape = {2, 6, 6};
  TtfsLayer c;
  c.name = "conv";
  c.op_type = "TTFSConv";
  c.in_c = 2;
  c.in_h = c.in_w = 6;
  c.kernel = 3;
  c.stride = 2;
  c.pad = 1;
  c.out = 4;
  c.in = 2 * 9;
  c.out_h = c.out_w = 3;
  for (int i = 0; i < c.out * c.in; ++i) c.w.push_back(g(rng));
  c.e_pos = 2.8;
  c.e_neg = -1.53;
  TtfsLayer d;
  d.name = "dense";
  d.op_type = "TTFSDense";
  d.in = 4 * 9;
  d.out = 5;
  for (int i = 0; i < d.out * d.in; ++i) d.w.push_back(g(rng) * 0.5);
  d.bias = {0.2, -0.1, 0.3, 0.0, 0.1};
  d.e_pos = 2.8;
  d.e_neg = -1.53;
  d.threshold = 0.8;
  net.layers = {c, d};
  std::vector<std::vector<double>> x(3, std::vector<double>(72));
  for (auto& s : x)
    for (auto& v : s) v = u(rng) < 0.8 ? u(rng) : 1.0;  // some inputs never spike
  for (const char* solver : {"exact", "dstd"}) {
    TtfsParams p;
    p.solver = solver;
    p.arrays = 1;  // fewer arrays than tiles: time-multiplexed passes
    const test::Context context;
    TtfsChip chip("ttfs", net, x, p, sc_core::sc_time(2, sc_core::SC_NS));
    sc_core::sc_start();
    const TtfsRun& r = chip.result();
    CHECK_FALSE(r.pipelined);
    for (std::size_t s = 0; s < x.size(); ++s) {
      const auto ref = ttfs_forward(net, x[s], std::string(solver) == "dstd" ? p.dstd_steps : 0).back();
      for (std::size_t i = 0; i < ref.size(); ++i) CHECK(r.outputs[s * ref.size() + i] == Approx(ref[i] == kNoSpike ? 1.0 : ref[i]).margin(1e-12));
    }
    CHECK(r.layers[0].spikes > 0);
  }
}

namespace {

// A 4 -> 3 -> 2 dense TTFS network with weights that make most neurons fire.
TtfsNetwork small_ttfs() {
  TtfsNetwork net;
  net.input_shape = {4};
  TtfsLayer a;
  a.name = "a";
  a.op_type = "TTFSDense";
  a.in = 4;
  a.out = 3;
  a.w = {0.9, 0.5, 0.3, 0.2, 0.4, 0.8, -0.2, 0.6, 0.7, 0.1, 0.5, 0.3};
  TtfsLayer b = a;
  b.name = "b";
  b.in = 3;
  b.out = 2;
  b.w = {1.1, 0.6, 0.2, 0.3, 0.9, 0.8};
  net.layers = {a, b};
  return net;
}

}  // namespace

TEST_CASE("TTFS pipeline timing and energy terms, worked by hand", "[ttfs][chip][energy]") {
  const TtfsNetwork net = small_ttfs();
  const std::vector<std::vector<double>> x = {{0.1, 0.3, 0.5, 1.0}, {0.0, 0.2, 0.9, 0.4}, {0.6, 0.1, 0.2, 0.3}};
  TtfsParams p;
  p.reset_cycles = 10;
  p.window_cycles = 20;
  SECTION("pipelined: layer l takes sample s at s P + l W, P = reset + 2 windows = 50") {
    const test::Context context;
    TtfsChip chip("ttfs", net, x, p, sc_core::sc_time(2, sc_core::SC_NS));
    sc_core::sc_start();
    const TtfsRun& r = chip.result();
    REQUIRE(r.pipelined);
    CHECK(r.layers[0].start == 0);
    CHECK(r.layers[0].end == 2 * 50 + 50);  // its last sample starts at 100 and takes 50
    CHECK(r.layers[1].start == 20);
    CHECK(r.layers[1].end == 2 * 50 + 20 + 50);
    CHECK(r.cycles == 170);  // (S - 1) P + (L - 1) W + R + 2 W
    CHECK(r.layers[0].cycles == 3 * 50);

    // Energy: counts x prices from the circuit values.
    TtfsCircuit k;
    const double period_ns = 2.0;
    const auto prices = std::vector<std::pair<std::string, PriceTable>>{{"ttfs", ttfs_prices(k, period_ns)}};
    const EnergyBreakdown e0 = price_groups({{"ttfs", ttfs_counts(r.layers[0], 3)}}, prices, {});
    // Comparators: one decision per neuron per sample, 3 neurons x 3 samples x 20 fJ.
    CHECK(e0.get("ttfs_comparator") == Approx(9 * k.comparator_fj * 1e-3));
    // Leakage: 3 neurons over the layer's 150 busy cycles of 2 ns at 0.5 nW.
    CHECK(e0.get("leakage") == Approx(3 * 150 * 2.0 * k.leak_nw_per_neuron * 1e-6));
    // Synapses: C_mem V_th Vdd per unit of normalised excitatory charge.
    CHECK(e0.get("ttfs_synapse") == Approx(r.layers[0].q_exc * k.c_mem_ff * k.v_th_v * k.vdd_v * 1e-3));
    CHECK(r.layers[0].q_exc > 0);
    // The output spikes of layer a drive the synapse gates of layer b: spikes x 2 neurons x 3
    // inputs / 3 outputs = 2 per spike, each C V^2.
    CHECK(r.layers[0].fanout_switches == Approx(double(r.layers[0].spikes) * 2.0));
    CHECK(e0.get("ttfs_spike") == Approx(double(r.layers[0].spikes) * 2.0 * k.spike_line_cap_ff * k.vdd_v * k.vdd_v * 1e-3));
    // The network's input spikes (times under 1: 3 + 4 + 4 = 11) drive the first layer's gates:
    // 3 neurons x 4 inputs / 4 inputs = 3 each, C V^2 each; a later layer has none of its own.
    CHECK(r.layers[0].input_spikes == 11);
    CHECK(r.layers[0].input_fanout_switches == Approx(33.0));
    CHECK(r.layers[1].input_fanout_switches == 0.0);
    CHECK(e0.get("ttfs_input_spike") == Approx(33.0 * k.spike_line_cap_ff * k.vdd_v * k.vdd_v * 1e-3));
  }
  SECTION("one array for two layers: they take turns, 50 cycles each per sample") {
    p.arrays = 1;
    const test::Context context;
    TtfsChip chip("ttfs", net, x, p, sc_core::sc_time(2, sc_core::SC_NS));
    sc_core::sc_start();
    const TtfsRun& r = chip.result();
    REQUIRE_FALSE(r.pipelined);
    CHECK(r.layers[1].start == 50);
    CHECK(r.cycles == 2 * 100 + 50 + 50);
  }
}

TEST_CASE("a TTFS chain through Flatten: conv, flatten, dense import as two layers", "[ttfs][import]") {
  auto model = [](bool broken) {
    onnx::ModelProto m;
    m.set_ir_version(8);
    m.add_opset_import()->set_version(13);
    auto* g = m.mutable_graph();
    auto* in = g->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("batch");
    for (int64_t d : {1, 3, 3}) tt->mutable_shape()->add_dim()->set_dim_value(d);
    auto init = [&](const std::string& name, const std::vector<int64_t>& shape) {
      auto* t = g->add_initializer();
      t->set_name(name);
      t->set_data_type(onnx::TensorProto::FLOAT);
      int64_t n = 1;
      for (auto d : shape) {
        t->add_dims(d);
        n *= d;
      }
      for (int64_t i = 0; i < n; ++i) t->add_float_data(0.1f * float(i % 5));
    };
    auto node = [&](const std::string& op, const std::string& domain, std::vector<std::string> ins, const std::string& out) {
      auto* n = g->add_node();
      n->set_op_type(op);
      n->set_domain(domain);
      n->set_name("/" + out);
      for (const auto& i : ins) n->add_input(i);
      n->add_output(out);
    };
    init("Wc", {2, 1, 2, 2});  // 2 x 2 x 2 outputs
    node("TTFSConv", "cimsim", {"x", "Wc"}, "c");
    node("Flatten", "", {"c"}, "f");
    init("Wd", {3, broken ? 9 : 8});
    node("TTFSDense", "cimsim", {broken ? "x" : "f", "Wd"}, "y");
    g->add_output()->set_name("y");
    return m;
  };
  const TtfsNetwork net = import_ttfs(model(false), "chain");
  REQUIRE(net.layers.size() == 2);
  CHECK(net.layers[1].in == 8);
  CHECK(net.output_shape == std::vector<int64_t>{3});
  CHECK_THROWS_WITH(import_ttfs(model(true), "chain"), Catch::Contains("must form a chain") && Catch::Contains("'f'"));
}
