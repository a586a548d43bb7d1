// The config reference (docs/config.md's generated part) and the price-only keys, both walked
// from the parameters' declarations.
#include "sim/config_reference.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "arch/macro_kinds.hpp"
#include "power/tech.hpp"
#include "sim/config.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

namespace {

std::string num(double x) {
  if (std::isinf(x)) return x > 0 ? ".inf" : "-.inf";
  return fmt::format("{}", x);
}

// One row per declared key.
class DocVisitor final : public ParamVisitor {
 public:
  struct Row {
    std::string key, def, unit, range, what;
    bool price = false;
  };
  struct Section {
    std::string key, what;
    std::vector<Row> rows;
  };
  std::vector<Section> sections{{"", "", {}}};

  void section(const std::string& name, const std::string& what, const std::function<void()>& body) override {
    const std::string saved = m_prefix;
    m_prefix = path(name.c_str());
    if (!what.empty()) sections.push_back({m_prefix, what, {}});
    body();
    m_prefix = saved;
  }
  void integer(const char* key, int64_t&, int64_t def, int64_t lo, int64_t hi, const Meta& m) override {
    add(key, fmt::format("{}", def), m.unit, fmt::format("[{}, {}]", lo, hi), m);
  }
  void real(const char* key, double&, double def, double lo, double hi, const Meta& m) override {
    add(key, num(def), m.unit, fmt::format("[{}, {}]", num(lo), num(hi)), m);
  }
  void choice(const char* key, std::string&, const char* def, const std::vector<std::string>& options,
              const Meta& m) override {
    std::string opts;
    for (const auto& o : options) opts += (opts.empty() ? "" : ", ") + fmt::format("`{}`", o);
    add(key, def, "", opts, m);
  }
  void flag(const char* key, bool&, bool def, const Meta& m) override { add(key, def ? "true" : "false", "", "bool", m); }
  void int_list(const char* key, std::vector<int64_t>&, const std::vector<int64_t>& def, int64_t lo, int64_t hi,
                const Meta& m) override {
    add(key, fmt::format("[{}]", fmt::join(def, ", ")), m.unit, fmt::format("elements in [{}, {}]", lo, hi), m);
  }
  void real_or_inf(const char* key, double&, double def, double lo, const Meta& m) override {
    add(key, num(def), m.unit, fmt::format("> {}, or .inf", num(lo)), m);
  }
  void name_map(const char* key, std::vector<std::pair<std::string, std::string>>&, const std::vector<std::string>& options,
                const Meta& m) override {
    add(key, "{}", m.unit, fmt::format("values: {}", fmt::join(options, ", ")), m);
  }
  void opaque(const char* key, const Meta& m) override { add(key, "-", m.unit, "", m); }
  void check(bool, const char*, const std::string&) override {}

 private:
  std::string path(const char* key) const { return m_prefix.empty() ? key : m_prefix + "." + key; }
  void add(const char* key, std::string def, const char* unit, std::string range, const Meta& m) {
    Row r{path(key), m.default_doc ? m.default_doc : std::move(def), unit, m.range_doc ? m.range_doc : std::move(range),
          m.what, m.affects == Affects::Price};
    sections.back().rows.push_back(std::move(r));
  }
  std::string m_prefix;
};

class PriceKeys final : public ParamVisitor {
 public:
  std::set<std::string> keys;
  void section(const std::string& name, const std::string&, const std::function<void()>& body) override {
    const std::string saved = m_prefix;
    m_prefix = path(name.c_str());
    body();
    m_prefix = saved;
  }
  void integer(const char* k, int64_t&, int64_t, int64_t, int64_t, const Meta& m) override { add(k, m); }
  void real(const char* k, double&, double, double, double, const Meta& m) override { add(k, m); }
  void choice(const char* k, std::string&, const char*, const std::vector<std::string>&, const Meta& m) override { add(k, m); }
  void flag(const char* k, bool&, bool, const Meta& m) override { add(k, m); }
  void int_list(const char* k, std::vector<int64_t>&, const std::vector<int64_t>&, int64_t, int64_t, const Meta& m) override {
    add(k, m);
  }
  void real_or_inf(const char* k, double&, double, double, const Meta& m) override { add(k, m); }
  void name_map(const char* k, std::vector<std::pair<std::string, std::string>>&, const std::vector<std::string>&,
                const Meta& m) override {
    add(k, m);
  }
  void opaque(const char* k, const Meta& m) override { add(k, m); }
  void check(bool, const char*, const std::string&) override {}

 private:
  std::string path(const char* key) const { return m_prefix.empty() ? key : m_prefix + "." + key; }
  void add(const char* k, const Meta& m) {
    if (m.affects == Affects::Price) keys.insert(path(k));
  }
  std::string m_prefix;
};

std::string escape(const std::string& s) {
  std::string r;
  for (char c : s) r += c == '|' ? std::string("\\|") : std::string(1, c);
  return r;
}

}  // namespace

std::string config_reference() {
  RunConfig cfg;
  DocVisitor v;
  cfg.declare(v);
  std::string s =
      "<!-- Generated by `cimsim config-reference` from the parameters' declarations; do not edit by hand. -->\n";
  s += "Keys marked *price* change only energies: `cimsim reprice` can apply them to a finished run.\n\n";
  s += "| key | default | unit | range | meaning |\n|---|---|---|---|---|\n";
  s += "| `workload` | (required) | path | | exported bundle folder: `model.onnx`, `test_data_set_N/` |\n";
  s += "| `arch` | shipped default | path or mapping | | the architecture (`configs/arch/default.yaml`) |\n";
  s += "| `arch.tech` | `configs/tech/65nm.yaml` | path or mapping | | the technology table (below) |\n";
  for (const auto& sec : v.sections) {
    if (!sec.key.empty())
      s += fmt::format("| **`{}`** | | | | **{}** |\n", sec.key, escape(sec.what));
    for (const auto& r : sec.rows)
      s += fmt::format("| `{}` | {} | {} | {} | {}{} |\n", r.key, escape(r.def), escape(r.unit), escape(r.range),
                       escape(r.what), r.price ? " *(price)*" : "");
  }
  s += "\n### Technology (`arch.tech.*`), every entry *price*\n\n";
  s += "| key | unit | range | meaning |\n|---|---|---|---|\n";
  s += "| `name` | | | label of the table in reports |\n";
  for (const auto& k : tech_keys())
    s += fmt::format("| `{}` | {} | [{}, {}] | {}{} |\n", k.name, k.unit, num(k.min), num(k.max), escape(k.meaning),
                     k.optional ? " (optional: 0 when absent)" : "");
  return s;
}

std::string with_config_reference(const std::filesystem::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw InputError(fmt::format("{}: cannot read", file.string()));
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  const std::string begin = "<!-- config-reference:begin -->\n", end = "<!-- config-reference:end -->";
  const auto a = text.find(begin), b = text.find(end);
  if (a == std::string::npos || b == std::string::npos || b < a)
    throw InputError(fmt::format("{}: no '<!-- config-reference:begin -->' ... '<!-- config-reference:end -->' block", file.string()));
  return text.substr(0, a + begin.size()) + config_reference() + text.substr(b);
}

std::set<std::string> price_only_keys() {
  RunConfig cfg;
  PriceKeys v;
  cfg.declare(v);
  v.keys.insert("arch.tech");  // the whole technology table (and every entry under it)
  return v.keys;
}

}  // namespace cimsim
