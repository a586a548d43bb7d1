#include "power/sweep_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "power/svg.hpp"

namespace cimsim {

void mark_pareto(std::vector<SweepRow>& rows) {
  for (auto& r : rows) {
    if (r.status != "ok") continue;
    r.pareto = true;
    for (const auto& o : rows) {
      if (&o == &r || o.status != "ok") continue;
      const bool no_worse = o.energy_pj <= r.energy_pj && o.cycles <= r.cycles && o.area_um2 <= r.area_um2;
      const bool better = o.energy_pj < r.energy_pj || o.cycles < r.cycles || o.area_um2 < r.area_um2;
      if (no_worse && better) {
        r.pareto = false;
        break;
      }
    }
  }
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string html_escape(const std::string& s) { return svg::escape(s); }

using svg::Axis;
using svg::make_axis;
using svg::readable;
const auto& kPalette = svg::kPalette;

// A scatter plot of y against x; dots coloured by `series` (the last axis' values, when it has
// at most 6), Pareto points in red on top, with their settings on hover.
std::string scatter(const std::vector<SweepRow>& rows, const std::vector<std::string>& columns, double (*fx)(const SweepRow&),
                    double (*fy)(const SweepRow&), const std::string& xlabel, const std::string& ylabel) {
  const double W = 580, H = 400, L = 80, R = 40, T = 20, B = 70;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  std::vector<std::string> series;
  for (const auto& r : rows) {
    if (r.status != "ok") continue;
    x0 = std::min(x0, fx(r)); x1 = std::max(x1, fx(r));
    y0 = std::min(y0, fy(r)); y1 = std::max(y1, fy(r));
    if (!r.values.empty() && std::find(series.begin(), series.end(), r.values.back()) == series.end()) series.push_back(r.values.back());
  }
  const bool by_series = series.size() >= 2 && series.size() <= 6;
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}'>", W, H, W, H);
  if (!(x0 <= x1)) return s + "<text x='20' y='40'>no completed points</text></svg>";
  const Axis ax = make_axis(x0, x1), ay = make_axis(y0, y1);
  auto px = [&](double v) { return L + ax.frac(v) * (W - L - R); };
  auto py = [&](double v) { return H - B - ay.frac(v) * (H - T - B); };
  s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>", L, T, W - L - R, H - T - B);
  for (double t : ax.ticks) {
    s += fmt::format("<line x1='{0:.1f}' x2='{0:.1f}' y1='{1}' y2='{2}' stroke='#eee'/>", px(t), T, H - B);
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='11' text-anchor='middle'>{}</text>", px(t), H - B + 16, readable(t));
  }
  for (double t : ay.ticks) {
    s += fmt::format("<line x1='{0}' x2='{1}' y1='{2:.1f}' y2='{2:.1f}' stroke='#eee'/>", L, W - R, py(t));
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='11' text-anchor='end'>{}</text>", L - 6, py(t) + 4, readable(t));
  }
  s += fmt::format("<text x='{}' y='{}' font-size='13' text-anchor='middle'>{}{}</text>", (L + W - R) / 2, H - B + 36,
                   html_escape(xlabel), ax.log ? " (log scale)" : "");
  s += fmt::format("<text x='16' y='{0}' font-size='13' text-anchor='middle' transform='rotate(-90 16 {0})'>{1}{2}</text>",
                   (T + H - B) / 2, html_escape(ylabel), ay.log ? " (log scale)" : "");
  auto colour = [&](const SweepRow& r) -> std::string {
    if (!by_series) return "#8fa3b3";
    return kPalette[std::find(series.begin(), series.end(), r.values.back()) - series.begin()];
  };
  for (const auto& r : rows)
    if (r.status == "ok" && !r.pareto)
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='{}' opacity='0.75'/>", px(fx(r)), py(fy(r)), colour(r));
  for (const auto& r : rows) {
    if (r.status != "ok" || !r.pareto) continue;
    std::string label;
    for (std::size_t i = 0; i < columns.size() && i < r.values.size(); ++i) label += (i ? ", " : "") + columns[i] + " " + r.values[i];
    s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='5' fill='#d33' stroke='#600'><title>point {}: {}</title></circle>",
                     px(fx(r)), py(fy(r)), r.id, html_escape(label));
  }
  // Legend under the plot.
  double lx = L;
  const double ly = H - 14;
  s += fmt::format("<circle cx='{}' cy='{}' r='5' fill='#d33' stroke='#600'/><text x='{}' y='{}' font-size='12'>Pareto front</text>",
                   lx + 5, ly - 4, lx + 14, ly);
  lx += 110;
  if (by_series) {
    for (std::size_t i = 0; i < series.size(); ++i) {
      s += fmt::format("<circle cx='{}' cy='{}' r='4' fill='{}'/><text x='{}' y='{}' font-size='12'>{} {}</text>", lx + 5, ly - 4,
                       kPalette[i], lx + 14, ly, html_escape(columns.empty() ? "" : columns.back()), html_escape(series[i]));
      lx += 40 + 7.0 * double(columns.back().size() + series[i].size());
    }
  }
  return s + "</svg>";
}

double energy_nj(const SweepRow& r) { return r.energy_pj * 1e-3; }
double cycles(const SweepRow& r) { return double(r.cycles); }
double area(const SweepRow& r) { return r.area_um2; }

}  // namespace

std::string sweep_csv(const std::vector<std::string>& columns, const std::vector<SweepRow>& rows) {
  std::string out = "point,status";
  for (const auto& c : columns) out += "," + csv_field(c);
  out += ",cycles,time_ns,energy_pj,tops_per_w,gated_fraction_ops,gated_fraction_time,area_um2,outputs_match_reference,"
         "pareto,report,error\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{}", r.id, r.status);
    for (std::size_t i = 0; i < columns.size(); ++i) out += "," + csv_field(i < r.values.size() ? r.values[i] : "");
    if (r.status == "ok") {
      out += fmt::format(",{},{},{},{},{},{},{},{},{}", r.cycles, r.time_ns, r.energy_pj, r.tops_per_w, r.gated_fraction_ops,
                         r.gated_fraction_time, r.area_um2, r.outputs_match ? "true" : "false", r.pareto ? 1 : 0);
    } else {
      out += ",,,,,,,,,0";
    }
    out += "," + csv_field(r.report) + "," + csv_field(r.error) + "\n";
  }
  return out;
}

std::string sweep_html(const std::string& title, const std::vector<std::string>& columns, const std::vector<SweepRow>& rows) {
  std::size_t ok = 0, failed = 0, front = 0;
  for (const auto& r : rows) {
    ok += r.status == "ok";
    failed += r.status == "failed";
    front += r.pareto;
  }
  std::string h = "<!DOCTYPE html><html><head><meta charset='utf-8'><title>cimsim sweep " + html_escape(title) +
                  "</title><style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;font-size:13px}"
                  "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}.plots{display:flex;gap:24px;"
                  "flex-wrap:wrap}figure{margin:0}figcaption{font-size:13px;color:#555;max-width:560px}</style></head><body>";
  h += fmt::format("<h1>Sweep {}</h1><p>{} points: {} complete, {} failed, {} on the Pareto front over energy, cycles and "
                   "chip area (red).</p>", html_escape(title), rows.size(), ok, failed, front);
  h += "<div class='plots'><figure>" + scatter(rows, columns, cycles, energy_nj, "cycles", "energy (nJ)") +
       "<figcaption>Energy against cycles. Each dot is a point; red dots are Pareto-optimal in energy, cycles and area "
       "together, so a red dot may sit above another dot that needs more area. Hover a red dot for its settings."
       "</figcaption></figure><figure>" +
       scatter(rows, columns, area, energy_nj, "chip area (um^2)", "energy (nJ)") +
       "<figcaption>Energy against the chip's area from its parts: cells, bit-line periphery and gating, read-outs, "
       "adders, drivers, buffers and digital units (docs/area.md).</figcaption></figure></div>";
  h += "<h2>Pareto front</h2><table><tr><th>point</th>";
  for (const auto& c : columns) h += "<th>" + html_escape(c) + "</th>";
  h += "<th>cycles</th><th>energy (nJ)</th><th>area (um^2)</th><th>gated ops</th><th>TOPS/W</th></tr>";
  for (const auto& r : rows) {
    if (!r.pareto) continue;
    h += fmt::format("<tr><td>{}</td>", r.id);
    for (const auto& v : r.values) h += "<td>" + html_escape(v) + "</td>";
    h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{:.1f}%</td><td>{:.3g}</td></tr>", readable(double(r.cycles)),
                     readable(r.energy_pj * 1e-3), readable(r.area_um2), 100 * r.gated_fraction_ops, r.tops_per_w);
  }
  h += "</table>";
  if (failed) {
    h += "<h2>Failed points</h2><table><tr><th>point</th><th>error</th></tr>";
    for (const auto& r : rows)
      if (r.status == "failed") h += fmt::format("<tr><td>{}</td><td style='text-align:left'>{}</td></tr>", r.id, html_escape(r.error));
    h += "</table>";
  }
  return h + "</body></html>\n";
}

}  // namespace cimsim
