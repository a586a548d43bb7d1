#include "power/svg.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cimsim::svg {

const std::vector<std::string> kPalette = {"#4878a8", "#e0a030", "#58a058", "#c85050", "#a058a0", "#60b0c8",
                                           "#a08050", "#e078a8", "#909090", "#b8b830", "#3060d0", "#d07030",
                                           "#30a090", "#7050b0", "#506070", "#c0a0e0"};

std::string readable(double v) {
  const double a = std::fabs(v);
  if (a >= 1000) {
    std::string d = fmt::format("{:.0f}", a), o;
    for (std::size_t i = 0; i < d.size(); ++i) {
      if (i && (d.size() - i) % 3 == 0) o += ',';
      o += d[i];
    }
    return (v < 0 ? "-" : "") + o;
  }
  if (a >= 100) return fmt::format("{:.0f}", v);
  return fmt::format("{:.3g}", v);
}

std::string escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else if (c == '\'') o += "&#39;";
    else o += c;
  }
  return o;
}

double Axis::frac(double v) const {
  if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
  return (v - lo) / (hi - lo);
}

Axis make_axis(double mn, double mx, bool allow_log) {
  Axis a;
  a.log = allow_log && mn > 0 && mx / mn > 20;
  if (a.log) {
    a.lo = std::pow(10, std::floor(std::log10(mn)));
    a.hi = std::pow(10, std::ceil(std::log10(mx)));
    for (double d = a.lo; d <= a.hi * 1.001; d *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (d * m >= a.lo && d * m <= a.hi * 1.001) a.ticks.push_back(d * m);
    return a;
  }
  if (mx <= mn) {
    mx = mn + 1;
    mn = std::min(0.0, mn);
  }
  const double raw = (mx - mn) / 5, mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  a.lo = std::floor(mn / step) * step;
  a.hi = std::ceil(mx / step) * step;
  for (double t = a.lo; t <= a.hi + step / 2; t += step) a.ticks.push_back(t);
  return a;
}

}  // namespace cimsim::svg
