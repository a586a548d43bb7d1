#include "sim/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

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

  // Walks the tree through const handles rebound with reset (never assigned to, which would
  // write into the tree), so a lookup costs the path's length, not a copy of the tree.
  YAML::Node find(const std::string& path) const {
    YAML::Node cur;
    cur.reset(m_root);
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

  // Keys arrive section by section, so the section last written to is kept and reused.
  template <class T>
  void set_resolved(const std::string& path, const T& v) {
    const auto dot = path.rfind('.');
    const std::string section = dot == std::string::npos ? std::string() : path.substr(0, dot);
    if (!m_section_valid || section != m_section_path) {
      YAML::Node cur = m_resolved;
      if (!section.empty())
        for (const auto& part : split_path(section)) {
          YAML::Node next = cur[part];
          cur.reset(next);
        }
      m_section.reset(cur);
      m_section_path = section;
      m_section_valid = true;
    }
    m_section[dot == std::string::npos ? path : path.substr(dot + 1)] = v;
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
  YAML::Node m_section;  // the resolved section at m_section_path ("" = the top level)
  std::string m_section_path;
  bool m_section_valid = false;
};

// Reads a config through the parameters' declarations: keys relative to the current section.
class ConfigVisitor final : public ParamVisitor {
 public:
  explicit ConfigVisitor(Reader& r) : m_r(r) {}
  void section(const std::string& name, const std::string&, const std::function<void()>& body) override {
    const std::string saved = m_prefix;
    m_prefix = path(name.c_str());
    body();
    m_prefix = saved;
  }
  void integer(const char* key, int64_t& v, int64_t def, int64_t lo, int64_t hi, const Meta& m) override {
    v = m_r.scalar<int64_t>(path(key), def, lo, hi, what(m, "an integer").c_str());
  }
  void real(const char* key, double& v, double def, double lo, double hi, const Meta& m) override {
    v = m_r.scalar<double>(path(key), def, lo, hi, what(m, "a number").c_str());
  }
  void choice(const char* key, std::string& v, const char* def, const std::vector<std::string>& options,
              const Meta&) override {
    v = m_r.choice(path(key), def, options);
  }
  void flag(const char* key, bool& v, bool def, const Meta&) override {
    v = m_r.scalar<bool>(path(key), def, false, true, "true or false");
  }
  void int_list(const char* key, std::vector<int64_t>& v, const std::vector<int64_t>& def, int64_t lo, int64_t hi,
                const Meta&) override {
    v = m_r.int_list(path(key), def, lo, hi);
  }
  void real_or_inf(const char* key, double& v, double def, double lo, const Meta& m) override {
    const std::string p = path(key);
    m_r.mark(p);
    YAML::Node n = m_r.find(p);
    v = def;
    if (n.IsDefined() && !n.IsNull()) {
      try {
        v = n.as<double>();
      } catch (const YAML::Exception&) {
        m_r.fail(p, fmt::format("expected a number > {} or .inf", lo));
      }
    }
    if (!(v > lo)) m_r.fail(p, fmt::format("{} is out of range (expected {}, > {} in {}, or .inf)", v, m.what, lo, m.unit));
    m_r.set_resolved(p, std::isinf(v) ? std::string(".inf") : fmt::format("{}", v));
  }
  void name_map(const char* key, std::vector<std::pair<std::string, std::string>>& v,
                const std::vector<std::string>& options, const Meta& m) override {
    const std::string p = path(key);
    m_r.mark(p);
    v.clear();
    if (YAML::Node f = m_r.find(p); f.IsDefined() && !f.IsNull()) {
      if (!f.IsMap()) m_r.fail(p, fmt::format("expected a mapping of {} ({})", m.unit, fmt::join(options, ", ")));
      std::map<std::string, std::string> sorted;
      for (const auto& kv : f) {
        if (!kv.first.IsScalar()) m_r.fail(p, "expected names as keys");
        const std::string name = kv.first.Scalar();
        const std::string value = kv.second.IsScalar() ? kv.second.Scalar() : "";
        if (std::find(options.begin(), options.end(), value) == options.end())
          m_r.fail(p + "." + name, fmt::format("'{}' is not one of {}", value, fmt::join(options, ", ")));
        sorted[name] = value;
      }
      v.assign(sorted.begin(), sorted.end());
    }
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& [name, value] : v) out[name] = value;
    m_r.set_resolved(p, out);
  }
  void opaque(const char* key, const Meta&) override { m_r.mark(path(key)); }
  void check(bool ok, const char* key, const std::string& why) override {
    if (!ok) m_r.fail(path(key), why);
  }

 private:
  std::string path(const char* key) const { return m_prefix.empty() ? key : m_prefix + "." + key; }
  static std::string what(const Meta& m, const char* kind) {
    return m.unit && *m.unit ? fmt::format("{} ({})", kind, m.unit) : kind;
  }
  Reader& m_r;
  std::string m_prefix;
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

namespace {

void flatten(const YAML::Node& n, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (n.IsMap()) {
    for (const auto& kv : n) flatten(kv.second, prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar(), out);
    if (n.size() == 0) out[prefix] = "{}";
  } else if (n.IsScalar()) {
    out[prefix] = n.Scalar();
  } else {
    YAML::Emitter e;
    e << YAML::Flow << n;
    out[prefix] = e.c_str();
  }
}

}  // namespace

std::vector<ConfigDifference> config_differences(const std::string& yaml_a, const std::string& yaml_b) {
  return config_differences(YAML::Load(yaml_a), YAML::Load(yaml_b));
}

std::vector<ConfigDifference> config_differences(const YAML::Node& ya, const YAML::Node& yb) {
  std::map<std::string, std::string> a, b;
  flatten(ya, "", a);
  flatten(yb, "", b);
  std::vector<ConfigDifference> d;
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (it == b.end()) d.push_back({k, v, "(absent)"});
    else if (it->second != v) d.push_back({k, v, it->second});
  }
  for (const auto& [k, v] : b)
    if (!a.count(k)) d.push_back({k, "(absent)", v});
  std::sort(d.begin(), d.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
  return d;
}

void RunConfig::declare(ParamVisitor& v) {
  v.section("run", "", [&] {
    v.integer("samples", samples, 0, 0, int64_t{1} << 40, {"samples", "simulate only the first N samples (0 = all)"});
    v.integer("chunk", chunk, 128, 0, int64_t{1} << 40,
              {"samples", "samples the host sends the chip at a time; the chip finishes a chunk before the next "
                          "arrives (its pipeline drains, resident weights stay). Chunks are simulated apart, in "
                          "--jobs worker processes, and joined: memory grows with the chunk, and results do not "
                          "depend on --jobs (0 = all samples in one chunk)"});
  });
  v.section("check", "", [&] {
    v.real("tolerance", tolerance, 1e-4, 0.0, 1.0,
           {"relative", "an output matches when |hw - ref| <= tolerance x max(1, |ref|)"});
  });
  v.section("arch", "", [&] {
    chip.declare_arch(v);
    for (const auto& k : array_kinds()) v.section(k.section, k.what, [&] { k.declare(v, ttfs, ttfs_circuit); });
    v.opaque("published", {"mapping", "a published macro's measured figures, read only by cimsim validate (docs/validate.md)"});
  });
  v.section("mapping", "", [&] { chip.declare_mapping(v); });
}

YAML::Node load_yaml(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw InputError(fmt::format("{}: file not found", file.string()));
  if (!fs::is_regular_file(file, ec)) throw InputError(fmt::format("{}: not a regular file (expected a YAML file)", file.string()));
  if (fs::file_size(file, ec) > (16u << 20)) throw InputError(fmt::format("{}: larger than 16 MiB; not a config file", file.string()));
  // A process parses each text once (a sweep loads the same base, architecture and technology
  // files for every point): a file whose bytes are those parsed before gets a copy of that tree,
  // which the caller may change.
  static std::mutex lock;
  static std::map<std::string, std::pair<std::string, YAML::Node>> cache;  // path -> (text, tree)
  const std::string key = fs::absolute(file, ec).lexically_normal().string();
  std::string text;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot read file", file.string()));
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  {
    std::lock_guard<std::mutex> g(lock);
    if (auto it = cache.find(key); it != cache.end() && it->second.first == text) return YAML::Clone(it->second.second);
  }
  try {
    YAML::Node n = YAML::Load(text);
    if (!n.IsMap()) throw InputError(fmt::format("{}: expected a mapping of keys at the top level", file.string()));
    {
      std::lock_guard<std::mutex> g(lock);
      cache[key] = {text, YAML::Clone(n)};
    }
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
  ConfigVisitor v(r);
  cfg.declare(v);
  cfg.ttfs.override_e_rev = circuit_e_rev(cfg.ttfs_circuit, cfg.ttfs.e_pos, cfg.ttfs.e_neg);

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
      // An optional entry: a table without it holds 0 for it (the source says so).
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
  // A read-out priced from its circuit needs the technology's comparator (and a SAR its DAC unit).
  const std::string& ro = cfg.chip.readout.kind;
  if ((ro == "sar" || ro == "flash" || ro == "sense") && cfg.tech[Tech::ComparatorWidth] <= 0)
    r.fail("arch.tech.comparator_width", fmt::format("arch.readout.kind {} prices its comparator decisions from this key; "
                                                     "the technology table does not set it (or use arch.readout.kind: adc)",
                                                     ro));
  if (ro == "sar" && cfg.tech[Tech::DacUnitCap] <= 0)
    r.fail("arch.tech.dac_unit_cap", "arch.readout.kind sar prices its capacitive DAC from this key; the technology "
                                     "table does not set it (or use arch.readout.kind: adc)");
  // Circuit timing: the analog macros' phase cycles from the line's RC under this technology.
  if (cfg.chip.macro.timing == "circuit")
    apply_circuit_timing(cfg.tech, cfg.chip.macro, double(cfg.chip.period_ps()) * 1e-3);
  if (cfg.chip.macro.noise.on) apply_noise(cfg.tech, cfg.chip.readout, cfg.chip.macro, double(cfg.chip.period_ps()) * 1e-3);

  cfg.resolved_yaml = "# Resolved cimsim configuration: every key with its effective value.\n" + emit_yaml(r.resolved());
  return cfg;
}

namespace {

// A scalar that reads back as itself when written plain: letters, digits and a few marks, no
// leading or trailing space, no ": " or " #", nothing that starts an indicator; in a flow
// sequence also no ",". Anything else is double-quoted (never wrong, only less pretty).
bool plain_safe(const std::string& s, bool flow) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s == "null" || s == "Null" || s == "NULL") return false;  // would read back as a null
  const unsigned char c0 = static_cast<unsigned char>(s.front());
  if (!(std::isalnum(c0) || c0 == '.' || c0 == '/' || c0 == '_' || c0 == '(' ||
        (c0 == '-' && s.size() > 1 && s[1] != ' ') || (c0 == '+' && s.size() > 1))) {
    return false;
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isalnum(c) || c == ' ' || c == '.' || c == '_' || c == '/' || c == '-' || c == '+' || c == '(' ||
        c == ')' || c == '=' || c == ';' || c == '^' || c == '*' || c == '~' || c == '<' || c == '>' || c == '%')
      continue;
    if (c == ',' && !flow) continue;
    if (c == ':' && !flow && s[i + 1] != ' ') continue;  // s.back() is not ':', so s[i + 1] exists
    return false;
  }
  return true;
}

void emit_scalar(std::string& out, const std::string& s, bool flow) {
  if (plain_safe(s, flow)) {
    out += s;
    return;
  }
  out += '"';
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;  // UTF-8 bytes stand for themselves in a double-quoted scalar
    }
  }
  out += '"';
}

void emit_flow(std::string& out, const YAML::Node& n) {
  if (n.IsScalar()) {
    emit_scalar(out, n.Scalar(), true);
  } else if (n.IsSequence()) {
    out += '[';
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (i) out += ", ";
      emit_flow(out, n[i]);
    }
    out += ']';
  } else if (n.IsMap()) {
    out += '{';
    bool first = true;
    for (const auto& kv : n) {
      if (!first) out += ", ";
      first = false;
      emit_scalar(out, kv.first.Scalar(), true);
      out += ": ";
      emit_flow(out, kv.second);
    }
    out += '}';
  } else {
    out += '~';
  }
}

void emit_block(std::string& out, const YAML::Node& map, int indent) {
  for (const auto& kv : map) {
    out.append(std::size_t(indent), ' ');
    emit_scalar(out, kv.first.Scalar(), false);
    out += ':';
    const YAML::Node& v = kv.second;
    if (v.IsMap() && v.size() > 0) {
      out += '\n';
      emit_block(out, v, indent + 2);
      continue;
    }
    out += ' ';
    if (v.IsScalar()) {
      emit_scalar(out, v.Scalar(), false);
    } else {
      emit_flow(out, v);  // sequences (and empty maps) in flow style
    }
    out += '\n';
  }
}

}  // namespace

std::string emit_yaml(const YAML::Node& map) {
  if (!map.IsMap()) throw std::logic_error("emit_yaml: expected a mapping");
  std::string out;
  out.reserve(16384);
  emit_block(out, map, 0);
  return out;
}

}  // namespace cimsim
