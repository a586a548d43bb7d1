#include "sim/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <cstdlib>
#include <functional>
#include <set>

#include "workloads/errors.hpp"

namespace cimsim {
namespace fs = std::filesystem;

fs::path data_dir() {
  if (const char* h = std::getenv("CIMSIM_HOME"); h && *h) return fs::path(h);
  return fs::path(CIMSIM_DATA_DIR);
}

fs::path default_config_path() { return data_dir() / "configs" / "default.yaml"; }

namespace {


std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char ch : path) {
    if (ch == '.') { parts.push_back(cur); cur.clear(); }
    else cur += ch;
  }
  parts.push_back(cur);
  return parts;
}

// Reads typed values out of the merged tree, remembers which keys were used, and writes every
// effective value into the resolved tree.
class Reader {
 public:
  Reader(YAML::Node root, std::function<std::string(const std::string&)> origin)
      : m_root(std::move(root)), m_origin(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& why) const {
    throw InputError(fmt::format("{}: key '{}': {}", m_origin(path), path, why));
  }

  YAML::Node find(const std::string& path) const {
    YAML::Node cur = YAML::Clone(m_root);
    for (const auto& part : split_path(path)) {
      if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      const YAML::Node& c = cur;
      YAML::Node next = c[part];
      if (!next.IsDefined()) return next;
      cur.reset(next);
    }
    return cur;
  }

  void mark(const std::string& path) { m_seen.insert(path); }

  template <class T>
  T scalar(const std::string& path, T def, T lo, T hi, const char* what) {
    mark(path);
    YAML::Node n = find(path);
    T v = def;
    if (n.IsDefined() && !n.IsNull()) {
      if (!n.IsScalar()) fail(path, fmt::format("expected {}", what));
      try {
        v = n.as<T>();
      } catch (const YAML::Exception&) {
        fail(path, fmt::format("'{}' is not {}", n.Scalar(), what));
      }
    }
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(v)) fail(path, fmt::format("{} is not a finite number", v));
    }
    if (v < lo || v > hi) fail(path, fmt::format("{} is out of range (expected {} in [{}, {}])", v, what, lo, hi));
    set_resolved(path, v);
    return v;
  }

  std::string choice(const std::string& path, const std::string& def, const std::vector<std::string>& options) {
    mark(path);
    YAML::Node n = find(path);
    std::string v = def;
    if (n.IsDefined() && !n.IsNull()) {
      if (!n.IsScalar()) fail(path, fmt::format("expected one of {}", fmt::join(options, ", ")));
      v = n.Scalar();
    }
    if (std::find(options.begin(), options.end(), v) == options.end()) {
      fail(path, fmt::format("'{}' is not one of {}", v, fmt::join(options, ", ")));
    }
    set_resolved(path, v);
    return v;
  }

  std::vector<int64_t> int_list(const std::string& path, const std::vector<int64_t>& def, int64_t lo, int64_t hi) {
    mark(path);
    YAML::Node n = find(path);
    std::vector<int64_t> v = def;
    if (n.IsDefined() && !n.IsNull()) {
      if (!n.IsSequence() || n.size() == 0) fail(path, "expected a non-empty list of integers, e.g. [16, 4, 4]");
      v.clear();
      for (std::size_t i = 0; i < n.size(); ++i) {
        int64_t x;
        try {
          x = n[i].as<int64_t>();
        } catch (const YAML::Exception&) {
          fail(path, fmt::format("element {} is not an integer", i));
        }
        if (x < lo || x > hi) fail(path, fmt::format("element {} = {} is out of range [{}, {}]", i, x, lo, hi));
        v.push_back(x);
      }
    }
    YAML::Node seq(YAML::NodeType::Sequence);
    for (auto x : v) seq.push_back(x);
    seq.SetStyle(YAML::EmitterStyle::Flow);
    set_resolved(path, seq);
    return v;
  }

  template <class T>
  void set_resolved(const std::string& path, const T& v) {
    auto parts = split_path(path);
    YAML::Node cur = m_resolved;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = cur[parts[i]];
      cur.reset(next);
    }
    cur[parts.back()] = v;
  }

  // Every key in the tree must have been read.
  void check_unknown() const { walk(m_root, ""); }

  const YAML::Node& resolved() const { return m_resolved; }

 private:
  void walk(const YAML::Node& n, const std::string& prefix) const {
    if (!n.IsMap()) return;
    for (const auto& kv : n) {
      if (!kv.first.IsScalar())  // e.g. a complex key "? macro:" that holds a mapping
        fail(prefix.empty() ? "(top level)" : prefix, "a key that is not a plain name (expected name: value)");
      const std::string key = kv.first.Scalar();
      const std::string path = prefix.empty() ? key : prefix + "." + key;
      const bool known = m_seen.count(path) ||
                         std::any_of(m_seen.begin(), m_seen.end(), [&](const std::string& s) {
                           return s.rfind(path + ".", 0) == 0;
                         });
      if (!known) fail(path, "unknown key (see docs/config.md for the keys a config may hold)");
      if (!m_seen.count(path)) walk(kv.second, path);
    }
  }

  YAML::Node m_root;
  std::function<std::string(const std::string&)> m_origin;
  std::set<std::string> m_seen;
  YAML::Node m_resolved{YAML::NodeType::Map};
};

void apply_set(YAML::Node& root, const std::string& expr) {
  const auto eq = expr.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw InputError(fmt::format("--set '{}': expected key.path=value", expr));
  }
  const std::string path = expr.substr(0, eq), text = expr.substr(eq + 1);
  YAML::Node value;
  try {
    value = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("--set '{}': value is not valid YAML: {}", expr, e.msg));
  }
  auto parts = split_path(path);
  YAML::Node cur = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].empty()) throw InputError(fmt::format("--set '{}': empty key in path", expr));
    YAML::Node next = cur[parts[i]];
    if (next.IsDefined() && !next.IsNull() && !next.IsMap()) {
      throw InputError(fmt::format("--set '{}': '{}' is a value, not a section", expr, parts[i]));
    }
    if (!next.IsDefined() || next.IsNull()) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[parts[i]]);
    }
    cur.reset(next);
  }
  cur[parts.back()] = value;
}

}  // namespace

YAML::Node load_yaml(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw InputError(fmt::format("{}: file not found", file.string()));
  if (!fs::is_regular_file(file, ec)) throw InputError(fmt::format("{}: not a regular file (expected a YAML file)", file.string()));
  if (fs::file_size(file, ec) > (16u << 20)) throw InputError(fmt::format("{}: larger than 16 MiB; not a config file", file.string()));
  try {
    YAML::Node n = YAML::LoadFile(file.string());
    if (!n.IsMap()) throw InputError(fmt::format("{}: expected a mapping of keys at the top level", file.string()));
    return n;
  } catch (const YAML::ParserException& e) {
    throw InputError(fmt::format("{}:{}:{}: YAML syntax error: {}", file.string(), e.mark.line + 1,
                                 e.mark.column + 1, e.msg));
  } catch (const YAML::BadFile&) {
    throw InputError(fmt::format("{}: cannot read file", file.string()));
  }
}

RunConfig load_config(const fs::path& file, const Overrides& o) {
  RunConfig cfg;
  cfg.config_file = file;
  YAML::Node root = load_yaml(file);
  const fs::path base = fs::absolute(file).parent_path();
  fs::path arch_file = file, tech_file = file;
  std::set<std::string> set_paths;

  auto path_value = [&](const YAML::Node& n, const std::string& key, const fs::path& f) -> std::string {
    if (!n.IsScalar()) {
      throw InputError(fmt::format("{}: key '{}': expected a path (string) or a mapping", f.string(), key));
    }
    return n.Scalar();
  };

  // The architecture: --arch, a path in the config, an inline mapping, or the shipped default.
  YAML::Node arch;
  if (!o.arch.empty()) {
    arch_file = fs::absolute(o.arch);
    arch = load_yaml(arch_file);
  } else if (root["arch"] && root["arch"].IsMap()) {
    arch = root["arch"];
  } else if (root["arch"] && !root["arch"].IsNull()) {
    arch_file = (base / path_value(root["arch"], "arch", file)).lexically_normal();
    arch = load_yaml(arch_file);
  } else {
    arch_file = data_dir() / "configs" / "arch" / "default.yaml";
    arch = load_yaml(arch_file);
  }
  tech_file = arch_file;
  const fs::path arch_base = fs::absolute(arch_file).parent_path();
  if (arch["tech"] && arch["tech"].IsScalar()) {
    tech_file = (arch_base / arch["tech"].Scalar()).lexically_normal();
    arch["tech"] = load_yaml(tech_file);
  } else if (!arch["tech"] || arch["tech"].IsNull()) {
    tech_file = data_dir() / "configs" / "tech" / "65nm.yaml";
    arch["tech"] = load_yaml(tech_file);
  }
  root["arch"] = arch;
  if (!o.workload.empty()) {
    root["workload"] = fs::absolute(o.workload).lexically_normal().string();
    set_paths.insert("workload");
  }
  for (const auto& s : o.sets) {
    apply_set(root, s);
    set_paths.insert(s.substr(0, s.find('=')));
  }

  auto origin = [&](const std::string& path) -> std::string {
    for (const auto& p : set_paths)
      if (path == p || path.rfind(p + ".", 0) == 0 || p.rfind(path + ".", 0) == 0) {
        return p == "workload" && !o.workload.empty() ? "--workload" : fmt::format("--set {}", p);
      }
    if (path.rfind("arch.tech", 0) == 0) return tech_file.string();
    if (path.rfind("arch", 0) == 0) return arch_file.string();
    return file.string();
  };
  Reader r(root, origin);

  // Workload.
  r.mark("workload");
  {
    YAML::Node w = r.find("workload");
    if (!w.IsDefined() || w.IsNull()) r.fail("workload", "missing (expected the path of an exported bundle folder)");
    if (!w.IsScalar()) r.fail("workload", "expected a path");
    const fs::path wp(w.Scalar());
    cfg.workload_dir = (wp.is_absolute() || set_paths.count("workload") ? wp : base / wp).lexically_normal();
    cfg.workload_dir = fs::absolute(cfg.workload_dir).lexically_normal();
    r.set_resolved("workload", cfg.workload_dir.string());
  }
  cfg.samples = r.scalar<int64_t>("run.samples", 0, 0, int64_t{1} << 40, "a sample count (0 = all)");
  cfg.tolerance = r.scalar<double>("check.tolerance", 1e-4, 0.0, 1.0, "a relative tolerance");

  // Architecture.
  ChipParams& c = cfg.chip;
  c.clock_mhz = r.scalar<double>("arch.clock_mhz", 500.0, 1.0, 100000.0, "a clock frequency in MHz");
  MacroParams& m = c.macro;
  m.rows = r.scalar<int64_t>("arch.macro.rows", 256, 1, 1 << 16, "a row count");
  m.cols = r.scalar<int64_t>("arch.macro.cols", 256, 1, 1 << 16, "a column count");
  m.hierarchy = r.int_list("arch.macro.hierarchy", {m.rows}, 1, 1 << 16);
  int64_t prod = 1;
  for (auto f : m.hierarchy) prod *= f;
  if (prod != m.rows) {
    r.fail("arch.macro.hierarchy", fmt::format("the product of [{}] is {}, but it must equal "
                                               "arch.macro.rows = {} (leaf to root, e.g. [16, 4, 4] for 256 rows)",
                                               fmt::join(m.hierarchy, ", "), prod, m.rows));
  }
  m.gating_level = r.scalar<int64_t>("arch.macro.gating.level", 0, 0, int64_t(m.hierarchy.size()) - 1,
                                     "a hierarchy level index (0 = leaf)");
  m.gate_cols = r.scalar<int64_t>("arch.macro.gating.cols", 8, 1, m.cols, "a column-group width");
  m.cycles.precharge = r.scalar<int64_t>("arch.macro.cycles.precharge", 1, 0, 1000, "a cycle count");
  m.cycles.evaluate = r.scalar<int64_t>("arch.macro.cycles.evaluate", 1, 0, 1000, "a cycle count");
  m.cycles.merge_per_level = r.scalar<int64_t>("arch.macro.cycles.merge_per_level", 1, 0, 1000, "a cycle count");
  m.cycles.writeout = r.scalar<int64_t>("arch.macro.cycles.writeout", 1, 0, 1000, "a cycle count");
  m.cycles.wakeup = r.scalar<int64_t>("arch.macro.cycles.wakeup", 2, 0, 100000, "a cycle count");
  m.cycles.write_row = r.scalar<int64_t>("arch.macro.cycles.write_row", 1, 0, 1000, "a cycle count");
  m.supply_v = r.scalar<double>("arch.supply_v", 0.0, 0.0, 5.0, "an operating supply in V (0 = the technology's vdd)");
  m.bitline_swing = r.scalar<double>("arch.macro.bitline_swing", 1.0, 0.001, 1.0,
                                     "a fraction of the supply (1 = full-swing precharge)");
  m.cell_cap_ff = r.scalar<double>("arch.macro.cell_cap_ff", 0.0, 0.0, 1000.0,
                                   "a per-cell compute capacitance in fF (0 = none)");
  ReadoutParams& ro = c.readout;
  ro.kind = r.choice("arch.readout.kind", "adc", {"adc", "digital"});
  ro.bits = r.scalar<int64_t>("arch.readout.bits", 0, 0, 16, "an ADC resolution in bits (0 = lossless)");
  ro.levels = r.scalar<int64_t>("arch.readout.levels", 0, 0, 65536, "an ADC level count (0 = 2^bits)");
  if (ro.levels == 1) r.fail("arch.readout.levels", "an ADC needs at least 2 output levels (or 0 for 2^bits)");
  if (ro.levels > 0 && ro.bits > 0 && ro.levels > (int64_t{1} << ro.bits))
    r.fail("arch.readout.levels", fmt::format("{} levels do not fit in arch.readout.bits = {} (at most {})", ro.levels,
                                              ro.bits, int64_t{1} << ro.bits));
  ro.share = r.scalar<int64_t>("arch.readout.share", 8, 1, m.cols, "columns per ADC");
  ro.conversion_cycles = r.scalar<int64_t>("arch.readout.conversion_cycles", 1, 1, 1000, "a cycle count");
  ro.analog_accumulate = r.choice("arch.readout.accumulate", "digital", {"digital", "analog"}) == "analog";
  if (ro.analog_accumulate && ro.kind != "adc")
    r.fail("arch.readout.accumulate", "analog accumulation needs an ADC read-out (arch.readout.kind: adc)");
  ro.adder_cycles = r.scalar<int64_t>("arch.readout.adder_cycles", 2, 1, 1000, "a cycle count");

  c.macros_1x1 = r.scalar<int64_t>("arch.macros.cim1x1", 1, 0, 4096, "a macro count");
  c.macros_3x3 = r.scalar<int64_t>("arch.macros.cim3x3", 1, 0, 4096, "a macro count");
  if (c.macros_1x1 + c.macros_3x3 == 0) r.fail("arch.macros", "the chip needs at least one macro");
  c.input_buffer.kib = r.scalar<int64_t>("arch.buffers.input.kib", 64, 1, int64_t{1} << 24, "a capacity in KiB");
  c.input_buffer.width_bits = r.scalar<int64_t>("arch.buffers.input.width_bits", 256, 1, 1 << 20, "bits per cycle");
  c.output_buffer.kib = r.scalar<int64_t>("arch.buffers.output.kib", 64, 1, int64_t{1} << 24, "a capacity in KiB");
  c.output_buffer.width_bits = r.scalar<int64_t>("arch.buffers.output.width_bits", 256, 1, 1 << 20, "bits per cycle");
  c.digital_lanes = r.scalar<int64_t>("arch.digital.lanes", 64, 1, 1 << 20, "elements per cycle");
  c.digital_width = r.scalar<int64_t>("arch.digital.width_bits", 16, 1, 64, "an operand width in bits");

  // Mapping choices.
  c.reorder_channels = r.scalar<bool>("mapping.reorder_channels", false, false, true, "true or false");
  c.input_stationary = r.choice("mapping.stationary", "weight", {"weight", "input"}) == "input";
  if (c.input_stationary && ro.analog_accumulate)
    r.fail("mapping.stationary", "input-stationary mapping does not support arch.readout.accumulate: analog; use weight");
  // A published macro's measured figures (configs/arch/published/*.yaml), read by `cimsim validate`.
  r.mark("arch.published");
  r.mark("mapping.force");
  if (YAML::Node f = r.find("mapping.force"); f.IsDefined() && !f.IsNull()) {
    if (!f.IsMap()) r.fail("mapping.force", "expected a mapping of layer name to cim1x1 or cim3x3");
    for (const auto& kv : f) {
      if (!kv.first.IsScalar()) r.fail("mapping.force", "expected layer names as keys");
      const std::string name = kv.first.Scalar();
      const std::string kind = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (kind != "cim1x1" && kind != "cim3x3") r.fail("mapping.force." + name, fmt::format("'{}' is not one of cim1x1, cim3x3", kind));
      c.force_kind[name] = kind;
    }
  }
  {
    YAML::Node forced(YAML::NodeType::Map);
    for (const auto& [name, kind] : c.force_kind) forced[name] = kind;
    r.set_resolved("mapping.force", forced);
  }

  // TTFS charge-domain arrays.
  {
    TtfsParams& t = cfg.ttfs;
    TtfsCircuit& k = cfg.ttfs_circuit;
    t.solver = r.choice("arch.ttfs.solver", "exact", {"exact", "dstd"});
    t.dstd_steps = r.scalar<int64_t>("arch.ttfs.dstd_steps", 10, 1, 100000, "a DSTD step count");
    k.e_rev = r.choice("arch.ttfs.e_rev", "model", {"model", "resistive", "transistor", "ideal"});
    k.vdd_v = r.scalar<double>("arch.ttfs.vdd_v", 1.8, 0.1, 10.0, "a supply voltage in V");
    k.v_rest_v = r.scalar<double>("arch.ttfs.v_rest_v", 1.3, 0.0, 10.0, "a resting potential in V");
    k.v_th_v = r.scalar<double>("arch.ttfs.v_th_v", 0.872, 0.001, 10.0, "a threshold (above rest) in V");
    k.lambda_n = r.scalar<double>("arch.ttfs.lambda_n", 0.41, 1e-6, 100.0, "a channel-length modulation in 1/V");
    k.lambda_p = r.scalar<double>("arch.ttfs.lambda_p", 0.75, 1e-6, 100.0, "a channel-length modulation in 1/V");
    k.c_mem_ff = r.scalar<double>("arch.ttfs.c_mem_ff", 140.0, 0.01, 1e6, "a membrane capacitance in fF");
    k.spike_line_cap_ff = r.scalar<double>("arch.ttfs.spike_line_cap_ff", 1.2, 0.0, 1e4, "a capacitance in fF");
    k.comparator_fj = r.scalar<double>("arch.ttfs.comparator_fj", 20.0, 0.0, 1e6, "an energy in fJ");
    k.leak_nw_per_neuron = r.scalar<double>("arch.ttfs.leak_nw_per_neuron", 0.5, 0.0, 1e6, "a power in nW");
    {  // .inf (the default) is the ideal linear ramp
      r.mark("arch.ttfs.e_dis");
      YAML::Node n = r.find("arch.ttfs.e_dis");
      double v = INFINITY;
      if (n.IsDefined() && !n.IsNull()) {
        try {
          v = n.as<double>();
        } catch (const YAML::Exception&) {
          r.fail("arch.ttfs.e_dis", "expected a number > 1 or .inf (the ideal ramp)");
        }
      }
      if (!(v > 1.0)) r.fail("arch.ttfs.e_dis", fmt::format("{} is out of range (expected the discharger's reversal potential, > 1 in units of the threshold, or .inf)", v));
      t.ramp.e_dis = v;
      r.set_resolved("arch.ttfs.e_dis", std::isinf(v) ? std::string(".inf") : fmt::format("{}", v));
    }
    t.reset_cycles = r.scalar<int64_t>("arch.ttfs.reset_cycles", 500, 0, int64_t{1} << 30, "a cycle count");
    t.window_cycles = r.scalar<int64_t>("arch.ttfs.window_cycles", 500, 1, int64_t{1} << 30, "a cycle count");
    t.rows = r.scalar<int64_t>("arch.ttfs.array_rows", 256, 1, 1 << 20, "synapses per array column");
    t.cols = r.scalar<int64_t>("arch.ttfs.array_cols", 256, 1, 1 << 20, "neurons per array");
    t.arrays = r.scalar<int64_t>("arch.ttfs.arrays", 8, 1, 1 << 20, "an array count");
    t.override_e_rev = circuit_e_rev(k, t.e_pos, t.e_neg);
  }

  // Technology: every primitive, each with a unit and a source.
  cfg.tech.name = "";
  r.mark("arch.tech.name");
  if (YAML::Node n = r.find("arch.tech.name"); n.IsDefined() && n.IsScalar()) cfg.tech.name = n.Scalar();
  r.set_resolved("arch.tech.name", cfg.tech.name);
  for (const auto& k : tech_keys()) {
    const std::string path = fmt::format("arch.tech.{}", k.name);
    YAML::Node n = r.find(path);
    r.mark(path);
    double v = 0;
    std::string source;
    if ((!n.IsDefined() || n.IsNull()) && k.optional) {
      // An optional entry (the calibrated one): a table without it prices bottom-up terms only.
      source = "absent from the table: 0, bottom-up energies only";
    } else if (!n.IsDefined() || n.IsNull()) {
      r.fail(path, fmt::format("missing ({} in {}, with its source)", k.meaning, k.unit));
    } else if (n.IsScalar()) {
      try { v = n.as<double>(); } catch (const YAML::Exception&) { r.fail(path, "expected a number"); }
      source = set_paths.count(path) ? "set on the command line" : "given without a source";
    } else if (n.IsMap()) {
      for (const char* sub : {"value", "unit", "source"}) r.mark(path + "." + sub);
      try { v = n["value"].as<double>(); } catch (const YAML::Exception&) { r.fail(path + ".value", "expected a number"); }
      if (!n["unit"] || n["unit"].Scalar() != k.unit) r.fail(path + ".unit", fmt::format("expected '{}'", k.unit));
      if (!n["source"] || !n["source"].IsScalar() || n["source"].Scalar().empty()) {
        r.fail(path + ".source", "every technology number needs its source (paper, model or derivation)");
      }
      source = n["source"].Scalar();
    } else {
      r.fail(path, "expected a number or {value, unit, source}");
    }
    if (!std::isfinite(v) || v < k.min || v > k.max) {
      r.fail(path, fmt::format("{} {} is out of range (expected {} in [{}, {}] {})", v, k.unit, k.meaning, k.min, k.max, k.unit));
    }
    cfg.tech.value[std::size_t(k.key)] = v;
    cfg.tech.source[std::size_t(k.key)] = source;
    r.set_resolved(path + ".value", v);
    r.set_resolved(path + ".unit", std::string(k.unit));
    r.set_resolved(path + ".source", source);
  }
  r.check_unknown();

  YAML::Emitter out;
  out << r.resolved();
  cfg.resolved_yaml = std::string("# Resolved cimsim configuration: every key with its effective value.\n") +
                      out.c_str() + "\n";
  return cfg;
}

}  // namespace cimsim
