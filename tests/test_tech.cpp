// The derived per-action energies, pinned to values computed by hand from the 65 nm table.
#include <catch2/catch.hpp>

#include <cmath>

#include "power/energy.hpp"
#include "power/tech.hpp"
#include "sim/config.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace cimsim;

TEST_CASE("bit-line segment energies follow C V^2 from the technology table", "[tech]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  const TechTable& t = cfg.tech;
  REQUIRE(t[Tech::Vdd] == 1.0);
  MacroParams flat;
  flat.rows = 256;
  flat.hierarchy = {256};
  // One cell on the bit line: 0.50 um x 0.2 fF/um of wire + 0.085 um x 0.7 fF/um of drain
  // = 0.1595 fF. A flat 256-cell line plus the 2 fF read-out input: 42.832 fF -> 42.832 fJ.
  const ActionPrices pf = derive_prices(t, flat, 9);
  REQUIRE(pf.precharge.size() == 1);
  CHECK(pf.segment_cap_ff[0] == Approx(256 * 0.1595 + 2.0));
  CHECK(pf.precharge[0] == Approx(0.042832));
  MacroParams h;
  h.rows = 256;
  h.hierarchy = {16, 4, 4};
  h.gate_cols = 8;
  const ActionPrices ph = derive_prices(t, h, 9);
  // Leaf: 16 cells + its merge switch (0.27 um x 0.7 fF/um = 0.189 fF) = 2.741 fF.
  CHECK(ph.segment_cap_ff[0] == Approx(16 * 0.1595 + 0.189));
  // Level 1: wire over 64 rows (64 x 0.5 um x 0.2 fF/um = 6.4 fF) + 4 child switches + its own.
  CHECK(ph.segment_cap_ff[1] == Approx(6.4 + 5 * 0.189));
  // Root: wire over 256 rows (25.6 fF) + 4 child switches + the read-out input.
  CHECK(ph.segment_cap_ff[2] == Approx(25.6 + 4 * 0.189 + 2.0));
  // A 9-bit conversion priced by the figure of merit (kind adc) at 9.7 fJ/step: 9.7 x 512 fJ =
  // 4.9664 pJ; no read-out overhead in the shipped table.
  CHECK(ph.adc_conversion == Approx(4.9664));
  CHECK(ph.adc_overhead == 0.0);
  // A cell's word-line share (1.51 um x 0.2 fF/um + 0.135 um x 1.1 fF/um = 0.4505 fF) and its
  // FO4 driver chain's third of it: 0.6007 fJ.
  CHECK(ph.input_line_cell == Approx(0.4505 * 4.0 / 3.0 * 1e-3));
  // A domain of 16 x 8 cells: AND width 128 x 0.135 um + 8 precharge drivers x 0.54 um = 21.6 um;
  // waking recharges its drain load 21.6 x 0.7 fF = 15.12 fF.
  CHECK(ph.wake_event == Approx(0.01512));
  CHECK(ph.leak_domain_gated_nw == Approx(128 * 0.135 * 0.03));
}

TEST_CASE("one count's signal at each level of the bit line, from charge sharing", "[tech]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  MacroParams h;
  h.rows = 256;
  h.hierarchy = {16, 4, 4};
  // Segments (65 nm, worked above): leaf 2.741 fF, level 1 7.345 fF, root 28.356 fF. Merged
  // nodes: 2.741; 7.345 + 4 x 2.741 = 18.309; 28.356 + 4 x 18.309 = 101.592 fF. A count moves
  // 2.741 fF x 1 V / 16 = 0.1713 fC (a full leaf swings it by the supply).
  const auto lsb = lsb_per_level_mv(cfg.tech, h);
  REQUIRE(lsb.size() == 3);
  CHECK(lsb[0] == Approx(1000.0 / 16));
  CHECK(lsb[1] == Approx(2.741 / 16 / 18.309 * 1e3).epsilon(1e-4));
  CHECK(lsb[2] == Approx(2.741 / 16 / 101.592 * 1e3).epsilon(1e-4));  // 1.69 mV
  // A flat line of 256 cells: 42.832 fF swung by 1 V over 256 counts, 3.91 mV.
  MacroParams flat = h;
  flat.hierarchy = {256};
  CHECK(lsb_per_level_mv(cfg.tech, flat)[0] == Approx(1000.0 / 256));
  // Charge-domain cells of 1.2 fF: 1.2 fC per count over the leaf's wire, drains and 16 caps.
  h.cell_cap_ff = 1.2;
  CHECK(lsb_per_level_mv(cfg.tech, h)[0] == Approx(1.2 / (2.741 + 16 * 1.2) * 1e3).epsilon(1e-4));
  // Half the swing, half the signal.
  h.cell_cap_ff = 0;
  h.bitline_swing = 0.5;
  CHECK(lsb_per_level_mv(cfg.tech, h)[2] == Approx(lsb[2] / 2));
}

TEST_CASE("phase times from the line's RC, rounded up to whole cycles", "[tech][timing]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  MacroParams h;
  h.rows = 256;
  h.hierarchy = {16, 4, 4};
  // 65 nm: precharge PMOS 1.77 x 1.0 V / (238.7 uA/um x 0.54 um) = 13.73 kOhm; merge switch
  // 1.77 x 1.0 V / (400 uA/um x 0.27 um) = 16.39 kOhm. Settling within half a root LSB
  // (1.686 mV) from a full 1 V swing: ln(2000 / 1.686) = 7.078 time constants.
  const PhaseTimes pt = derive_phase_times(cfg.tech, h);
  CHECK(pt.r_precharge_kohm == Approx(1.77 / (238.7 * 0.54) * 1e3));
  CHECK(pt.r_switch_kohm == Approx(1.77 / (400.0 * 0.27) * 1e3));
  CHECK(pt.n_tau == Approx(std::log(2000.0 / 1.6862794)).epsilon(1e-6));
  // Root segment 28.356 fF: 13.73 k x 28.356 f x 7.078 = 2.756 ns.
  CHECK(pt.precharge_ns[2] == Approx(pt.r_precharge_kohm * 28.356 * pt.n_tau * 1e-3));
  CHECK(pt.precharge_ns[2] == Approx(2.756).epsilon(1e-3));
  // Merges: a child node against a sibling through both switches, R x C_node(l-1): the leaf
  // 2.741 fF (0.318 ns), the merged level-1 node 18.309 fF (2.124 ns).
  REQUIRE(pt.merge_ns.size() == 2);
  CHECK(pt.merge_ns[0] == Approx(pt.r_switch_kohm * 2.741 * pt.n_tau * 1e-3));
  CHECK(pt.merge_ns[1] == Approx(pt.r_switch_kohm * 18.309 * pt.n_tau * 1e-3).epsilon(1e-4));
  // Evaluate: a full leaf (16 cells of 400 x 0.135 / 2 = 27 uA) swings 2.741 fF by 1 V: 6.3 ps.
  CHECK(pt.evaluate_ns == Approx(2.741 / (16 * 27.0)));
  // Rounded up at 500 MHz (2 ns): precharge 2, evaluate 1, merges 1 and 2; at 1 GHz: 3, 1, [1, 3].
  MacroParams m = h;
  apply_circuit_timing(cfg.tech, m, 2.0);
  CHECK(m.cycles.precharge == 2);
  CHECK(m.cycles.evaluate == 1);
  CHECK(m.merge_cycles == std::vector<int64_t>{1, 2});
  CHECK(m.merge_total() == 3);
  apply_circuit_timing(cfg.tech, m, 1.0);
  CHECK(m.cycles.precharge == 3);
  CHECK(m.merge_cycles == std::vector<int64_t>{1, 3});
  // A flat line has one 42.832 fF segment and no merge: 3.67 ns of precharge.
  MacroParams flat = h;
  flat.hierarchy = {256};
  const PhaseTimes pf = derive_phase_times(cfg.tech, flat);
  CHECK(pf.merge_ns.empty());
  CHECK(pf.precharge_ns[0] == Approx(pf.r_precharge_kohm * 42.832 * std::log(2000.0 / 3.90625) * 1e-3));
  // The shipped default (circuit timing) gets these cycles from the config reader.
  CHECK(cfg.chip.macro.timing == "circuit");
  CHECK(cfg.chip.macro.cycles.precharge == 2);
  CHECK(cfg.chip.macro.merge_cycles == std::vector<int64_t>{1, 2});
}

TEST_CASE("a read-out below the root: the line ends at its level", "[tech][timing][readout]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  MacroParams h;
  h.rows = 256;
  h.hierarchy = {16, 4, 4};
  h.readout_level = 1;
  const ActionPrices p = derive_prices(cfg.tech, h, 7);
  // Leaf as before (2.741 fF); level 1 ends in the read-out input instead of a merge switch:
  // 6.4 fF of wire + 4 child switches + 2 fF = 9.156 fF; the root is not built.
  CHECK(p.segment_cap_ff[0] == Approx(2.741));
  CHECK(p.segment_cap_ff[1] == Approx(6.4 + 4 * 0.189 + 2.0));
  CHECK(p.segment_cap_ff[2] == 0.0);
  CHECK(p.precharge[2] == 0.0);
  // The signal exists up to level 1: 0.1713 fC over 9.156 + 4 x 2.741 = 20.12 fF.
  const auto lsb = lsb_per_level_mv(cfg.tech, h);
  REQUIRE(lsb.size() == 2);
  CHECK(lsb[1] == Approx(2.741 / 16 / (9.156 + 4 * 2.741) * 1e3).epsilon(1e-4));
  // Settling to half of that LSB; one merge (leaf into level 1).
  const PhaseTimes pt = derive_phase_times(cfg.tech, h);
  CHECK(pt.n_tau == Approx(std::log(2000.0 / lsb[1])).epsilon(1e-6));
  REQUIRE(pt.merge_ns.size() == 1);
  MacroParams m = h;
  apply_circuit_timing(cfg.tech, m, 2.0);
  CHECK(m.merge_cycles.size() == 1);
  CHECK(m.merge_total() == m.merge_cycles[0]);
  // At the leaf: one segment of 16 cells + the read-out input, no merge at all.
  m.readout_level = 0;
  apply_circuit_timing(cfg.tech, m, 2.0);
  CHECK(m.merge_cycles.empty());
  CHECK(m.merge_total() == 0);
  CHECK(derive_prices(cfg.tech, m, 5).segment_cap_ff[0] == Approx(16 * 0.1595 + 2.0));
  // The config key sets it; the read-out then is lossless for the rows beneath one node.
  const RunConfig leaf = load_config(default_config_path(), {"", "", {"arch.readout.level=0"}});
  CHECK(leaf.chip.macro.readout_at() == 0);
  CHECK(leaf.chip.macro.readout_rows() == 16);
  CHECK(leaf.chip.macro.merge_total() == 0);
}

TEST_CASE("the ledger sums counts times prices and integrates leakage over time", "[tech]") {
  // Leakage powers become prices per cycle: nW x 2 ns x 1e-6 pJ/(nW ns).
  const PriceTable p = {{"precharge_l0", "precharge_l0", 0.5, ""},
                        {"precharge_l1", "precharge_l1", 2.0, ""},
                        {"merge", "merge", 0.1, ""},
                        {"adc_conversion", "readout", 3.0, ""},
                        {"adc_conversion", "readout_overhead", 0.25, ""},
                        {"array_cycle", "leakage", 1000.0 * 2e-6, ""},
                        {"domain_cycle_on", "leakage", 10.0 * 2e-6, ""},
                        {"domain_cycle_gated", "leakage", 1.0 * 2e-6, ""}};
  MacroCounters c(2);
  c.precharge = {4, 1};
  c.merge = {4, 0};
  c[Act::AdcConversion] = 2;
  c[Stat::ArrayCycles] = 50;
  c[Stat::DomainCyclesOn] = 100;
  c[Stat::DomainCyclesGated] = 300;
  EnergyBreakdown e = empty_breakdown(2);
  charge(e, macro_counts(c), p);
  CHECK(e.get("precharge_l0") == Approx(2.0));
  CHECK(e.get("precharge_l1") == Approx(2.0));
  CHECK(e.get("merge") == Approx(0.4));
  CHECK(e.get("readout") == Approx(6.0));
  CHECK(e.get("readout_overhead") == Approx(0.5));  // per conversion, beside the converter's own energy
  // (1000 nW x 50 x 2 ns + 10 nW x 100 x 2 ns + 1 nW x 300 x 2 ns) x 1e-6 pJ/(nW ns)
  CHECK(e.get("leakage") == Approx((100000.0 + 2000.0 + 600.0) * 1e-6));
  CHECK(e.total() == Approx(2.0 + 2.0 + 0.4 + 6.0 + 0.5 + 0.1026));

  // The table the simulator uses prices leakage the same way from the technology's powers.
  const RunConfig cfg = load_config(default_config_path(), {});
  const ActionPrices ap = derive_prices(cfg.tech, cfg.chip.macro, 9);
  const PriceTable t = macro_prices(cfg.tech, cfg.chip.macro, 9, 0, 2.0);
  auto find = [&](const std::string& action, const std::string& component) {
    for (const Price& x : t)
      if (x.action == action && x.component == component) return x.pj;
    FAIL("no price for " << action);
    return 0.0;
  };
  CHECK(find("array_cycle", "leakage") == Approx(ap.leak_array_nw * 2e-6));
  CHECK(find("domain_cycle_gated", "leakage") == Approx(ap.leak_domain_gated_nw * 2e-6));
  CHECK(find("adc_conversion", "readout") == Approx(ap.adc_conversion));
  CHECK(find("adc_conversion", "readout_overhead") == Approx(ap.adc_overhead));
}

namespace {

// The default architecture on a given technology table file.
RunConfig config_with_tech(const std::filesystem::path& tech) {
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("cimsim-tech-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto arch = dir / "arch.yaml";
  std::ofstream(arch) << fmt::format("tech: {}\n", tech.string());
  Overrides o;
  o.arch = arch.string();
  o.workload = "unused";
  RunConfig cfg = load_config(default_config_path(), o);
  std::filesystem::remove_all(dir);
  return cfg;
}

// The default architecture on another node's shipped table.
RunConfig config_for(const std::string& node) {
  return config_with_tech(data_dir() / "configs" / "tech" / (node + ".yaml"));
}

}  // namespace

TEST_CASE("supply scaling: C V^2 at the operating supply, tabulated energies by (V/Vnom)^2", "[tech]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  MacroParams m;
  m.rows = 256;
  m.hierarchy = {256};
  m.supply_v = 0.6;
  TechTable t = cfg.tech;
  t.value[std::size_t(Tech::ReadoutOverhead)] = 2480;  // a user's empirical term
  const ActionPrices p = derive_prices(t, m, 4, 11);
  // Flat 256-cell line + 2 fF read-out input = 42.832 fF, at 0.6 V: 42.832 x 0.36 = 15.42 fJ.
  CHECK(p.precharge[0] == Approx(0.042832 * 0.36));
  // An 11-level flash at 9.7 fJ/step, quoted at 1.0 V: 9.7 x 11 x 0.36 = 38.412 fJ.
  CHECK(p.adc_conversion == Approx(0.038412));
  // The read-out overhead is a capacitance, C V^2 at the supply: 2480 fF x 0.36 = 892.8 fJ.
  CHECK(p.adc_overhead == Approx(0.8928));
  // Horowitz's 278 fJ/bit buffer access at 1.0 V becomes 278 x 0.36 = 100.08 fJ.
  CHECK(p.buffer_bit == Approx(0.10008));
  // Leakage power I_off V: 256 x 256 cells x 0.2 nW x 0.6.
  CHECK(p.leak_array_nw == Approx(65536 * 0.2 * 0.6));
}

TEST_CASE("a limited bit-line swing and a compute capacitor change the evaluation energy", "[tech]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  MacroParams m;
  m.rows = 64;
  m.hierarchy = {64};
  m.bitline_swing = 0.25;
  m.cell_cap_ff = 1.2;
  const ActionPrices p = derive_prices(cfg.tech, m, 1);
  // 64 x 0.1595 fF + 2 fF = 12.208 fF; restoring a quarter swing at 1 V: 12.208 x 0.25 = 3.052 fJ.
  CHECK(p.precharge[0] == Approx(0.003052));
  // AND drain 0.135 um x 0.7 fF/um = 0.0945 fF, plus the 1.2 fF capacitor: 1.2945 fJ per product.
  CHECK(p.and_eval == Approx(0.0012945));
  // A 1-bit sense decision under the Walden form: 9.7 fJ x 2.
  CHECK(p.adc_conversion == Approx(0.0194));
}

TEST_CASE("every technology table loads with a source for every number, and derives by hand-checked formulas", "[tech]") {
  for (const char* node : {"65nm", "28nm", "22nm", "7nm"}) {
    INFO(node);
    const RunConfig cfg = config_for(node);
    CHECK(cfg.tech.name == node);
    for (const auto& k : tech_keys()) CHECK(cfg.tech.source[std::size_t(k.key)].size() > 10);
  }
  // 28 nm: a cell on the bit line is 0.205 um x 0.2 fF/um + 0.037 um x 0.7 fF/um = 0.0669 fF;
  // a flat 256-cell line + 0.86 fF read-out input = 17.9864 fF, precharged at 0.9 V: 14.569 fJ.
  const RunConfig c28 = config_for("28nm");
  MacroParams flat;
  flat.rows = 256;
  flat.hierarchy = {256};
  const ActionPrices p = derive_prices(c28.tech, flat, 9);
  CHECK(p.segment_cap_ff[0] == Approx(256 * 0.0669 + 0.86));
  CHECK(p.precharge[0] == Approx((256 * 0.0669 + 0.86) * 0.81 * 1e-3));
  // 9-bit conversion at 20 fJ/step: 10.24 pJ; no read-out overhead calibrated at this node.
  CHECK(p.adc_conversion == Approx(10.24));
  CHECK(p.adc_overhead == 0.0);
}

TEST_CASE("a technology table without the calibrated entry prices bottom-up terms only", "[tech]") {
  // A user's table written without readout_overhead: 0, with the source saying so.
  const auto tech = std::filesystem::temp_directory_path() / fmt::format("cimsim-tech-nooverhead-{}.yaml", ::getpid());
  {
    std::ifstream in(data_dir() / "configs" / "tech" / "65nm.yaml");
    std::ofstream out(tech);
    std::string line;
    int skip = 0;
    while (std::getline(in, line)) {
      if (line.rfind("readout_overhead:", 0) == 0) skip = 4;  // the key and its value, unit, source
      if (skip > 0) {
        --skip;
        continue;
      }
      out << line << "\n";
    }
  }
  const RunConfig cfg = config_with_tech(tech);
  std::filesystem::remove(tech);
  CHECK(cfg.tech[Tech::ReadoutOverhead] == 0.0);
  CHECK(cfg.tech.source[std::size_t(Tech::ReadoutOverhead)].find("absent") != std::string::npos);
  CHECK(cfg.tech[Tech::AdcFom] == 9.7);  // the rest of the table read as before
  MacroParams m;
  CHECK(derive_prices(cfg.tech, m, 9).adc_overhead == 0.0);
}

TEST_CASE("a SAR's capacitive DAC switches 2^(N+1-2i) (2^i - 1) units per bit, the conventional procedure", "[tech][readout]") {
  // By hand: N = 1: 2^0 x 1 = 1; N = 2: 2^1 x 1 + 2^-1 x 3 = 3.5; N = 8: 128 + 96 + 56 + 30 +
  // 15.5 + 7.875 + 3.96875 + 1.9921875 = 339.336; N = 10: 1363.3 (the figure Liu et al. 2010
  // compare against; their monotonic procedure, 255.5, is 81.2% less).
  CHECK(sar_dac_switching_units(1) == Approx(1.0));
  CHECK(sar_dac_switching_units(2) == Approx(3.5));
  CHECK(sar_dac_switching_units(8) == Approx(339.3359375));
  CHECK(sar_dac_switching_units(10) == Approx(1363.3).epsilon(1e-4));
  CHECK(1.0 - 255.5 / sar_dac_switching_units(10) == Approx(0.812).epsilon(1e-3));
  // It grows as 2^N: one more bit about doubles it.
  CHECK(sar_dac_switching_units(10) / sar_dac_switching_units(9) == Approx(2.0).epsilon(0.01));
}

TEST_CASE("read-out energy from its circuit: comparator decisions, DAC, logic and reference", "[tech][readout]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  const TechTable& t = cfg.tech;
  // A StrongARM of a 2 um input pair: 5 x 2 um x (0.7 + 1.1) fF/um = 18 fF per decision, 18 fJ
  // at 1.0 V; its input load 2 um x 1.1 fF/um = 2.2 fF.
  const ReadoutCircuit sense = readout_circuit(t, "sense", 1, 0, 1.0);
  CHECK(sense.comparator_cap_ff == Approx(18.0));
  CHECK(sense.input_cap_ff == Approx(2.2));
  CHECK(sense.decisions == 1);
  CHECK(sense.comparator == Approx(0.018));
  // One reference tap settled within half a conversion: 2 ln 4 / pi^2 x 2.2 fF x 1 V^2 = 0.618 fJ.
  CHECK(sense.reference == Approx(2 * std::log(4.0) / (M_PI * M_PI) * 2.2e-3));
  CHECK(sense.dac == 0.0);
  CHECK(sense.logic == 0.0);
  // 9-bit SAR: 9 decisions (162 fJ), 680.66 units of 1 fF (680.66 fJ), 9 x 6.7 fJ of logic.
  const ReadoutCircuit sar = readout_circuit(t, "sar", 9, 0, 1.0);
  CHECK(sar.decisions == 9);
  CHECK(sar.comparator == Approx(0.162));
  CHECK(sar.dac == Approx(sar_dac_switching_units(9) * 1e-3));
  CHECK(sar.dac == Approx(0.68066).epsilon(1e-4));
  CHECK(sar.logic == Approx(0.0603));
  CHECK(sar.reference == 0.0);  // the array switches between the rails
  // An 11-level flash at 0.6 V: 10 comparators, 10 x 18 fF x 0.36 = 64.8 fJ; a 10-tap string
  // settled to half an LSB of 4 bits, 2 ln 32 / pi^2 x 10 x 2.2 fF x 0.36; an encoder of 10 x
  // 6.7 fJ x 0.36.
  const ReadoutCircuit flash = readout_circuit(t, "flash", 4, 11, 0.6);
  CHECK(flash.decisions == 10);
  CHECK(flash.comparator == Approx(0.0648));
  CHECK(flash.reference == Approx(2 * std::log(32.0) / (M_PI * M_PI) * 10 * 2.2 * 0.36 * 1e-3));
  CHECK(flash.logic == Approx(10 * 6.7 * 0.36 * 1e-3));
  // A flash's comparators grow with its levels, a SAR's decisions with its bits.
  CHECK(readout_circuit(t, "flash", 5, 0, 1.0).decisions == 31);
  CHECK(readout_circuit(t, "sar", 5, 0, 1.0).decisions == 5);
  // The figure-of-merit converter keeps its Walden price: 9.7 fJ x 512.
  CHECK(readout_circuit(t, "adc", 9, 0, 1.0).total() == Approx(4.9664));
  // derive_prices carries the terms and their sum.
  MacroParams m;
  const ActionPrices p = derive_prices(t, m, 9, 0, "sar");
  CHECK(p.adc_conversion == Approx(sar.total()));
  CHECK(p.readout.dac == Approx(sar.dac));
}

TEST_CASE("divider cells draw V^2 / R_cell per unit of k (n - k) / n and cycle their rows are on", "[tech][readout]") {
  const RunConfig cfg = load_config(default_config_path(), {});
  // Two stacked AND devices: 2 x 1.77 x 1.0 V / (400 uA/um x 0.135 um) = 65.56 kOhm.
  CHECK(divider_cell_kohm(cfg.tech) == Approx(2 * 1.77 / (400 * 0.135) * 1e3));
  MacroParams m;
  m.cell = "xnor";
  m.supply_v = 0.6;
  const PriceTable tab = macro_prices(cfg.tech, m, 9, 0, 2.0, "sar");
  double unit = -1;
  for (const auto& pr : tab)
    if (pr.action == "divider_unit_cycle") unit = pr.pj;
  // 0.36 V^2 / 65.56 kOhm = 5.49 uW, for a cycle of 2 ns: 10.98 fJ.
  CHECK(unit == Approx(0.36 / 65.555 * 2.0).epsilon(1e-3));
  m.cell = "and";  // an AND cell has no static path: no such price
  for (const auto& pr : macro_prices(cfg.tech, m, 9, 0, 2.0, "sar")) CHECK(pr.action != "divider_unit_cycle");
}
