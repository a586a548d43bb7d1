// report.html and the comparison page, from report.json. Self-contained: inline CSS and SVG, no
// scripts, fonts or network.
#include <fmt/format.h>

#include <array>

#include <algorithm>
#include <cmath>

#include "power/report.hpp"
#include "power/svg.hpp"

namespace cimsim {

using svg::escape;
using svg::readable;

namespace {

const char* kStyle =
    "<style>body{font-family:sans-serif;margin:24px;color:#222;max-width:1100px}h1{margin-bottom:4px}"
    ".sub{color:#555;margin-top:0}.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}"
    ".card{border:1px solid #ccc;border-radius:6px;padding:10px 14px;min-width:150px}"
    ".card .v{font-size:22px;font-weight:bold}.card .l{font-size:12px;color:#555}"
    ".bad{color:#b00}.good{color:#070}table{border-collapse:collapse;font-size:13px;margin:8px 0 20px}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}td.t{text-align:left}"
    "figure{margin:8px 0 24px}figcaption{font-size:13px;color:#555;max-width:900px}h2{margin-top:28px}</style>";

// Energy unit for a largest value in pJ.
std::pair<double, std::string> energy_unit(double max_pj) {
  if (max_pj >= 1e9) return {1e-9, "mJ"};
  if (max_pj >= 1e6) return {1e-6, "uJ"};
  if (max_pj >= 1e3) return {1e-3, "nJ"};
  return {1.0, "pJ"};
}

std::string energy_text(double pj) {
  const auto [f, u] = energy_unit(std::fabs(pj));
  return fmt::format("{:.3g} {}", pj * f, u);
}

// Horizontal stacked bars: one row per label, one segment per series.
// `offsets[i]`: where bar i starts (a timeline); empty: every bar starts at 0.
std::string stacked_bars(const std::vector<std::string>& labels, const std::vector<std::string>& series,
                         const std::vector<std::vector<double>>& v, const std::string& xlabel,
                         const std::vector<double>& offsets = {}) {
  const double W = 900, L = 190, R = 30, T = 10, row = 22, B = 60;
  const double H = T + row * double(labels.size()) + B + 22.0 * double((series.size() + 4) / 5);
  double mx = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    double s = offsets.empty() ? 0.0 : offsets[i];
    for (double x : v[i]) s += x;
    mx = std::max(mx, s);
  }
  const svg::Axis ax = svg::make_axis(0, mx > 0 ? mx : 1, false);
  auto px = [&](double x) { return L + ax.frac(x) * (W - L - R); };
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}'>", W, H);
  const double plot_bottom = T + row * double(labels.size());
  for (double t : ax.ticks) {
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#e4e4e4'/>", px(t), T, plot_bottom);
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='11' text-anchor='middle'>{}</text>", px(t), plot_bottom + 15, readable(t));
  }
  s += fmt::format("<text x='{}' y='{}' font-size='13' text-anchor='middle'>{}</text>", (L + W - R) / 2, plot_bottom + 34, escape(xlabel));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = T + row * double(i);
    const std::string lab = labels[i].size() > 28 ? labels[i].substr(0, 27) + "~" : labels[i];
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='12' text-anchor='end'>{}</text>", L - 6, y + row * 0.65, escape(lab));
    double acc = offsets.empty() ? 0.0 : offsets[i];
    for (std::size_t k = 0; k < series.size(); ++k) {
      const double x = v[i][k];
      if (x <= 0) continue;
      s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.2f}' height='{:.1f}' fill='{}'><title>{}: {} {}</title></rect>", px(acc),
                       y + 3, px(acc + x) - px(acc), row - 6, svg::kPalette[k % svg::kPalette.size()], escape(labels[i] + ", " + series[k]),
                       readable(x), escape(xlabel));
      acc += x;
    }
  }
  double lx = L, ly = plot_bottom + 56;
  for (std::size_t k = 0; k < series.size(); ++k) {
    if (k && k % 5 == 0) {
      lx = L;
      ly += 20;
    }
    s += fmt::format("<rect x='{}' y='{}' width='11' height='11' fill='{}'/><text x='{}' y='{}' font-size='12'>{}</text>", lx, ly - 10,
                     svg::kPalette[k % svg::kPalette.size()], lx + 15, ly, escape(series[k]));
    lx += 140;
  }
  return s + "</svg>";
}

// Two bars per layer (e.g. the gated fraction of operations and of time), 0 to 100%.
std::string percent_bars(const std::vector<std::string>& labels, const std::vector<double>& ops, const std::vector<double>& time,
                         const std::string& axis, const std::string& first, const std::string& second) {
  std::vector<std::vector<double>> dummy;
  const double W = 900, L = 190, R = 30, T = 10, row = 30, B = 60;
  const double H = T + row * double(labels.size()) + B;
  auto px = [&](double f) { return L + f * (W - L - R); };
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}'>", W, H);
  const double bottom = T + row * double(labels.size());
  for (int t = 0; t <= 100; t += 20) {
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#e4e4e4'/>", px(t / 100.0), T, bottom);
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='11' text-anchor='middle'>{}%</text>", px(t / 100.0), bottom + 15, t);
  }
  s += fmt::format("<text x='{}' y='{}' font-size='13' text-anchor='middle'>{}</text>", (L + W - R) / 2, bottom + 34, escape(axis));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double y = T + row * double(i);
    const std::string lab = labels[i].size() > 28 ? labels[i].substr(0, 27) + "~" : labels[i];
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='12' text-anchor='end'>{}</text>", L - 6, y + row * 0.6, escape(lab));
    s += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='11' fill='{}'><title>{} {} {:.1f}%</title></rect>", L, y + 3,
                     px(ops[i]) - L, svg::kPalette[0], escape(labels[i]), escape(first), 100 * ops[i]);
    s += fmt::format("<rect x='{}' y='{:.1f}' width='{:.1f}' height='11' fill='{}'><title>{} {} {:.1f}%</title></rect>", L, y + 15,
                     px(time[i]) - L, svg::kPalette[1], escape(labels[i]), escape(second), 100 * time[i]);
  }
  s += fmt::format("<rect x='{}' y='{}' width='11' height='11' fill='{}'/><text x='{}' y='{}' font-size='12'>{}</text>", L,
                   bottom + 44, svg::kPalette[0], L + 15, bottom + 54, escape(first));
  s += fmt::format("<rect x='{}' y='{}' width='11' height='11' fill='{}'/><text x='{}' y='{}' font-size='12'>{}</text>", L + 340,
                   bottom + 44, svg::kPalette[1], L + 355, bottom + 54, escape(second));
  return s + "</svg>";
}

// Heat map of the fraction of operations each domain was gated.
std::string heat_map(int64_t rows, int64_t cols, const std::vector<double>& f) {
  const double cell = std::max(3.0, std::min(18.0, std::min(760.0 / double(cols), 420.0 / double(rows))));
  const double L = 70, T = 10, W = L + cell * double(cols) + 120, H = T + cell * double(rows) + 50;
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{0:.0f}' height='{1:.0f}' viewBox='0 0 {0:.0f} {1:.0f}'>", W, H);
  auto colour = [](double v) {  // white -> dark blue
    const int r = int(255 - 215 * v), g = int(255 - 175 * v), b = int(255 - 95 * v);
    return fmt::format("rgb({},{},{})", r, g, b);
  };
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double v = f[std::size_t(r * cols + c)];
      s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='{:.1f}' height='{:.1f}' fill='{}'><title>row node {}, column group {}: "
                       "gated in {:.1f}% of operations</title></rect>", L + cell * double(c), T + cell * double(r), cell, cell, colour(v), r, c,
                       100 * v);
    }
  s += fmt::format("<rect x='{}' y='{}' width='{:.1f}' height='{:.1f}' fill='none' stroke='#888'/>", L, T, cell * double(cols), cell * double(rows));
  s += fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='12' text-anchor='middle'>column group (0 to {})</text>", L + cell * double(cols) / 2,
                   T + cell * double(rows) + 18, cols - 1);
  s += fmt::format("<text x='14' y='{0:.1f}' font-size='12' text-anchor='middle' transform='rotate(-90 14 {0:.1f})'>row node (0 to {1})</text>",
                   T + cell * double(rows) / 2, rows - 1);
  const double cx = L + cell * double(cols) + 30;
  for (int i = 0; i < 10; ++i)
    s += fmt::format("<rect x='{:.1f}' y='{:.1f}' width='14' height='10' fill='{}'/>", cx, T + 10.0 * (9 - i), colour((i + 0.5) / 10));
  s += fmt::format("<text x='{:.1f}' y='{}' font-size='11'>100% gated</text><text x='{:.1f}' y='{}' font-size='11'>0%</text>", cx + 18, T + 9,
                   cx + 18, T + 100);
  return s + "</svg>";
}

std::string pct(double f) { return fmt::format("{:.1f}%", 100 * f); }

std::string time_text(double ns) {
  if (ns >= 1e9) return fmt::format("{:.3g} s", ns * 1e-9);
  if (ns >= 1e6) return fmt::format("{:.3g} ms", ns * 1e-6);
  if (ns >= 1e3) return fmt::format("{:.3g} us", ns * 1e-3);
  return fmt::format("{:.3g} ns", ns);
}

std::string card(const std::string& value, const std::string& label, const std::string& cls = "") {
  return fmt::format("<div class='card'><div class='v {}'>{}</div><div class='l'>{}</div></div>", cls, value, label);
}

// Raster of the first sample's output spike times, one band of rows per layer, and each layer's
// spikes per neuron.
std::string raster(const Json& t) {
  const auto& layers = t["layers"];
  int64_t rows = 0;
  for (const auto& l : layers) rows += int64_t(l["raster_first_sample"].size());
  const double W = 900, L = 190, R = 30, T = 10, band_gap = 6, B = 50;
  const double row_h = std::max(1.2, std::min(4.0, 480.0 / double(std::max<int64_t>(1, rows))));
  const double H = T + row_h * double(rows) + band_gap * double(layers.size()) + B;
  auto px = [&](double x) { return L + x * (W - L - R); };
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1:.0f}' viewBox='0 0 {0} {1:.0f}'>", W, H);
  double y = T;
  for (std::size_t li = 0; li < layers.size(); ++li) {
    const auto& times = layers[li]["raster_first_sample"];
    const double band = row_h * double(times.size());
    s += fmt::format("<rect x='{}' y='{:.1f}' width='{}' height='{:.1f}' fill='#f6f6f6' stroke='#ddd'/>", L, y, W - L - R, band);
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='12' text-anchor='end'>{} ({:.2f} spikes/neuron)</text>", L - 6, y + band / 2 + 4,
                     escape(layers[li]["name"].get<std::string>()), layers[li]["spikes_per_neuron"].get<double>());
    for (std::size_t n = 0; n < times.size(); ++n) {
      const double tv = times[n].get<double>();
      if (tv >= 1.0) continue;  // no spike
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='2.2' fill='{}' opacity='0.8'/>", px(tv), y + row_h * (double(n) + 0.5),
                       svg::kPalette[li % svg::kPalette.size()]);
    }
    y += band + band_gap;
  }
  for (int i = 0; i <= 10; i += 2) {
    s += fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='11' text-anchor='middle'>{:.1f}</text>", px(i / 10.0), y + 12, i / 10.0);
  }
  s += fmt::format("<text x='{}' y='{:.1f}' font-size='13' text-anchor='middle'>output spike time (fraction of the window; earlier = larger value)</text>",
                   (L + W - R) / 2, y + 32);
  return s + "</svg>";
}

}  // namespace

std::string report_html(const Json& j, const std::string& heat_layer) {
  const auto& t = j["totals"];
  const auto& f = j["function"];
  const auto& a = j["arch"];
  const double samples = f["samples"].get<double>();
  std::string h = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>cimsim report " + escape(j["workload"].get<std::string>()) +
                  "</title>" + kStyle + "</head><body>";
  std::string hierarchy;
  for (const auto& x : a["macro"]["hierarchy"]) hierarchy += (hierarchy.empty() ? "" : ", ") + std::to_string(x.get<int64_t>());
  h += "<h1>cimsim report: " + escape(j["workload"].get<std::string>()) + "</h1>";
  const bool is_ttfs = j.contains("ttfs") && !j["ttfs"].is_null();
  if (is_ttfs) h += fmt::format("<p class='sub'>TTFS charge-domain arrays, {} solver, at {} MHz</p>", escape(j["ttfs"]["solver"].get<std::string>()),
                                readable(a["clock_mhz"].get<double>()));
  std::string kinds;
  for (auto it = a["macros"].begin(); it != a["macros"].end(); ++it)
    if (it.value().get<int64_t>() > 0) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : " + ", it.value().get<int64_t>(), it.key());
  if (!is_ttfs) h += fmt::format("<p class='sub'>{}, {} technology at {} MHz</p>", escape(a.value("chip", kinds)),
                                 escape(a["tech"].get<std::string>()), readable(a["clock_mhz"].get<double>()));
  const bool match = f["outputs_match_reference"].get<bool>();
  h += "<div class='cards'>";
  h += card(energy_text(t["energy_pj"].get<double>()), fmt::format("energy ({} per sample)", energy_text(t["energy_pj"].get<double>() / samples)));
  h += card(readable(t["cycles"].get<double>()), "cycles (" + time_text(t["time_ns"].get<double>()) + ")");
  h += card(fmt::format("{:.3g}", t["tops_per_w"].get<double>()), "TOPS/W (1 MAC = 2 ops)");
  const bool has_area = j.contains("area") && j["area"].is_object();
  if (has_area)
    h += card(fmt::format("{:.3g}", t["tops_per_mm2"].get<double>()),
              fmt::format("TOPS/mm&sup2; over the run's time, on {:.3g} mm&sup2; of chip", j["area"]["chip_mm2"].get<double>()));
  if (is_ttfs) h += card(fmt::format("{:.3f}", j["ttfs"]["spikes_per_neuron"].get<double>()), "spikes per neuron");
  else {
    h += card(pct(t["gated_fraction_ops"].get<double>()) + " / " + pct(t["gated_fraction_time"].get<double>()), "gated fraction: operations / time");
    h += card(pct(t.value("utilisation", 0.0)) + " / " + pct(t.value("gated_fraction_data", 0.0)),
              "utilisation / gated by the data (of the domain evaluations the mapping uses)");
  }
  h += card(match ? "match" : "differ", fmt::format("outputs vs reference ({} samples, max |error| {:.2g})", samples, f["max_abs_error"].get<double>()),
            match ? "good" : "bad");
  if (f["accuracy"].is_number())
    h += card(pct(f["accuracy"].get<double>()), fmt::format("accuracy on the hardware (reference {})", pct(f["reference_accuracy"].get<double>())));
  if (f.contains("noise") && f["noise"].is_object()) {
    const auto& n = f["noise"];
    const auto& e = n["read_errors"];
    const double reads = e["reads"].get<double>();
    h += card(n["accuracy"].is_number() ? pct(n["accuracy"].get<double>()) : (n["outputs_match_reference"].get<bool>() ? "match" : "differ"),
              fmt::format("noisy hardware (seed {}): {} of column reads off, error {:+.2f} &plusmn; {:.2f} LSB",
                          n["seed"].get<uint64_t>(), pct(reads > 0 ? e["reads_wrong"].get<double>() / reads : 0.0),
                          e["mean_lsb"].get<double>(), e["sigma_lsb"].get<double>()),
              n["outputs_match_reference"].get<bool>() ? "good" : "bad");
  }
  h += "</div>";
  if (!f["readout_lossless"].get<bool>()) {
    h += "<p class='bad'>The read-out is lossy: the ADC has fewer bits than a column's count needs; the function check above shows "
         "its effect.</p>";
  }

  // Architecture.
  h += "<h2>Architecture</h2><table>";
  if (is_ttfs) {
    const auto& tt = j["ttfs"];
    h += fmt::format("<tr><th style='text-align:left'>arrays</th><td class='t'>{} array tiles, {}</td></tr>", tt["arrays_needed"].get<int64_t>(),
                     tt["pipelined"].get<bool>() ? "pipelined (layer k fires while layer k+1 accumulates)" : "time-multiplexed");
    auto e_text = [](const Json& e) { return e.is_string() ? e.get<std::string>() : fmt::format("{:.3g}", e.get<double>()); };
    h += fmt::format("<tr><th style='text-align:left'>reversal potentials</th><td class='t'>E+ {}, E- {} (units of the threshold)</td></tr>",
                     e_text(tt["e_rev_pos"]), e_text(tt["e_rev_neg"]));
    h += "</table>";
  } else {
  auto row = [&](const std::string& k, const std::string& v) { h += "<tr><th style='text-align:left'>" + k + "</th><td class='t'>" + v + "</td></tr>"; };
  row("technology", escape(a["tech"].get<std::string>()) + fmt::format(", {} MHz", readable(a["clock_mhz"].get<double>())));
  row("macros", fmt::format("{}{}, schedule {}", kinds, a["weights_resident"].get<bool>() ? " (weights resident)" : "",
                            a.value("schedule", std::string("sequential"))));
  row("macro", fmt::format("{} rows x {} columns, bit line [{}]", a["macro"]["rows"].get<int64_t>(), a["macro"]["cols"].get<int64_t>(), hierarchy));
  if (a["macro"].contains("lsb_mv")) {
    std::string lsb;
    for (const auto& x : a["macro"]["lsb_mv"]) lsb += (lsb.empty() ? "" : " / ") + fmt::format("{:.3g}", x.get<double>());
    row("signal per count", lsb + " mV at the node of each level, leaf to the read-out");
  }
  row("gating domains", fmt::format("level {} x {} columns: {} per macro", a["macro"]["gating_level"].get<int64_t>(),
                                    a["macro"]["gate_cols"].get<int64_t>(), a["macro"]["domains"].get<int64_t>()));
  const int64_t ro_level = a["readout"].value("level", int64_t(-1));
  const bool at_root = !a["macro"].contains("hierarchy") || ro_level < 0 ||
                       ro_level + 1 >= int64_t(a["macro"]["hierarchy"].size());
  row("read-out", fmt::format("{}, {} bits{}{}", escape(a["readout"]["kind"].get<std::string>()), a["readout"]["bits"].get<int64_t>(),
                              a["readout"]["share"].get<int64_t>() ? fmt::format(", shared by {} columns", a["readout"]["share"].get<int64_t>()) : "",
                              at_root ? std::string(", at the root")
                                      : fmt::format(", one per level-{} segment, summed digitally", ro_level)));
  row("channel reordering", a["reorder_channels"].get<bool>() ? "on" : "off");
  h += "</table>";
  }
  if (j.contains("memory") && j["memory"].is_object()) {
    const auto& m = j["memory"];
    h += "<h2>Off-chip memory</h2><table>";
    auto mrow = [&](const std::string& k, const std::string& v) {
      h += "<tr><th style='text-align:left'>" + k + "</th><td class='t'>" + v + "</td></tr>";
    };
    mrow("interface", fmt::format("{}, {:g} pJ/bit, {:g} GB/s ({} bits per cycle)", escape(m["kind"].get<std::string>()),
                                  m["pj_per_bit"].get<double>(), m["gb_per_s"].get<double>(), m["bits_per_cycle"].get<int64_t>()));
    mrow("traffic", fmt::format("inputs {} bits read, outputs {} bits written, weight tiles {} bits fetched for rewrites: {}",
                                readable(m["input_read_bits"].get<double>()), readable(m["output_write_bits"].get<double>()),
                                readable(m["weight_fetch_bits"].get<double>()), energy_text(m["traffic_energy_pj"].get<double>())));
    mrow("one-time weight load", fmt::format("{} bits: {} (resident weights, fetched before their first write)",
                                             readable(m["weight_load_bits"].get<double>()),
                                             energy_text(m["one_time_energy_pj"].get<double>())));
    mrow("cycles", fmt::format("interface busy {} cycles; steps waited {} cycles for weight tiles",
                               readable(m["busy_cycles"].get<double>()), readable(m["stall_cycles"].get<double>())));
    h += "</table>";
  }
  if (has_area) {
    // Area by block and part (docs/area.md).
    h += "<h2>Area</h2><table><tr><th style='text-align:left'>block</th><th style='text-align:left'>part</th><th>count</th>"
         "<th>each (um&sup2;)</th><th>total (mm&sup2;)</th><th>share</th></tr>";
    const double chip = j["area"]["chip_mm2"].get<double>();
    for (const auto& b : j["area"]["blocks"]) {
      const int64_t n = b["count"].get<int64_t>();
      const std::string name = escape(b["name"].get<std::string>()) + (n > 1 ? fmt::format(" (x {})", n) : "");
      h += fmt::format("<tr><th style='text-align:left'>{}</th><td class='t'>all</td><td>{}</td><td>{}</td><td>{:.4g}</td><td>{}</td></tr>",
                       name, n, readable(b["each_um2"].get<double>()), b["um2"].get<double>() * 1e-6,
                       pct(chip > 0 ? b["um2"].get<double>() * 1e-6 / chip : 0.0));
      for (const auto& p : b["parts"])
        h += fmt::format("<tr><td></td><td class='t'>{}</td><td>{}</td><td>{}</td><td>{:.4g}</td><td>{}</td></tr>",
                         escape(p["name"].get<std::string>()), p["count"].get<int64_t>(), readable(p["each_um2"].get<double>()),
                         p["um2"].get<double>() * 1e-6 * double(n), pct(chip > 0 ? p["um2"].get<double>() * 1e-6 * double(n) / chip : 0.0));
    }
    h += fmt::format("<tr><th style='text-align:left'>chip</th><td></td><td></td><td></td><td>{:.4g}</td><td>100%</td></tr></table>", chip);
    h += "<p class='sub'>From the layout's parts at the technology's sizes (docs/area.md); no routing between blocks and no "
         "controller are counted. A part's total is over all the block's copies.</p>";
  }

  // Energy by component per step.
  std::vector<std::string> comps, labels;
  for (auto it = j["energy_breakdown_pj"].begin(); it != j["energy_breakdown_pj"].end(); ++it)
    if (it.value().get<double>() > 0) comps.push_back(it.key());
  double max_step = 0;
  for (const auto& l : j["layers"]) max_step = std::max(max_step, l["energy_pj"].get<double>());
  const auto [ef, eu] = energy_unit(max_step);
  std::vector<std::vector<double>> ev;
  for (const auto& l : j["layers"]) {
    if (l["energy_pj"].get<double>() <= 0) continue;
    labels.push_back(l["name"].get<std::string>());
    std::vector<double> r;
    for (const auto& c : comps) r.push_back(l["energy_breakdown_pj"].value(c, 0.0) * ef);
    ev.push_back(r);
  }
  h += "<h2>Energy by component</h2><figure>" + stacked_bars(labels, comps, ev, "energy (" + eu + ")") +
       (is_ttfs ? std::string("<figcaption>Each bar is one TTFS layer, split by where the energy goes: charge the excitatory synapses "
                              "draw from the supply, spikes driving the next layer's synapse gates, restoring membranes below rest, "
                              "comparators, the firing ramp, and leakage (docs/ttfs.md defines each). Hover a segment for its value."
                              "</figcaption></figure>")
                : std::string("<figcaption>Each bar is one step of the network (macro layers and digital-periphery steps), split by "
                              "where the energy goes: bit-line precharge per hierarchy level, merges, word lines, evaluation, "
                              "divider cells' static current, the read-out by circuit term (comparator decisions, DAC, logic, "
                              "reference) and any empirical overhead, digital periphery, buffers, weight writes, gating control, "
                              "wake-ups, leakage and "
                              "the digital MAC unit of layers with real-valued inputs or weights (docs/model.md defines "
                              "each). Hover a segment for its value.</figcaption></figure>"));

  // Cycles with stall causes.
  const std::vector<std::string> cyc_series = {"operations", "wake-up stall", "read-out sharing stall", "buffer stall", "weight-write stall",
                                                "off-chip memory stall"};
  std::vector<std::string> clabels;
  std::vector<std::vector<double>> cv;
  for (const auto& l : j["layers"]) {
    const double cycles = l["cycles"].get<double>();
    if (cycles <= 0) continue;
    const auto& st = l["stall_cycles"];
    const double w = st["wakeup"].get<double>(), r = st["readout_share"].get<double>(), b = st["buffer"].get<double>(),
                 wr = st["weight_write"].get<double>(), m = st.value("memory", 0.0);
    clabels.push_back(l["name"].get<std::string>());
    cv.push_back({std::max(0.0, cycles - (w + r + b + wr + m)), w, r, b, wr, m});
  }
  // The schedule: when each step ran, from its first input sample to its last output written.
  {
    std::vector<std::string> tl;
    std::vector<std::vector<double>> tv;
    std::vector<double> t0;
    for (const auto& l : j["layers"]) {
      const double a = l.value("start_cycle", 0.0), b = l.value("end_cycle", 0.0);
      if (b <= a) continue;
      tl.push_back(l["name"].get<std::string>());
      const std::string unit = l["macro"].get<std::string>();
      const double d = b - a;
      tv.push_back({unit != "periphery" && unit != "digital-mac" ? d : 0.0, unit == "digital-mac" ? d : 0.0,
                    unit == "periphery" ? d : 0.0});
      t0.push_back(a);
    }
    if (!tl.empty())
      h += "<h2>Schedule</h2><figure>" +
           stacked_bars(tl, {is_ttfs ? "neuron-array layer" : "macro layer", "digital MAC unit", "digital step"}, tv, "cycle", t0) +
           (is_ttfs ? std::string("<figcaption>When each layer's arrays were busy, from its first reset to its last firing "
                                  "window: layers are pipelined, layer k firing while layer k + 1 accumulates.</figcaption></figure>")
                    : fmt::format("<figcaption>When each step ran, from its start (its first input sample ready and its macros "
                                  "granted) to its end (its last output written). Schedule: {}{}.</figcaption></figure>",
                                  escape(a.value("schedule", std::string("sequential"))),
                                  a.value("schedule", std::string()) == "overlap"
                                      ? ": steps start as soon as their inputs and macros allow, so a step streams the "
                                        "samples its producer has finished and steps on different units run at once"
                                      : ": one step after another"));
  }
  if (!is_ttfs)  // TTFS layers overlap in a fixed phase pipeline: their timing is the phase schedule
  h += "<h2>Cycles and stalls</h2><figure>" + stacked_bars(clabels, cyc_series, cv, "cycles") +
       "<figcaption>Elapsed cycles of each step (end - start), split into the cycles the stall causes account for (wake-ups of "
       "gated domains, converters shared between columns, buffer ports busy with other transfers, writing weights) and the rest: "
       "the operations themselves, and waiting for input samples when a step streams its producer's output. Stall cycles are "
       "summed over macros, so with several macros working at once a bar can be longer than the step's elapsed cycles.</figcaption></figure>";

  // Gated fractions.
  std::vector<std::string> glabels;
  std::vector<double> gops, gtime;
  std::string heat_name;
  const Json* heat = nullptr;
  uint64_t most_ops = 0;
  for (const auto& l : j["layers"]) {
    if (l["gating_map"].is_null()) continue;
    glabels.push_back(l["name"].get<std::string>());
    gops.push_back(l["gated_fraction_ops"].get<double>());
    gtime.push_back(l["gated_fraction_time"].get<double>());
    const bool chosen = heat_layer.empty() ? l["ops"].get<uint64_t>() > most_ops : l["name"].get<std::string>() == heat_layer;
    if (chosen && (heat_layer.empty() || !heat)) {
      most_ops = l["ops"].get<uint64_t>();
      heat = &l;
    }
  }
  if (!glabels.empty()) {
    h += "<h2>Power gating</h2><figure>" + percent_bars(glabels, gops, gtime, "gated fraction (% of domain evaluations, % of domain-cycles)", "operations", "time") +
         "<figcaption>Per macro layer: the fraction of domain evaluations that were skipped because the domain could not contribute "
         "(all inputs or all stored bits 0 on its rows, or all its columns discarded), and the fraction of domain-cycles spent gated, "
         "over the macros in use.</figcaption></figure>";
  }
  // The noisy hardware per layer: column reads off, and binary outputs flipped.
  if (f.contains("noise") && f["noise"].is_object()) {
    std::vector<std::string> nlabels;
    std::vector<double> off, flipped;
    for (const auto& l : j["layers"]) {
      if (!l.contains("read_errors") || !l["read_errors"].is_object()) continue;
      const double reads = l["read_errors"]["reads"].get<double>();
      nlabels.push_back(l["name"].get<std::string>());
      off.push_back(reads > 0 ? l["read_errors"]["reads_wrong"].get<double>() / reads : 0.0);
      flipped.push_back(l.contains("flipped") && l["flipped"].is_number() ? l["flipped"].get<double>() : 0.0);
    }
    if (!nlabels.empty()) {
      const auto& n = f["noise"];
      h += "<h2>Noisy hardware by layer</h2><figure>" +
           percent_bars(nlabels, off, flipped, "% of column reads off, % of binary outputs flipped", "column reads off",
                        "binary outputs flipped") +
           fmt::format("<figcaption>Per macro layer of the noisy pass (seed {}): the share of its column read-outs that differ "
                       "from the exact count, and of its binary outputs (binarized layers; no bar for the others) that differ from "
                       "the exact chip's, over the first {} samples. Flips compound: a layer's inputs are the noisy outputs of "
                       "the layers before it.</figcaption></figure>",
                       n["seed"].get<uint64_t>(), n.contains("flip_samples") ? n["flip_samples"].get<int64_t>() : 0);
    }
  }
  if (heat) {
    const auto& m = (*heat)["gating_map"];
    h += fmt::format("<h2>Gating map of {} ({})</h2><figure>", escape((*heat)["name"].get<std::string>()), escape((*heat)["macro"].get<std::string>())) +
         heat_map(m["rows"].get<int64_t>(), m["cols"].get<int64_t>(), m["gated_fraction"].get<std::vector<double>>()) +
         fmt::format("<figcaption>How often each power-gating domain of the macro was gated during this layer ({} operations): one "
                     "cell per domain, rows are hierarchy nodes at the gating level (top = first rows of the macro), columns are "
                     "groups of {} columns; darker is gated more often. Domains outside the layer's tiles stay gated. "
                     "<code>cimsim report DIR --layer NAME</code> draws another layer.</figcaption></figure>",
                     (*heat)["ops"].get<uint64_t>(), a["macro"]["gate_cols"].get<int64_t>());
  }

  if (j.contains("ttfs") && !j["ttfs"].is_null()) {
    const auto& tt = j["ttfs"];
    h += fmt::format("<h2>Spikes</h2><p>{} spikes, {:.3f} per neuron ({:.3f} per hidden neuron), {} synaptic events.</p><figure>",
                     readable(tt["spikes"].get<double>()), tt["spikes_per_neuron"].get<double>(), tt["spikes_per_hidden_neuron"].get<double>(),
                     readable(tt["synaptic_events"].get<double>())) +
         raster(tt) +
         "<figcaption>Raster of the first sample: one row per neuron, grouped by layer, a mark at the time the neuron fired within "
         "its firing window (an earlier spike is a larger value; a neuron that did not reach the threshold has no mark). Each "
         "spike drives the next layer's synapse gates and switches its synapses on, so fewer marks cost less: see the ttfs_spike "
         "and ttfs_synapse terms above.</figcaption></figure>";
  }

  // Tables.
  h += "<h2>Energy by component, whole run</h2><table><tr><th>component</th><th>energy</th><th>share</th></tr>";
  const double total = t["energy_pj"].get<double>();
  for (auto it = j["energy_breakdown_pj"].begin(); it != j["energy_breakdown_pj"].end(); ++it)
    h += fmt::format("<tr><td class='t'>{}</td><td>{}</td><td>{}</td></tr>", escape(it.key()), energy_text(it.value().get<double>()),
                     pct(total > 0 ? it.value().get<double>() / total : 0));
  h += "</table><h2>Steps</h2><table><tr><th>step</th><th>kind</th><th>macro</th><th>tiles</th><th>operations</th><th>cycles</th>"
       "<th>energy</th><th>gated ops</th><th>gated time</th></tr>";
  for (const auto& l : j["layers"]) {
    const bool macro = !l["gating_map"].is_null();
    h += fmt::format("<tr><td class='t'>{}</td><td class='t'>{}</td><td class='t'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     escape(l["name"].get<std::string>()), escape(l["kind"].get<std::string>()), escape(l["macro"].get<std::string>()),
                     macro ? fmt::format("{}x{}", l["tiles"]["rows"].get<int>(), l["tiles"]["cols"].get<int>()) : "-",
                     macro ? readable(l["ops"].get<double>()) : "-", readable(l["cycles"].get<double>()), energy_text(l["energy_pj"].get<double>()),
                     macro ? pct(l["gated_fraction_ops"].get<double>()) : "-", macro ? pct(l["gated_fraction_time"].get<double>()) : "-");
  }
  h += "</table><p class='sub'>Written by cimsim from report.json (schema " + escape(j["schema"].get<std::string>()) +
       "); docs/report.md explains every chart and number.</p></body></html>\n";
  return h;
}

namespace {

// Fractions change by percentage points, not by a percentage of themselves.
std::string diff_pts(double a, double b) { return fmt::format("{:+.1f} pts", 100.0 * (b - a)); }

std::string diff_pct(double a, double b) {
  if (a == 0) return b == 0 ? "0%" : "-";
  return fmt::format("{:+.1f}%", 100.0 * (b - a) / a);
}

}  // namespace

std::string compare_table(const Json& a, const Json& b, const std::string& na, const std::string& nb,
                          const std::vector<std::array<std::string, 3>>& config_diff) {
  std::string s;
  if (!config_diff.empty()) {
    s += fmt::format("  config keys that differ ({}):\n", config_diff.size());
    auto cut = [](const std::string& v) { return v.size() > 48 ? v.substr(0, 45) + "..." : v; };
    for (const auto& [k, x, y] : config_diff) s += fmt::format("    {:<40} {} -> {}\n", k, cut(x), cut(y));
    s += "\n";
  }
  s += fmt::format("  {:<24}{:>16}{:>16}{:>10}\n", "", na.size() > 15 ? na.substr(0, 15) : na, nb.size() > 15 ? nb.substr(0, 15) : nb, "change");
  auto line = [&](const std::string& k, double x, double y, const std::string& fx, const std::string& fy) {
    s += fmt::format("  {:<24}{:>16}{:>16}{:>10}\n", k, fx, fy, diff_pct(x, y));
  };
  const auto &ta = a["totals"], &tb = b["totals"];
  line("cycles", ta["cycles"].get<double>(), tb["cycles"].get<double>(), readable(ta["cycles"].get<double>()), readable(tb["cycles"].get<double>()));
  line("energy", ta["energy_pj"].get<double>(), tb["energy_pj"].get<double>(), energy_text(ta["energy_pj"].get<double>()), energy_text(tb["energy_pj"].get<double>()));
  line("TOPS/W", ta["tops_per_w"].get<double>(), tb["tops_per_w"].get<double>(), fmt::format("{:.3g}", ta["tops_per_w"].get<double>()),
       fmt::format("{:.3g}", tb["tops_per_w"].get<double>()));
  if (ta.contains("area_mm2") && ta["area_mm2"].is_number() && tb.contains("area_mm2") && tb["area_mm2"].is_number()) {
    line("chip area (mm^2)", ta["area_mm2"].get<double>(), tb["area_mm2"].get<double>(), fmt::format("{:.4g}", ta["area_mm2"].get<double>()),
       fmt::format("{:.4g}", tb["area_mm2"].get<double>()));
    line("TOPS/mm^2", ta["tops_per_mm2"].get<double>(), tb["tops_per_mm2"].get<double>(), fmt::format("{:.3g}", ta["tops_per_mm2"].get<double>()),
       fmt::format("{:.3g}", tb["tops_per_mm2"].get<double>()));
  }
  s += fmt::format("  {:<24}{:>16}{:>16}{:>10}\n", "gated fraction (ops)", pct(ta["gated_fraction_ops"].get<double>()),
                   pct(tb["gated_fraction_ops"].get<double>()),
                   diff_pts(ta["gated_fraction_ops"].get<double>(), tb["gated_fraction_ops"].get<double>()));
  for (auto it = a["energy_breakdown_pj"].begin(); it != a["energy_breakdown_pj"].end(); ++it) {
    const double x = it.value().get<double>(), y = b["energy_breakdown_pj"].value(it.key(), 0.0);
    if (x == 0 && y == 0) continue;
    line("  " + it.key(), x, y, energy_text(x), energy_text(y));
  }
  return s;
}

std::string compare_html(const Json& a, const Json& b, const std::string& na, const std::string& nb,
                         const std::vector<std::array<std::string, 3>>& config_diff) {
  std::string h = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>cimsim comparison</title>" + std::string(kStyle) + "</head><body>";
  h += "<h1>cimsim comparison</h1><p class='sub'>A: " + escape(na) + " (" + escape(a["workload"].get<std::string>()) + ") &nbsp; B: " + escape(nb) +
       " (" + escape(b["workload"].get<std::string>()) + "). Change is (B - A) / A, and for fractions B - A in percentage points.</p>";
  if (!config_diff.empty()) {
    h += "<h2>Config keys that differ</h2><table><tr><th>key</th><th>A</th><th>B</th></tr>";
    for (const auto& [k, x, y] : config_diff)
      h += fmt::format("<tr><td class='t'>{}</td><td class='t'>{}</td><td class='t'>{}</td></tr>", escape(k), escape(x), escape(y));
    h += "</table>";
  }
  h += "<h2>Totals</h2><table><tr><th></th><th>A</th><th>B</th><th>change</th></tr>";
  auto row = [&](const std::string& k, double x, double y, const std::string& fx, const std::string& fy) {
    h += fmt::format("<tr><td class='t'>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(k), fx, fy, diff_pct(x, y));
  };
  const auto &ta = a["totals"], &tb = b["totals"];
  row("cycles", ta["cycles"].get<double>(), tb["cycles"].get<double>(), readable(ta["cycles"].get<double>()), readable(tb["cycles"].get<double>()));
  row("energy", ta["energy_pj"].get<double>(), tb["energy_pj"].get<double>(), energy_text(ta["energy_pj"].get<double>()), energy_text(tb["energy_pj"].get<double>()));
  row("TOPS/W", ta["tops_per_w"].get<double>(), tb["tops_per_w"].get<double>(), fmt::format("{:.3g}", ta["tops_per_w"].get<double>()),
      fmt::format("{:.3g}", tb["tops_per_w"].get<double>()));
  if (ta.contains("area_mm2") && ta["area_mm2"].is_number() && tb.contains("area_mm2") && tb["area_mm2"].is_number()) {
    row("chip area (mm^2)", ta["area_mm2"].get<double>(), tb["area_mm2"].get<double>(), fmt::format("{:.4g}", ta["area_mm2"].get<double>()),
       fmt::format("{:.4g}", tb["area_mm2"].get<double>()));
    row("TOPS/mm^2", ta["tops_per_mm2"].get<double>(), tb["tops_per_mm2"].get<double>(), fmt::format("{:.3g}", ta["tops_per_mm2"].get<double>()),
       fmt::format("{:.3g}", tb["tops_per_mm2"].get<double>()));
  }
  for (const char* k : {"gated_fraction_ops", "gated_fraction_time"}) {
    const double x = ta[k].get<double>(), y = tb[k].get<double>();
    h += fmt::format("<tr><td class='t'>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     std::string(k) == "gated_fraction_ops" ? "gated fraction, operations" : "gated fraction, time", pct(x), pct(y), diff_pts(x, y));
  }
  h += "</table>";
  // Energy by component, A and B side by side as a stacked bar each.
  std::vector<std::string> comps;
  for (auto it = a["energy_breakdown_pj"].begin(); it != a["energy_breakdown_pj"].end(); ++it) comps.push_back(it.key());
  for (auto it = b["energy_breakdown_pj"].begin(); it != b["energy_breakdown_pj"].end(); ++it)
    if (std::find(comps.begin(), comps.end(), it.key()) == comps.end()) comps.push_back(it.key());
  const double mx = std::max(ta["energy_pj"].get<double>(), tb["energy_pj"].get<double>());
  const auto [ef, eu] = energy_unit(mx);
  std::vector<std::vector<double>> v(2);
  for (const auto& c : comps) {
    v[0].push_back(a["energy_breakdown_pj"].value(c, 0.0) * ef);
    v[1].push_back(b["energy_breakdown_pj"].value(c, 0.0) * ef);
  }
  h += "<h2>Energy by component</h2><figure>" + stacked_bars({"A: " + na, "B: " + nb}, comps, v, "energy (" + eu + ")") + "</figure>";
  h += "<table><tr><th>component</th><th>A</th><th>B</th><th>change</th></tr>";
  for (std::size_t i = 0; i < comps.size(); ++i)
    h += fmt::format("<tr><td class='t'>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(comps[i]), energy_text(v[0][i] / ef),
                     energy_text(v[1][i] / ef), diff_pct(v[0][i], v[1][i]));
  h += "</table><h2>Steps</h2><table><tr><th>step</th><th>cycles A</th><th>cycles B</th><th>change</th><th>energy A</th><th>energy B</th>"
       "<th>change</th></tr>";
  for (const auto& la : a["layers"]) {
    const Json* lb = nullptr;
    for (const auto& l : b["layers"])
      if (l["name"] == la["name"]) lb = &l;
    const std::string n = la["name"].get<std::string>();
    if (!lb) {
      h += "<tr><td class='t'>" + escape(n) + "</td><td colspan='6' class='t'>only in A</td></tr>";
      continue;
    }
    h += fmt::format("<tr><td class='t'>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", escape(n),
                     readable(la["cycles"].get<double>()), readable((*lb)["cycles"].get<double>()),
                     diff_pct(la["cycles"].get<double>(), (*lb)["cycles"].get<double>()), energy_text(la["energy_pj"].get<double>()),
                     energy_text((*lb)["energy_pj"].get<double>()), diff_pct(la["energy_pj"].get<double>(), (*lb)["energy_pj"].get<double>()));
  }
  return h + "</table></body></html>\n";
}

}  // namespace cimsim
