// Parameter declarations. Every configurable value is declared once, where its struct is
// defined, with its key, default, range, unit and meaning (`declare(ParamVisitor&)`); visitors
// then fill in the defaults, read and validate a config (sim/config), write the reference in
// docs/config.md (`cimsim config-reference`), and tell `cimsim reprice` which keys change only
// prices. No default is written anywhere else.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cimsim {

// What changing a parameter changes. `Price`: energies only (timing, function and counted
// actions stay), so a finished run can be re-priced under a new value without simulating.
enum class Affects { Run, Price };

// How a parameter is documented; `default_doc` / `range_doc` replace the printed default or
// range where they depend on other keys (e.g. "[rows]").
struct Meta {
  const char* unit = "";
  const char* what = "";
  Affects affects = Affects::Run;
  const char* default_doc = nullptr;
  const char* range_doc = nullptr;
};

class ParamVisitor {
 public:
  virtual ~ParamVisitor() = default;
  // Keys inside `body` are relative to `name` (dotted). `what`: one line for the reference.
  virtual void section(const std::string& name, const std::string& what, const std::function<void()>& body) = 0;
  virtual void integer(const char* key, int64_t& v, int64_t def, int64_t lo, int64_t hi, const Meta& m) = 0;
  virtual void real(const char* key, double& v, double def, double lo, double hi, const Meta& m) = 0;
  virtual void choice(const char* key, std::string& v, const char* def, const std::vector<std::string>& options,
                      const Meta& m) = 0;
  virtual void flag(const char* key, bool& v, bool def, const Meta& m) = 0;
  virtual void int_list(const char* key, std::vector<int64_t>& v, const std::vector<int64_t>& def, int64_t lo,
                        int64_t hi, const Meta& m) = 0;
  // A number, or .inf (YAML) for "none".
  virtual void real_or_inf(const char* key, double& v, double def, double lo_exclusive, const Meta& m) = 0;
  // A mapping of names to one of `options` (e.g. mapping.force: layer -> macro kind).
  virtual void name_map(const char* key, std::vector<std::pair<std::string, std::string>>& v,
                        const std::vector<std::string>& options, const Meta& m) = 0;
  // A key read by another command (e.g. arch.published, read by `cimsim validate`): accepted,
  // documented, not interpreted here.
  virtual void opaque(const char* key, const Meta& m) = 0;
  // A rule between keys; the reader fails with `why` naming `key` when `ok` is false.
  virtual void check(bool ok, const char* key, const std::string& why) = 0;
};

// Sets every declared value to its default.
class DefaultsVisitor final : public ParamVisitor {
 public:
  void section(const std::string&, const std::string&, const std::function<void()>& body) override { body(); }
  void integer(const char*, int64_t& v, int64_t def, int64_t, int64_t, const Meta&) override { v = def; }
  void real(const char*, double& v, double def, double, double, const Meta&) override { v = def; }
  void choice(const char*, std::string& v, const char* def, const std::vector<std::string>&, const Meta&) override {
    v = def;
  }
  void flag(const char*, bool& v, bool def, const Meta&) override { v = def; }
  void int_list(const char*, std::vector<int64_t>& v, const std::vector<int64_t>& def, int64_t, int64_t,
                const Meta&) override {
    v = def;
  }
  void real_or_inf(const char*, double& v, double def, double, const Meta&) override { v = def; }
  void name_map(const char*, std::vector<std::pair<std::string, std::string>>& v, const std::vector<std::string>&,
                const Meta&) override {
    v.clear();
  }
  void opaque(const char*, const Meta&) override {}
  void check(bool, const char*, const std::string&) override {}
};

}  // namespace cimsim
