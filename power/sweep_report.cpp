#include "power/sweep_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// A scatter plot of y against x (log axes), Pareto points drawn on top and labelled.
std::string scatter(const std::vector<SweepRow>& rows, const std::vector<std::string>& columns, double (*fx)(const SweepRow&),
                    double (*fy)(const SweepRow&), const std::string& xlabel, const std::string& ylabel) {
  const double W = 560, H = 380, L = 80, R = 20, T = 20, B = 50;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& r : rows) {
    if (r.status != "ok") continue;
    x0 = std::min(x0, fx(r)); x1 = std::max(x1, fx(r));
    y0 = std::min(y0, fy(r)); y1 = std::max(y1, fy(r));
  }
  std::string s = fmt::format("<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' viewBox='0 0 {} {}'>", W, H, W, H);
  if (!(x0 <= x1) || x0 <= 0 || y0 <= 0) return s + "<text x='20' y='40'>no completed points</text></svg>";
  const double lx0 = std::log10(x0) - 0.02, lx1 = std::log10(x1) + 0.02, ly0 = std::log10(y0) - 0.02, ly1 = std::log10(y1) + 0.02;
  auto px = [&](double v) { return L + (std::log10(v) - lx0) / (lx1 - lx0) * (W - L - R); };
  auto py = [&](double v) { return H - B - (std::log10(v) - ly0) / (ly1 - ly0) * (H - T - B); };
  s += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#888'/>", L, T, W - L - R, H - T - B);
  for (int i = 0; i <= 4; ++i) {  // ticks at even fractions of the log range
    const double xv = std::pow(10, lx0 + (lx1 - lx0) * i / 4), yv = std::pow(10, ly0 + (ly1 - ly0) * i / 4);
    s += fmt::format("<text x='{:.1f}' y='{}' font-size='11' text-anchor='middle'>{:.3g}</text>", px(xv), H - B + 16, xv);
    s += fmt::format("<text x='{}' y='{:.1f}' font-size='11' text-anchor='end'>{:.3g}</text>", L - 6, py(yv) + 4, yv);
  }
  s += fmt::format("<text x='{}' y='{}' font-size='13' text-anchor='middle'>{}</text>", (L + W - R) / 2, H - 10, html_escape(xlabel));
  s += fmt::format("<text x='16' y='{}' font-size='13' text-anchor='middle' transform='rotate(-90 16 {})'>{}</text>",
                   (T + H - B) / 2, (T + H - B) / 2, html_escape(ylabel));
  for (const auto& r : rows)
    if (r.status == "ok" && !r.pareto)
      s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='3' fill='#9ab' opacity='0.7'/>", px(fx(r)), py(fy(r)));
  for (const auto& r : rows) {
    if (r.status != "ok" || !r.pareto) continue;
    std::string label;
    for (std::size_t i = 0; i < columns.size() && i < r.values.size(); ++i) label += (i ? " " : "") + r.values[i];
    s += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='5' fill='#d33'><title>point {}: {}</title></circle>", px(fx(r)), py(fy(r)),
                     r.id, html_escape(label));
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
                   "hierarchy area (red).</p>", html_escape(title), rows.size(), ok, failed, front);
  h += "<div class='plots'><figure>" + scatter(rows, columns, cycles, energy_nj, "cycles", "energy (nJ)") +
       "<figcaption>Energy against cycles, log scales. Each dot is a point; red dots are Pareto-optimal in energy, cycles "
       "and area together, so a red dot may sit above another dot that needs more area. Hover a red dot for its "
       "settings.</figcaption></figure><figure>" +
       scatter(rows, columns, area, energy_nj, "hierarchy area (um^2)", "energy (nJ)") +
       "<figcaption>Energy against the estimated area of the bit-line hierarchy and gating (drivers, switches, control "
       "lines, extra wire tracks).</figcaption></figure></div>";
  h += "<h2>Pareto front</h2><table><tr><th>point</th>";
  for (const auto& c : columns) h += "<th>" + html_escape(c) + "</th>";
  h += "<th>cycles</th><th>energy (nJ)</th><th>area (um^2)</th><th>gated ops</th><th>TOPS/W</th></tr>";
  for (const auto& r : rows) {
    if (!r.pareto) continue;
    h += fmt::format("<tr><td>{}</td>", r.id);
    for (const auto& v : r.values) h += "<td>" + html_escape(v) + "</td>";
    h += fmt::format("<td>{}</td><td>{:.4g}</td><td>{:.4g}</td><td>{:.1f}%</td><td>{:.4g}</td></tr>", r.cycles, r.energy_pj * 1e-3,
                     r.area_um2, 100 * r.gated_fraction_ops, r.tops_per_w);
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
