#include "sim/table.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cimsim {

std::string format_energy(double pj) {
  const double a = std::abs(pj);
  if (a >= 1e9) return fmt::format("{:.3g} mJ", pj * 1e-9);
  if (a >= 1e6) return fmt::format("{:.3g} uJ", pj * 1e-6);
  if (a >= 1e3) return fmt::format("{:.3g} nJ", pj * 1e-3);
  if (a >= 1 || a == 0) return fmt::format("{:.3g} pJ", pj);
  return fmt::format("{:.3g} fJ", pj * 1e3);
}

std::string format_time(double ns) {
  const double a = std::abs(ns);
  if (a >= 1e9) return fmt::format("{:.3g} s", ns * 1e-9);
  if (a >= 1e6) return fmt::format("{:.3g} ms", ns * 1e-6);
  if (a >= 1e3) return fmt::format("{:.3g} us", ns * 1e-3);
  return fmt::format("{:.3g} ns", ns);
}

namespace {
std::string pct(double f) { return fmt::format("{:.1f}%", 100.0 * f); }
}  // namespace

namespace {

std::string ttfs_table(const Report& r, const std::string& out_dir) {
  const TtfsSummary& t = *r.ttfs;
  const auto& f = r.function;
  auto e_text = [](double e) { return std::isinf(e) ? std::string(e > 0 ? "inf" : "-inf") : fmt::format("{:.3g}", e); };
  std::string s = fmt::format("cimsim: {} on TTFS charge-domain arrays ({} solver{}, E+ {}, E- {}), {}{} at {:g} MHz\n\n", r.workload,
                              t.solver, t.solver == "dstd" ? fmt::format(" M={}", t.dstd_steps) : "", e_text(t.e_rev_pos),
                              e_text(t.e_rev_neg), t.arrays_needed, t.pipelined ? " arrays, pipelined" : " array tiles, time-multiplexed",
                              r.arch.clock_mhz);
  const double per_sample = f.samples ? r.energy_pj / double(f.samples) : 0.0;
  s += fmt::format("  {:<22}{}\n", "samples", f.samples);
  s += fmt::format("  {:<22}{} ({})\n", "cycles", r.cycles, format_time(r.time_ns));
  s += fmt::format("  {:<22}{} ({} per inference)\n", "energy", format_energy(r.energy_pj), format_energy(per_sample));
  s += fmt::format("  {:<22}{:.3f} per neuron, {:.3f} per hidden neuron ({} spikes)\n", "spikes", t.spikes_per_neuron,
                   t.spikes_per_hidden_neuron, t.spikes);
  s += fmt::format("  {:<22}{}\n", "synaptic events", t.synaptic_events);
  if (r.area) {
    const BlockArea& b = r.area->blocks.front();
    s += fmt::format("  {:<22}{:.4g} mm^2 ({} arrays of {:.3g} mm^2 built, {} used)\n", "chip area", r.area->mm2(), b.count,
                     b.each_um2() * 1e-6, t.arrays_needed);
    s += fmt::format("  {:<22}{:.4g} over the run's time (1 MAC = 2 ops); TOPS/W {:.4g}\n", "TOPS/mm^2", r.tops_per_mm2,
                     r.tops_per_w);
  }
  s += fmt::format("  {:<22}{}\n", "outputs", f.outputs_match_reference
                                                     ? fmt::format("match the reference spike times (max |error| {:.3g})", f.max_abs_error)
                                                     : fmt::format("DIFFER from the reference in {} of {} samples (max |error| {:.3g})",
                                                                   f.mismatched_samples, f.samples, f.max_abs_error));
  if (f.accuracy) {
    s += fmt::format("  {:<22}{:.1f}% on the hardware, {:.1f}% in the reference outputs", "accuracy", 100 * *f.accuracy,
                     100 * *f.reference_accuracy);
    if (f.reference_ties && *f.reference_ties > 0)
      s += fmt::format(" (first spike; in {} samples several outputs share the earliest time, which spike times alone "
                       "cannot rank: the hardware ranks them by v(1))", *f.reference_ties);
    s += "\n";
  }
  s += fmt::format("\n  {:<22}{:>12}  {:>6}\n", "energy by component", "energy", "share");
  for (const auto& [k, v] : r.energy.items) s += fmt::format("  {:<22}{:>12}  {:>5.1f}%\n", k, format_energy(v), r.energy_pj > 0 ? 100 * v / r.energy_pj : 0);
  s += fmt::format("\n  {:<22}{:>9}{:>16}{:>18}{:>12}\n", "layer", "neurons", "spikes/neuron", "synaptic events", "energy");
  for (std::size_t i = 0; i < t.layers.size(); ++i) {
    const auto& l = t.layers[i];
    s += fmt::format("  {:<22}{:>9}{:>16.3f}{:>18}{:>12}\n", l.name.size() > 21 ? l.name.substr(0, 20) + "~" : l.name, l.neurons,
                     l.spikes_per_neuron, l.synaptic_events, format_energy(r.layers[i].energy_pj));
  }
  if (!out_dir.empty()) s += fmt::format("\n  results in {}/ (report.json, report.html, layers.csv, resolved.yaml, outputs/)\n", out_dir);
  return s;
}

}  // namespace

std::string summary_table(const Report& r, const std::string& out_dir) {
  if (r.ttfs) return ttfs_table(r, out_dir);
  std::string s;
  const auto& a = r.arch;
  const auto& f = r.function;
  const double per_sample = f.samples ? r.energy_pj / double(f.samples) : 0.0;
  s += fmt::format("cimsim: {} on {}, {} at {:g} MHz{}\n\n", r.workload, a.chip, a.tech.empty() ? "tech" : a.tech,
                   a.clock_mhz, a.weights_resident ? ", weights resident" : "");
  s += fmt::format("  {:<22}{}\n", "samples", f.samples);
  s += fmt::format("  {:<22}{} ({})\n", "cycles", r.cycles, format_time(r.time_ns));
  s += fmt::format("  {:<22}stall cycles (summed over macros): wake-up {}, read-out sharing {}, buffer {}, "
                   "weight write {}\n", "", r.stalls.wakeup, r.stalls.readout_share, r.stalls.buffer, r.stalls.weight_write);
  s += fmt::format("  {:<22}{} ({} per sample)\n", "energy", format_energy(r.energy_pj), format_energy(per_sample));
  s += fmt::format("  {:<22}{}\n", "MACs", r.macs);
  s += fmt::format("  {:<22}{:.4g} (1 MAC = 2 ops)\n", "TOPS/W", r.tops_per_w);
  if (r.area) {
    std::string parts;
    for (const auto& b : r.area->blocks)
      parts += fmt::format("{}{}{} {:.3g}", parts.empty() ? "" : ", ", b.count > 1 ? fmt::format("{} x ", b.count) : "",
                           b.name, b.um2() * 1e-6);
    s += fmt::format("  {:<22}{:.4g} mm^2 ({})\n", "chip area", r.area->mm2(), parts);
    s += fmt::format("  {:<22}{:.4g} over the run's time (1 MAC = 2 ops)\n", "TOPS/mm^2", r.tops_per_mm2);
  }
  if (r.memory) {
    const MemoryReport& m = *r.memory;
    s += fmt::format("  {:<22}{}, {:g} pJ/bit, {:g} GB/s ({} bits/cycle): busy {} cycles, stalls {}\n", "off-chip memory",
                     m.kind, m.pj_per_bit, m.gb_per_s, m.bits_per_cycle, m.busy_cycles, m.stall_cycles);
    s += fmt::format("  {:<22}inputs {} bits, outputs {} bits, weight fetches {} bits: {}; weights loaded once {} bits: "
                     "{}\n", "", m.input_read_bits, m.output_write_bits, m.weight_fetch_bits, format_energy(m.traffic_pj),
                     m.weight_load_bits, format_energy(m.one_time_pj));
  }
  s += fmt::format("  {:<22}ops {}   time {}   (utilisation {}, gated by the data {})\n", "gated fraction",
                   pct(r.gated_fraction_ops), pct(r.gated_fraction_time), pct(r.utilisation), pct(r.gated_fraction_data));
  if (r.gated_fraction_ops_without_reorder) {
    s += fmt::format("  {:<22}ops {}   time {}  without channel reordering\n", "", pct(*r.gated_fraction_ops_without_reorder),
                     pct(*r.gated_fraction_time_without_reorder));
  }
  std::string fn = f.outputs_match_reference
                       ? fmt::format("match the reference (max |error| {:.3g})", f.max_abs_error)
                       : fmt::format("DIFFER from the reference in {} of {} samples (max |error| {:.3g}){}",
                                     f.mismatched_samples, f.samples, f.max_abs_error,
                                     f.readout_lossless ? "" : "; the read-out is lossy");
  s += fmt::format("  {:<22}{}\n", "outputs", fn);
  if (a.range_percentile > 0)
    s += fmt::format("  {:<22}clips at {} counts: the {:g}th percentile of the counts read in the first {} samples\n",
                     "read-out range", a.readout_range, a.range_percentile, a.range_samples);
  if (f.accuracy) {
    s += fmt::format("  {:<22}{} on the hardware, {} in the reference outputs\n", "accuracy",
                     pct(*f.accuracy), pct(*f.reference_accuracy));
  }
  if (f.noise) {
    const auto& n = *f.noise;
    s += fmt::format("  {:<22}{}{}; {} of column reads off, error {:+.2f} +- {:.2f} LSB (seed {}; sigma per read: "
                     "thermal {:.3g}, comparator {:.3g}, offset {:.3g} LSB, cell {:.3g}; droop up to {:.3g} LSB)\n",
                     "noisy hardware",
                     n.accuracy ? fmt::format("accuracy {}", pct(*n.accuracy)) : std::string("outputs"),
                     n.outputs_match_reference ? ", outputs match the reference"
                                               : fmt::format(", outputs differ in {} of {} samples", n.mismatched_samples, f.samples),
                     pct(n.reads.reads ? double(n.reads.reads_wrong) / double(n.reads.reads) : 0.0), n.reads.mean_lsb,
                     n.reads.sigma_lsb, n.chip.seed, n.chip.thermal_lsb, n.chip.comparator_lsb, n.chip.offset_lsb,
                     n.chip.cell_sigma, n.chip.droop_max_lsb);
    if (n.flip_samples > 0)
      s += fmt::format("  {:<22}{} of the binarized layers' binary outputs flipped against the exact chip (first {} samples)\n",
                       "", pct(n.flipped), n.flip_samples);
    if (n.chip_accuracy.size() > 1) {
      const AccuracyStats a = accuracy_stats(n.chip_accuracy);
      s += fmt::format("  {:<22}{} chips (seeds {} to {}): accuracy mean {}, sigma {}, min {}\n", "", n.chip_accuracy.size(),
                       n.chip.seed, n.chip.seed + n.chip_accuracy.size() - 1, pct(a.mean), pct(a.sigma), pct(a.min));
    }
  }
  s += fmt::format("\n  {:<22}{:>12}  {:>6}\n", "energy by component", "energy", "share");
  for (const auto& [k, v] : r.energy.items) {
    // Components no action of this run charged (the MAC unit, another read-out's terms, divider cells).
    if (v == 0 && k != "leakage") continue;
    s += fmt::format("  {:<22}{:>12}  {:>6}\n", k, format_energy(v), pct(r.energy_pj > 0 ? v / r.energy_pj : 0));
  }
  // Layers on the digital MAC unit (real-valued inputs or weights): their share of the run.
  double mac_pj = 0;
  uint64_t mac_cycles = 0, all_cycles = 0;
  int mac_steps = 0;
  for (const auto& l : r.layers) {
    all_cycles += l.cycles;
    if (l.macro != "digital-mac") continue;
    ++mac_steps;
    mac_pj += l.energy_pj;
    mac_cycles += l.cycles;
  }
  if (mac_steps > 0)
    s += fmt::format("  {:<22}{} layers: {} of the energy, {} of the steps' cycles\n", "digital MAC unit", mac_steps,
                     pct(r.energy_pj > 0 ? mac_pj / r.energy_pj : 0), pct(all_cycles > 0 ? double(mac_cycles) / double(all_cycles) : 0));
  s += fmt::format("\n  {:<22}{:<18}{:<12}{:>7}{:>10}{:>10}{:>11}{:>10}{:>11}\n", "step", "kind", "macro", "tiles", "start",
                   "cycles", "energy", "gated ops", "gated time");
  for (const auto& l : r.layers) {
    if (l.kind == "digital:reshape") continue;  // no work: a new shape for the same data
    const bool macro = l.macro != "periphery" && l.macro != "digital-mac";
    s += fmt::format("  {:<22}{:<18}{:<12}{:>7}{:>10}{:>10}{:>11}{:>10}{:>11}\n",
                     l.name.size() > 21 ? l.name.substr(0, 20) + "~" : l.name, l.kind, l.macro != "periphery" ? l.macro : "-",
                     macro ? fmt::format("{}x{}", l.row_tiles, l.col_tiles) : "-", l.start_cycle, l.cycles,
                     format_energy(l.energy_pj), macro ? pct(l.gated_fraction_ops) : "-", macro ? pct(l.gated_fraction_time) : "-");
  }
  if (r.arch.schedule == "overlap")
    s += fmt::format("  {:<22}steps overlap (arch.schedule: overlap): a step runs from its start for its cycles\n", "");
  if (!out_dir.empty()) s += fmt::format("\n  results in {}/ (report.json, layers.csv, resolved.yaml, outputs/)\n", out_dir);
  return s;
}

}  // namespace cimsim
