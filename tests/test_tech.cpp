// The derived per-action energies, pinned to values computed by hand from the 65 nm table.
#include <catch2/catch.hpp>

#include "power/energy.hpp"
#include "power/tech.hpp"
#include "sim/config.hpp"

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
  // A 9-bit conversion at 30 fJ/step: 30 x 512 fJ = 15.36 pJ.
  CHECK(ph.adc_conversion == Approx(15.36));
  // A domain of 16 x 8 cells: AND width 128 x 0.135 um + 8 precharge drivers x 0.54 um = 21.6 um;
  // waking recharges its drain load 21.6 x 0.7 fF = 15.12 fF.
  CHECK(ph.wake_event == Approx(0.01512));
  CHECK(ph.leak_domain_gated_nw == Approx(128 * 0.135 * 0.03));
}

TEST_CASE("the ledger sums counts times prices and integrates leakage over time", "[tech]") {
  ActionPrices p;
  p.precharge = {0.5, 2.0};
  p.merge = 0.1;
  p.adc_conversion = 3.0;
  p.leak_array_nw = 1000.0;
  p.leak_domain_on_nw = 10.0;
  p.leak_domain_gated_nw = 1.0;
  MacroCounters c(2);
  c.precharge = {4, 1};
  c.merge = {4, 0};
  c[Act::AdcConversion] = 2;
  c[Stat::DomainCyclesOn] = 100;
  c[Stat::DomainCyclesGated] = 300;
  const EnergyBreakdown e = price(c, 50, 1, p, 2.0);
  CHECK(e.get("precharge_l0") == Approx(2.0));
  CHECK(e.get("precharge_l1") == Approx(2.0));
  CHECK(e.get("merge") == Approx(0.4));
  CHECK(e.get("readout") == Approx(6.0));
  // (1000 nW x 50 x 2 ns + 10 nW x 100 x 2 ns + 1 nW x 300 x 2 ns) x 1e-6 pJ/(nW ns)
  CHECK(e.get("leakage") == Approx((100000.0 + 2000.0 + 600.0) * 1e-6));
  CHECK(e.total() == Approx(2.0 + 2.0 + 0.4 + 6.0 + 0.1026));
}
