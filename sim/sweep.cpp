#include "sim/sweep.hpp"

#include <fmt/format.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <csignal>
#include <functional>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "arch/stop.hpp"
#include "power/area.hpp"
#include "power/sweep_report.hpp"
#include "sim/config.hpp"
#include "sim/driver.hpp"
#include "sim/worker_pool.hpp"
#include "workloads/atomic_file.hpp"
#include "workloads/bundle.hpp"
#include "workloads/errors.hpp"

namespace cimsim {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

std::vector<std::vector<int64_t>> hierarchy_patterns(int64_t rows, int64_t max_levels, int64_t min_segment) {
  std::vector<std::vector<int64_t>> out;
  std::vector<int64_t> cur;
  // Factor sequences of exactly `levels` factors whose product is `rest`.
  std::function<void(int64_t, int64_t)> rec = [&](int64_t rest, int64_t levels) {
    if (levels == 1) {
      if (rest >= min_segment) {
        cur.push_back(rest);
        out.push_back(cur);
        cur.pop_back();
      }
      return;
    }
    for (int64_t f = min_segment; f <= rest; ++f) {
      if (rest % f) continue;
      cur.push_back(f);
      rec(rest / f, levels - 1);
      cur.pop_back();
    }
  };
  for (int64_t k = 1; k <= max_levels; ++k) rec(rows, k);
  return out;
}

namespace {

std::string read_text(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw InputError(fmt::format("{}: not found or not a regular file", p.string()));
  if (fs::file_size(p, ec) > (16u << 20)) throw InputError(fmt::format("{}: larger than 16 MiB", p.string()));
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string flow(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetSeqFormat(YAML::Flow);
  e.SetMapFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

std::string list_text(const std::vector<int64_t>& v) { return "[" + fmt::format("{}", fmt::join(v, ", ")) + "]"; }

[[noreturn]] void spec_fail(const fs::path& f, const std::string& key, const std::string& why) {
  throw InputError(fmt::format("{}: key '{}': {}", f.string(), key, why));
}

void check_keys(const fs::path& f, const YAML::Node& n, const std::string& where, const std::set<std::string>& allowed) {
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) spec_fail(f, where.empty() ? "(top level)" : where, "a key that is not a plain name");
    const std::string k = kv.first.Scalar();
    if (!allowed.count(k)) spec_fail(f, where.empty() ? k : where + "." + k, fmt::format("unknown key (expected one of {})", fmt::join(allowed, ", ")));
  }
}

int64_t spec_int(const fs::path& f, const YAML::Node& n, const std::string& key, int64_t def, int64_t lo, int64_t hi) {
  if (!n[key]) return def;
  int64_t v;
  try {
    v = n[key].as<int64_t>();
  } catch (const YAML::Exception&) {
    spec_fail(f, key, "expected an integer");
  }
  if (v < lo || v > hi) spec_fail(f, key, fmt::format("{} is out of range [{}, {}]", v, lo, hi));
  return v;
}

}  // namespace

SweepSpec load_sweep(const fs::path& file) {
  SweepSpec spec;
  spec.file = file;
  spec.name = file.filename().string();
  spec.text = read_text(file);
  YAML::Node root;
  try {
    root = YAML::Load(spec.text);
  } catch (const YAML::ParserException& e) {
    throw InputError(fmt::format("{}:{}:{}: YAML syntax error: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  if (!root.IsMap()) throw InputError(fmt::format("{}: expected a mapping with base, set, axes, combine", file.string()));
  check_keys(file, root, "", {"base", "set", "axes", "combine"});
  if (!root["base"] || !root["base"].IsScalar()) spec_fail(file, "base", "missing (expected the path of a run config)");
  spec.base = (fs::absolute(file).parent_path() / root["base"].Scalar()).lexically_normal();
  if (root["set"]) {
    if (!root["set"].IsMap()) spec_fail(file, "set", "expected a mapping of key.path: value");
    for (const auto& kv : root["set"]) {
      if (!kv.first.IsScalar()) spec_fail(file, "set", "expected key.path names as keys");
      spec.fixed.push_back({kv.first.Scalar(), flow(kv.second)});
    }
  }
  std::vector<std::string> fixed_sets;
  for (const auto& a : spec.fixed) fixed_sets.push_back(a.key + "=" + a.value);
  const RunConfig base = load_config(spec.base, {"", "", fixed_sets});  // the base must load

  if (!root["axes"] || !root["axes"].IsSequence() || root["axes"].size() == 0) spec_fail(file, "axes", "expected a non-empty list of axes");
  const std::string combine = root["combine"] ? root["combine"].Scalar() : "product";
  if (combine != "product" && combine != "zip") spec_fail(file, "combine", fmt::format("'{}' is not one of product, zip", combine));

  std::vector<std::vector<std::vector<Assignment>>> axes;  // axis -> entries -> assignments
  for (std::size_t i = 0; i < root["axes"].size(); ++i) {
    const YAML::Node a = root["axes"][i];
    const std::string where = fmt::format("axes[{}]", i);
    if (!a.IsMap()) spec_fail(file, where, "expected {key, values} or {generator, ...}");
    std::vector<std::vector<Assignment>> entries;
    if (a["generator"]) {
      const std::string gen = a["generator"].Scalar();
      if (gen != "hierarchy") spec_fail(file, where + ".generator", fmt::format("'{}' is not a generator (hierarchy)", gen));
      check_keys(file, a, where, {"generator", "rows", "max_levels", "min_segment", "gating_levels", "patterns"});
      const int64_t rows = spec_int(file, a, "rows", base.chip.macro.rows, 1, 1 << 16);
      const int64_t max_levels = spec_int(file, a, "max_levels", 4, 1, 16);
      const int64_t min_segment = spec_int(file, a, "min_segment", 2, 1, 1 << 16);
      const std::string gl = a["gating_levels"] ? a["gating_levels"].Scalar() : "all";
      if (gl != "all" && gl != "leaf") spec_fail(file, where + ".gating_levels", fmt::format("'{}' is not one of all, leaf", gl));
      spec.columns.push_back("arch.macro.hierarchy");
      spec.columns.push_back("arch.macro.gating.level");
      std::vector<std::vector<int64_t>> patterns = hierarchy_patterns(rows, max_levels, min_segment);
      if (a["patterns"]) {  // only these patterns (each must be one the generator makes)
        const YAML::Node ps = a["patterns"];
        if (!ps.IsSequence() || ps.size() == 0) spec_fail(file, where + ".patterns", "expected a non-empty list of patterns");
        std::vector<std::vector<int64_t>> chosen;
        for (std::size_t j = 0; j < ps.size(); ++j) {
          std::vector<int64_t> q;
          try {
            q = ps[j].as<std::vector<int64_t>>();
          } catch (const YAML::Exception&) {
            spec_fail(file, fmt::format("{}.patterns[{}]", where, j), "expected a list of integers, e.g. [16, 4, 4]");
          }
          if (std::find(patterns.begin(), patterns.end(), q) == patterns.end())
            spec_fail(file, fmt::format("{}.patterns[{}]", where, j),
                      fmt::format("[{}] is not a pattern of {} rows into at most {} levels of at least {} rows",
                                  fmt::join(q, ", "), rows, max_levels, min_segment));
          chosen.push_back(q);
        }
        patterns = chosen;
      }
      for (const auto& p : patterns)
        for (std::size_t lvl = 0; lvl < (gl == "all" ? p.size() : 1); ++lvl)
          entries.push_back({{"arch.macro.hierarchy", list_text(p)}, {"arch.macro.gating.level", std::to_string(lvl)}});
      if (entries.empty()) spec_fail(file, where, fmt::format("no pattern of {} rows has segments of at least {}", rows, min_segment));
    } else {
      check_keys(file, a, where, {"key", "values"});
      if (!a["key"] || !a["key"].IsScalar()) spec_fail(file, where + ".key", "missing (expected a config key path)");
      if (!a["values"] || !a["values"].IsSequence() || a["values"].size() == 0) spec_fail(file, where + ".values", "expected a non-empty list");
      const std::string key = a["key"].Scalar();
      spec.columns.push_back(key);
      for (const auto& v : a["values"]) entries.push_back({{key, flow(v)}});
    }
    axes.push_back(std::move(entries));
  }
  std::vector<std::vector<Assignment>> combos;
  if (combine == "zip") {
    for (std::size_t i = 1; i < axes.size(); ++i)
      if (axes[i].size() != axes[0].size()) spec_fail(file, "combine", fmt::format("zip needs axes of equal length ({} and {})", axes[0].size(), axes[i].size()));
    for (std::size_t j = 0; j < axes[0].size(); ++j) {
      std::vector<Assignment> c;
      for (const auto& ax : axes) c.insert(c.end(), ax[j].begin(), ax[j].end());
      combos.push_back(c);
    }
  } else {
    combos.push_back({});
    for (const auto& ax : axes) {
      std::vector<std::vector<Assignment>> next;
      for (const auto& c : combos)
        for (const auto& e : ax) {
          auto d = c;
          d.insert(d.end(), e.begin(), e.end());
          next.push_back(d);
        }
      combos = std::move(next);
    }
  }
  if (combos.size() > 1000000) spec_fail(file, "axes", fmt::format("{} points is more than 1,000,000", combos.size()));
  for (std::size_t i = 0; i < combos.size(); ++i) spec.points.push_back({int64_t(i), combos[i]});
  return spec;
}

namespace {

std::string point_name(int64_t id) { return fmt::format("{:06d}", id); }

json manifest_of(const SweepSpec& spec) {
  json m;
  m["schema"] = "cimsim.sweep/1";
  m["name"] = spec.file.filename().string();
  m["spec"] = spec.text;
  m["base"] = spec.base.string();
  m["columns"] = spec.columns;
  json pts = json::array();
  for (const auto& p : spec.points) {
    json a = json::object();
    for (const auto& s : p.sets) a[s.key] = s.value;
    pts.push_back({{"id", p.id}, {"sets", a}});
  }
  m["points"] = pts;
  return m;
}

// A point's folder is written without an fsync per file (the sweep syncs its file system once at
// the end), so after a power cut a renamed folder may hold files the disk never received in full.
// point.json, written last, records the size of every other file: a folder is a finished point
// only when its point.json parses and every file has its recorded size.
std::optional<json> finished_point(const fs::path& points, int64_t id) {
  const fs::path dir = points / point_name(id);
  std::error_code ec;
  if (!fs::exists(dir / "point.json", ec)) return std::nullopt;
  json j = json::parse(read_text(dir / "point.json"), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("files") || !j["files"].is_object()) return std::nullopt;
  for (const auto& [name, size] : j["files"].items()) {
    if (!size.is_number_unsigned() || fs::file_size(dir / name, ec) != size.get<uint64_t>() || ec) return std::nullopt;
  }
  return j;
}

bool complete(const fs::path& points, int64_t id) {
  return finished_point(points, id) || fs::exists(points / (point_name(id) + ".error"));
}

// Flushes the file system that holds `dir` (one syncfs for all the points written unsynced).
void sync_file_system(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::syncfs(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    throw SimulationError(fmt::format("cannot flush the sweep's results in {} to disk: {}", dir.string(), std::strerror(err)));
  }
  ::close(fd);
}

// One point, in a worker process.
int run_point(const SweepSpec& spec, const SweepPoint& p, const fs::path& points, const RunConfig& base_cfg,
              const Workload& base_w, bool full_reports) {
  const fs::path dir = points / point_name(p.id);
  try {
    std::vector<std::string> sets;
    for (const auto& a : spec.fixed) sets.push_back(a.key + "=" + a.value);
    for (const auto& a : p.sets) sets.push_back(a.key + "=" + a.value);
    const RunConfig cfg = load_config(spec.base, {"", "", sets});
    std::optional<Workload> own;
    if (cfg.workload_dir != base_cfg.workload_dir || cfg.samples != base_cfg.samples) own = load_workload(cfg.workload_dir, cfg.samples);
    const Workload& w = own ? *own : base_w;
    const RunResult r = simulate(cfg, w);
    const HierarchyArea area = hierarchy_area(cfg.tech, cfg.chip.macro);
    json pj;
    pj["id"] = p.id;
    json a = json::object();
    for (const auto& s : p.sets) a[s.key] = s.value;
    pj["sets"] = a;
    pj["cycles"] = r.report.cycles;
    pj["time_ns"] = r.report.time_ns;
    pj["energy_pj"] = r.report.energy_pj;
    pj["tops_per_w"] = r.report.tops_per_w;
    pj["gated_fraction_ops"] = r.report.gated_fraction_ops;
    pj["gated_fraction_time"] = r.report.gated_fraction_time;
    pj["outputs_match_reference"] = r.report.function.outputs_match_reference;
    // The chip's area from its parts (the Pareto front's third axis): macros and their periphery,
    // or a TTFS chip's arrays.
    pj["area_um2"] = r.report.area ? r.report.area->um2() : 0.0;
    pj["hierarchy_area"] = {{"precharge_um2", area.precharge_um2}, {"switches_um2", area.switches_um2},
                  {"gating_um2", area.gating_um2}, {"wires_um2", area.wires_um2}, {"segments", area.segments},
                  {"switches", area.switches}, {"domains", area.domains}};
    auto files = result_files(cfg, w, r, full_reports ? ResultFiles::All : ResultFiles::ReportOnly);
    json sizes = json::object();
    for (const auto& [name, content] : files) sizes[name] = content.size();
    pj["files"] = sizes;
    files.emplace_back("point.json", pj.dump(2) + "\n");
    write_folder_atomic(dir, files, {"report.json", "resolved.yaml"}, /*sync=*/false);
    return 0;
  } catch (const Interrupted&) {
    return 3;
  } catch (const std::exception& e) {
    if (stop_requested()) return 3;
    write_file_atomic(points / (point_name(p.id) + ".error"), std::string(e.what()) + "\n");
    // Also on the standard error, even when quiet: a cluster task's log then says why.
    fmt::print(stderr, "cimsim: sweep point {} failed: {}\n", p.id, e.what());
    return 1;
  }
}

std::vector<SweepRow> collect(const SweepSpec& spec, const fs::path& out, int shard, int shards) {
  std::vector<SweepRow> rows;
  const fs::path points = out / "points";
  for (const auto& p : spec.points) {
    if (p.id % shards != shard) continue;
    SweepRow r;
    r.id = p.id;
    for (const auto& s : p.sets) r.values.push_back(s.value);
    r.report = "points/" + point_name(p.id);
    const fs::path err = points / (point_name(p.id) + ".error");
    if (const std::optional<json> point = finished_point(points, p.id)) {
      const json& j = *point;
      r.status = "ok";
      r.cycles = j["cycles"].get<uint64_t>();
      r.time_ns = j["time_ns"].get<double>();
      r.energy_pj = j["energy_pj"].get<double>();
      r.tops_per_w = j["tops_per_w"].get<double>();
      r.gated_fraction_ops = j["gated_fraction_ops"].get<double>();
      r.gated_fraction_time = j["gated_fraction_time"].get<double>();
      r.area_um2 = j["area_um2"].get<double>();
      r.outputs_match = j["outputs_match_reference"].get<bool>();
    } else if (fs::exists(err)) {
      r.status = "failed";
      r.error = read_text(err);
      while (!r.error.empty() && r.error.back() == '\n') r.error.pop_back();
      r.report.clear();
    } else {
      r.status = "missing";
      r.report.clear();
    }
    rows.push_back(std::move(r));
  }
  mark_pareto(rows);
  return rows;
}

void write_outputs(const SweepSpec& spec, const fs::path& out, int shard, int shards) {
  const auto rows = collect(spec, out, shard, shards);
  write_file_atomic(out / "sweep.csv", sweep_csv(spec.columns, rows));
  write_file_atomic(out / "sweep.html", sweep_html(spec.name, spec.columns, rows));
}

void progress(std::size_t done, std::size_t total, int failed, std::chrono::steady_clock::time_point t0) {
  const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double left = done ? el / double(done) * double(total - done) : 0;
  const int width = 30, fill = total ? int(double(width) * double(done) / double(total)) : width;
  fmt::print(stderr, "\r[{}{}] {}/{} points, {} failed, {:.0f} s left  ", std::string(std::size_t(fill), '#'),
             std::string(std::size_t(width - fill), '.'), done, total, failed, left);
}

}  // namespace

int run_sweep(const SweepSpec& spec, const fs::path& out, const SweepOptions& o) {
  const fs::path points = out / "points";
  fs::create_directories(points);
  const std::string manifest = manifest_of(spec).dump(2) + "\n";
  const fs::path mf = out / "sweep.json";
  if (fs::exists(mf)) {
    const json old = json::parse(read_text(mf));
    if (old.value("spec", "") != spec.text || old.value("base", "") != spec.base.string()) {
      throw InputError(fmt::format("--out {}: holds a sweep of another spec; use another folder", out.string()));
    }
    if (!o.resume) {
      bool any = false;
      for (const auto& p : spec.points) any |= complete(points, p.id);
      if (any) throw InputError(fmt::format("--out {}: holds points of this sweep already; add --resume to continue it", out.string()));
    }
  }
  write_file_atomic(mf, manifest);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(points))  // stale folders of killed workers
    if (e.path().filename().string()[0] == '.') fs::remove_all(e.path(), ec);

  std::vector<const SweepPoint*> pending;
  for (const auto& p : spec.points)
    if (p.id % o.shards == o.shard && !(o.resume && complete(points, p.id))) pending.push_back(&p);
  for (const auto* p : pending) {  // a rerun point starts clean
    fs::remove_all(points / point_name(p->id), ec);
    fs::remove(points / (point_name(p->id) + ".error"), ec);
  }

  std::vector<std::string> fixed_sets;
  for (const auto& a : spec.fixed) fixed_sets.push_back(a.key + "=" + a.value);
  const RunConfig base_cfg = load_config(spec.base, {"", "", fixed_sets});
  const Workload base_w = load_workload(base_cfg.workload_dir, base_cfg.samples);  // shared by the workers

  const bool tty = !o.quiet && ::isatty(2);
  const auto t0 = std::chrono::steady_clock::now();
  // Worker processes each take point after point from a shared counter until none is left, so a
  // process starts per worker, not per point. Shared with them: the counter, the points done and
  // failed, and the point each one is on (to name the point a crashed worker leaves).
  const int workers = int(std::min<std::size_t>(std::size_t(std::clamp(o.jobs, 1, 1024)), pending.size()));
  struct Shared {
    std::atomic<std::size_t> next{0}, done{0};
    std::atomic<int> failed{0};
    std::atomic<int64_t> on[1024];
  };
  SharedWithWorkers<Shared> sh;
  for (auto& x : sh->on) x = -1;
  std::map<pid_t, int> running;  // pid -> worker slot
  auto spawn = [&](int slot) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) throw SimulationError("cannot start a worker process (fork failed)");
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a killed sweep takes its workers along
      set_chip_workers(1);                 // a point's noisy chip instances one at a time beside it
      while (!stop_requested()) {
        const std::size_t i = sh->next++;
        if (i >= pending.size()) break;
        sh->on[slot] = int64_t(i);
        const int rc = run_point(spec, *pending[i], points, base_cfg, base_w, o.full_reports);
        if (rc == 3) ::_exit(3);
        if (rc == 1) ++sh->failed;
        sh->on[slot] = -1;
        ++sh->done;
      }
      ::_exit(0);
    }
    running[pid] = slot;
  };
  for (int k = 0; k < workers; ++k) spawn(k);
  std::size_t drawn = 0;
  while (!running.empty()) {
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid > 0 && running.count(pid)) {
      const int slot = running[pid];
      running.erase(pid);
      const int64_t i = sh->on[slot].exchange(-1);
      const bool interrupted = WIFEXITED(st) && WEXITSTATUS(st) == 3;  // stopped by its own signal: no result, no error
      if (i >= 0 && interrupted && !stop_requested()) {
        if (sh->next.load() < pending.size()) spawn(slot);  // the point stays to do (missing; --resume reruns it)
      } else if (i >= 0 && !stop_requested()) {  // the worker died in a point: that point failed, the rest go on
        const std::string why = WIFSIGNALED(st) ? fmt::format("the worker process was killed by signal {} while simulating it", WTERMSIG(st))
                                                : fmt::format("the worker process exited with status {} while simulating it", WEXITSTATUS(st));
        write_file_atomic(points / (point_name(pending[std::size_t(i)]->id) + ".error"), why + "\n");
        fmt::print(stderr, "cimsim: sweep point {} failed: {}\n", pending[std::size_t(i)]->id, why);
        ++sh->failed;
        ++sh->done;
        if (sh->next.load() < pending.size()) spawn(slot);
      }
      continue;
    }
    if (stop_requested()) {
      for (const auto& [p, slot] : running) ::kill(p, SIGINT);
      while (!running.empty()) {
        const pid_t q = ::waitpid(-1, &st, 0);
        if (q > 0) running.erase(q);
        else if (errno != EINTR) break;
      }
      break;
    }
    if (tty && sh->done.load() != drawn) progress(drawn = sh->done.load(), pending.size(), sh->failed.load(), t0);
    if (pid == 0 || (pid < 0 && errno == EINTR)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    else if (pid < 0) break;  // no children left
  }
  const int failed = sh->failed.load();
  if (tty) progress(sh->done.load(), pending.size(), failed, t0);
  if (tty) fmt::print(stderr, "\n");
  sync_file_system(points);  // the points are on disk before sweep.csv says so
  write_outputs(spec, out, o.shard, o.shards);
  if (stop_requested()) {
    std::size_t complete_now = 0;  // workers stopped mid-point left nothing: count what is there
    for (const auto* p : pending) complete_now += complete(points, p->id);
    throw Interrupted(fmt::format("sweep interrupted; {} of this run's {} points are complete in {}; continue with --resume",
                                  complete_now, pending.size(), out.string()));
  }
  return failed;
}

void merge_sweeps(const std::vector<fs::path>& shards, const fs::path& out) {
  if (shards.empty()) throw InputError("--merge needs the shard folders to join");
  std::optional<json> first;
  for (const auto& d : shards) {
    const fs::path mf = d / "sweep.json";
    if (!fs::exists(mf)) throw InputError(fmt::format("{}: not a sweep folder (no sweep.json)", d.string()));
    const json m = json::parse(read_text(mf));
    if (first && (m["spec"] != (*first)["spec"] || m["base"] != (*first)["base"])) {
      throw InputError(fmt::format("{}: is a shard of another sweep than {}", d.string(), shards.front().string()));
    }
    if (!first) first = m;
  }
  // Every point of the sweep must be in some shard (finished, or failed with its .error):
  // a merge of incomplete shards would be a sweep.csv with rows missing.
  std::size_t missing = 0;
  int64_t first_missing = -1;
  const auto& all = (*first)["points"];
  for (const auto& p : all) {
    const int64_t id = p["id"].get<int64_t>();
    bool found = false;
    for (const auto& d : shards) found = found || complete(d / "points", id);
    if (!found && missing++ == 0) first_missing = id;
  }
  if (missing > 0)
    throw InputError(fmt::format("--merge: {} of the sweep's {} points are in none of the shards (the first: point {}); "
                                 "finish the shards (rerun them: --resume continues) and merge again",
                                 missing, all.size(), first_missing));
  fs::create_directories(out / "points");
  for (const auto& d : shards) {
    if (!fs::exists(d / "points")) continue;
    for (const auto& e : fs::directory_iterator(d / "points")) {
      const std::string name = e.path().filename().string();
      if (name[0] == '.') continue;
      const fs::path to = out / "points" / name;
      if (fs::exists(to)) continue;  // the same point from two shards: identical by determinism
      // Hard links where the file system allows them (no second copy of every point), else a copy.
      std::error_code ec;
      fs::copy(e.path(), to, fs::copy_options::recursive | fs::copy_options::create_hard_links, ec);
      if (ec) {
        fs::remove_all(to, ec);
        fs::copy(e.path(), to, fs::copy_options::recursive);
      }
    }
  }
  SweepSpec spec;
  spec.text = (*first)["spec"].get<std::string>();
  spec.base = (*first)["base"].get<std::string>();
  spec.file = shards.front() / "sweep.json";
  spec.name = (*first)["name"].get<std::string>();
  spec.columns = (*first)["columns"].get<std::vector<std::string>>();
  for (const auto& p : (*first)["points"]) {
    SweepPoint sp;
    sp.id = p["id"].get<int64_t>();
    for (auto it = p["sets"].begin(); it != p["sets"].end(); ++it) sp.sets.push_back({it.key(), it.value().get<std::string>()});
    spec.points.push_back(sp);
  }
  write_file_atomic(out / "sweep.json", (*first).dump(2) + "\n");
  write_outputs(spec, out, 0, 1);
}

}  // namespace cimsim
