// Small SVG helpers shared by the HTML writers: readable numbers, axes with "nice" ticks,
// escaping, a colour palette.
#pragma once
#include <string>
#include <vector>

namespace cimsim::svg {

// A readable number: thousands separated, no exponent for the ranges reports show.
std::string readable(double v);
std::string escape(const std::string& s);

// Linear with ticks at 1/2/5 x 10^k, or logarithmic (1, 2, 5 per decade) when the values span
// more than a factor of 20 and `allow_log`.
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  std::vector<double> ticks;
  double frac(double v) const;
};
Axis make_axis(double mn, double mx, bool allow_log = true);

extern const std::vector<std::string> kPalette;  // distinct colours for series and components

}  // namespace cimsim::svg
