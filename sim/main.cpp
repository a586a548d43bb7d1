// cimsim: cycle-level simulation of SRAM compute-in-memory hardware.
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "arch/stop.hpp"
#include "sim/config.hpp"
#include "sim/config_reference.hpp"
#include "sim/reprice.hpp"
#include "sim/driver.hpp"
#include "sim/sweep.hpp"
#include "sim/table.hpp"
#include "sim/validate.hpp"
#include "workloads/atomic_file.hpp"
#include "workloads/bundle.hpp"
#include "workloads/errors.hpp"

// SystemC prints its banner from main() before sc_main runs; static initialisation comes first.
static const bool kNoBanner = [] { return ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0; }();

namespace po = boost::program_options;
using namespace cimsim;

namespace {

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kInterrupted = 130;

// The first SIGINT/SIGTERM asks the run to stop cleanly (no partial results); a second one
// ends the process at once.
extern "C" void on_stop_signal(int sig) {
  cimsim::stop_requested() = true;
  std::signal(sig, SIG_DFL);
}

const char* kUsageText =
    "usage: cimsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run [CONFIG.yaml]   simulate a workload on an architecture and write a report\n"
    "  sweep SWEEP.yaml    run every point of a sweep spec in parallel; sweep.csv, sweep.html\n"
    "  report DIR [DIR2]   re-render a run's report.html and tables, or compare two runs\n"
    "  validate            simulate the presets of published macros; predicted vs published TOPS/W\n"
    "  reprice DIR         re-price a finished run under another technology table or supply\n"
    "  config-reference    print every config key (docs/config.md's tables), or --write them into a file\n"
    "\n"
    "options:\n"
    "  -h, --help          show this help (cimsim run --help for the command's options)\n"
    "  --version           print the version\n";

// Parses a command's options and its positional arguments; false when --help was printed.
bool parse_command(const std::vector<std::string>& args, const po::options_description& opts,
                   std::vector<std::string>& positional, po::variables_map& vm) {
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&positional));
  po::positional_options_description pos;
  pos.add("positional", -1);
  po::options_description all;
  all.add(opts).add(hidden);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

int cmd_run(const std::vector<std::string>& args) {
  po::options_description opts("cimsim run [CONFIG.yaml] [options]\n\n"
                               "Simulates the workload named by CONFIG (default: the shipped "
                               "configs/default.yaml)\non its architecture and writes report.json, "
                               "layers.csv, resolved.yaml and outputs/ into --out.\n\noptions");
  std::string workload, arch, out = "cimsim-out", trace_file, trace_window = "0:100000";
  std::vector<std::string> sets;
  bool quiet = false;
  int jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  opts.add_options()
      ("help,h", "show this help")
      ("jobs,j", po::value(&jobs), "worker processes for the sample chunks and chip instances (default: the core "
                                   "count); results are the same for any number")
      ("workload", po::value(&workload), "exported bundle folder (model.onnx, test_data_set_N/); overrides the config's")
      ("arch", po::value(&arch), "architecture YAML file; overrides the config's")
      ("set", po::value(&sets)->composing(), "override any key, e.g. --set arch.macro.hierarchy=[16,16] (repeatable)")
      ("out", po::value(&out), "results folder (default: cimsim-out)")
      ("chips", po::value<int64_t>(), "with arch.analog.noise on: simulate N chip instances (seeds seed .. seed + N - 1) "
                                        "and report their accuracy's mean, sigma and minimum; same as --set arch.analog.chips=N")
      ("seed", po::value<uint64_t>(), "the first chip instance's seed; same as --set arch.analog.seed=S")
      ("trace", po::value(&trace_file), "write a VCD waveform of the macros' phases and domain states (GTKWave)")
      ("trace-window", po::value(&trace_window), "cycles START:END the trace covers (default 0:100000)")
      ("quiet,q", po::bool_switch(&quiet), "print nothing but errors");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (positional.size() > 1) throw po::error("run takes at most one CONFIG file");
  if (jobs < 1 || jobs > 1024) throw po::error("--jobs must be in [1, 1024]");
  set_chip_workers(jobs);
  const std::filesystem::path config = positional.empty() ? default_config_path() : std::filesystem::path(positional[0]);

  TraceOptions trace;
  if (!trace_file.empty()) {
    trace.file = trace_file;
    const auto colon = trace_window.find(':');
    try {
      trace.from = std::stoull(trace_window.substr(0, colon));
      trace.to = std::stoull(trace_window.substr(colon + 1));
    } catch (const std::exception&) {
      throw po::error("--trace-window expects START:END in cycles, e.g. 0:5000");
    }
    if (colon == std::string::npos || trace.to < trace.from) throw po::error("--trace-window expects START:END with START <= END");
  }
  if (vm.count("chips")) sets.push_back(fmt::format("arch.analog.chips={}", vm["chips"].as<int64_t>()));
  if (vm.count("seed")) sets.push_back(fmt::format("arch.analog.seed={}", vm["seed"].as<uint64_t>()));
  const RunConfig cfg = load_config(config, {workload, arch, sets});
  const Workload w = load_workload(cfg.workload_dir, cfg.samples);
  const RunResult r = simulate(cfg, w, trace, !quiet);
  write_results(out, cfg, w, r);
  if (!quiet) std::cout << summary_table(r.report, out) << std::flush;
  return kOk;
}

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("cimsim report DIR [--layer NAME]\ncimsim report DIR_A DIR_B [--out DIR]\n\n"
                               "With one run folder: rewrites its report.html, layers.csv and components.csv from its\n"
                               "report.json (no simulation). With two: compares them in a table and in DIR/compare.html.\n\noptions");
  std::string layer, out = "cimsim-compare";
  opts.add_options()("help,h", "show this help")("layer", po::value(&layer), "the layer whose gating map report.html draws")(
      "out", po::value(&out), "where compare.html goes (default: cimsim-compare)");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (positional.empty() || positional.size() > 2) throw po::error("report takes one or two run folders");
  if (positional.size() == 1) {
    const std::filesystem::path dir = positional[0];
    const Json j = read_report(dir);
    if (!layer.empty() && std::none_of(j["layers"].begin(), j["layers"].end(), [&](const Json& l) {
          return l["name"] == layer && !l["gating_map"].is_null();
        })) {
      throw InputError(fmt::format("--layer {}: not a macro layer of {}", layer, (dir / "report.json").string()));
    }
    write_file_atomic(dir / "report.html", report_html(j, layer));
    write_file_atomic(dir / "layers.csv", layers_csv(j));
    write_file_atomic(dir / "components.csv", components_csv(j));
    std::cout << fmt::format("rewrote {0}/report.html, {0}/layers.csv, {0}/components.csv\n", dir.string());
    return kOk;
  }
  const Json a = read_report(positional[0]), b = read_report(positional[1]);
  // The config keys in which the runs differ, from their resolved.yaml (when both have one).
  std::vector<std::array<std::string, 3>> diff;
  const std::filesystem::path ra = std::filesystem::path(positional[0]) / "resolved.yaml",
                              rb = std::filesystem::path(positional[1]) / "resolved.yaml";
  if (std::filesystem::exists(ra) && std::filesystem::exists(rb))
    for (const auto& d : config_differences(load_yaml(ra), load_yaml(rb))) diff.push_back({d.key, d.a, d.b});
  std::cout << compare_table(a, b, positional[0], positional[1], diff);
  write_file_atomic(std::filesystem::path(out) / "compare.html", compare_html(a, b, positional[0], positional[1], diff));
  std::cout << fmt::format("\n  side by side in {}/compare.html\n", out);
  return kOk;
}

int cmd_validate(const std::vector<std::string>& args) {
  po::options_description opts("cimsim validate [PRESET.yaml...] [options]\n\n"
                               "Simulates each preset of a published SRAM CIM macro (default: every file in\n"
                               "configs/arch/published/) on a fully connected layer that fills the macro, and prints the\n"
                               "predicted energy efficiency and throughput beside the published ones (1 MAC = 2 ops).\n"
                               "Writes validation.csv and validation.json into --out.\n\noptions");
  std::string out = "cimsim-validate";
  int64_t samples = 64;
  uint64_t seed = 1;
  std::vector<std::string> sets;
  opts.add_options()("help,h", "show this help")("out", po::value(&out), "output folder (default: cimsim-validate)")(
      "samples", po::value(&samples), "input vectors per preset (default: 64)")(
      "seed", po::value(&seed), "seed of the weights and inputs (default: 1)")(
      "set", po::value(&sets)->composing(), "KEY=VALUE override applied to every preset, e.g. arch.supply_v=0.8");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (samples < 1 || samples > 100000) throw po::error("--samples must be in [1, 100000]");
  std::vector<std::filesystem::path> presets(positional.begin(), positional.end());
  if (presets.empty()) {
    const auto dir = data_dir() / "configs" / "arch" / "published";
    if (!std::filesystem::is_directory(dir)) throw InputError(fmt::format("{}: no such folder of presets", dir.string()));
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".yaml") presets.push_back(e.path());
    std::sort(presets.begin(), presets.end());
  }
  std::vector<ValidationRow> rows;
  for (const auto& p : presets) rows.push_back(validate_preset(p, samples, seed, sets));
  std::cout << "cimsim validate: presets of published SRAM CIM macros, each on a fully connected layer filling the\n"
            << fmt::format("macro ({} input vectors, seed {}); energy is the macro's (array, read-out, gating, leakage)\n\n",
                           samples, seed)
            << validation_table(rows);
  write_folder_atomic(out, {{"validation.csv", validation_csv(rows)}, {"validation.json", validation_json(rows, samples, seed)}},
                      {"validation.csv", "validation.json"});
  std::cout << fmt::format("\n  validation.csv and validation.json in {}/\n", out);
  return kOk;
}

int cmd_sweep(const std::vector<std::string>& args) {
  po::options_description opts("cimsim sweep SWEEP.yaml [options]\ncimsim sweep --merge --out DIR SHARD_DIR...\n\n"
                               "Runs every point of a sweep spec (a base config and axes of config values or generated\n"
                               "bit-line hierarchies) in worker processes; writes one report folder per point,\n"
                               "sweep.csv with the Pareto front marked, and sweep.html.\n\noptions");
  std::string out = "cimsim-sweep", shard = "0/1";
  int jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  bool resume = false, merge = false, quiet = false, full_reports = false;
  opts.add_options()
      ("help,h", "show this help")
      ("jobs,j", po::value(&jobs), "worker processes (default: the core count)")
      ("out", po::value(&out), "sweep folder (default: cimsim-sweep)")
      ("resume", po::bool_switch(&resume), "keep the points already complete in --out and run the rest")
      ("shard", po::value(&shard), "run only shard I of N (points with id % N == I), e.g. --shard 2/8")
      ("merge", po::bool_switch(&merge), "join shard folders (given as arguments) into --out")
      ("full-reports", po::bool_switch(&full_reports), "each point also writes report.html, layers.csv, components.csv "
                                                       "and outputs/, as cimsim run does (default: report.json, "
                                                       "resolved.yaml, point.json; cimsim report renders the rest)")
      ("quiet,q", po::bool_switch(&quiet), "no progress bar, no summary");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (merge) {
    std::vector<std::filesystem::path> dirs(positional.begin(), positional.end());
    merge_sweeps(dirs, out);
    if (!quiet) std::cout << fmt::format("merged {} shard folders into {}/ (sweep.csv, sweep.html)\n", dirs.size(), out);
    return kOk;
  }
  if (positional.size() != 1) throw po::error("sweep takes one SWEEP.yaml");
  if (jobs < 1 || jobs > 1024) throw po::error("--jobs must be in [1, 1024]");
  SweepOptions o;
  o.jobs = jobs;
  o.resume = resume;
  o.quiet = quiet;
  o.full_reports = full_reports;
  const auto slash = shard.find('/');
  try {
    o.shard = std::stoi(shard.substr(0, slash));
    o.shards = std::stoi(shard.substr(slash + 1));
  } catch (const std::exception&) {
    throw po::error("--shard expects I/N, e.g. 0/4");
  }
  if (slash == std::string::npos || o.shards < 1 || o.shard < 0 || o.shard >= o.shards) throw po::error("--shard expects I/N with 0 <= I < N");
  const SweepSpec spec = load_sweep(positional[0]);
  const int failed = run_sweep(spec, out, o);
  if (!quiet) {
    std::cout << fmt::format("{} points{}, {} failed; results in {}/ (sweep.csv, sweep.html, points/)\n", spec.points.size(),
                             o.shards > 1 ? fmt::format(" (shard {} of {})", o.shard, o.shards) : "", failed, out);
  }
  return failed ? kFailed : kOk;
}

int cmd_reprice(const std::vector<std::string>& args) {
  po::options_description opts("cimsim reprice RUN_DIR [--arch FILE] [--set KEY=VALUE ...] --out DIR\n\n"
                               "Prices a finished run again from the action counts in its report.json, under its\n"
                               "resolved.yaml with the architecture or keys given here: another technology table, supply\n"
                               "or circuit energy. Refuses a change that alters timing, function or the counted actions\n"
                               "(a clock, a geometry, a read-out): simulate those again with cimsim run.\n\noptions");
  std::string arch, out;
  std::vector<std::string> sets;
  opts.add_options()("help,h", "show this help")("arch", po::value(&arch), "architecture YAML file (its technology table)")(
      "set", po::value(&sets)->composing(), "override a price-only key, e.g. --set arch.tech.buffer_bit=100")(
      "out", po::value(&out), "results folder for the re-priced run (required)");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (positional.size() != 1) throw po::error("reprice takes one run folder");
  if (out.empty()) throw po::error("reprice needs --out DIR");
  reprice(positional[0], {"", arch, sets}, out);
  std::cout << fmt::format("re-priced {} into {}/ (report.json, report.html, layers.csv, resolved.yaml, outputs/)\n",
                           positional[0], out);
  return kOk;
}

int cmd_config_reference(const std::vector<std::string>& args) {
  po::options_description opts("cimsim config-reference [--write FILE]\n\n"
                               "Prints the reference of every config key, generated from the parameters' declarations.\n"
                               "With --write, replaces the part of FILE between the lines\n"
                               "<!-- config-reference:begin --> and <!-- config-reference:end --> with it.\n\noptions");
  std::string file;
  opts.add_options()("help,h", "show this help")("write", po::value(&file), "the Markdown file to update (docs/config.md)");
  std::vector<std::string> positional;
  po::variables_map vm;
  if (!parse_command(args, opts, positional, vm)) return kOk;
  if (!positional.empty()) throw po::error("config-reference takes no arguments");
  if (file.empty()) {
    std::cout << config_reference();
    return kOk;
  }
  write_file_atomic(file, with_config_reference(file));
  std::cout << fmt::format("updated the config reference in {}\n", file);
  return kOk;
}

}  // namespace

// Debian's libsystemc provides main(), which calls sc_main.
int sc_main(int argc, char** argv) {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) {
      std::cerr << kUsageText;
      return kUsage;
    }
    const std::string cmd = args.front();
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << kUsageText;
      return kOk;
    }
    if (cmd == "--version") {
      std::cout << "cimsim " << CIMSIM_VERSION << "\n";
      return kOk;
    }
    if (cmd == "run") return cmd_run({args.begin() + 1, args.end()});
    if (cmd == "sweep") return cmd_sweep({args.begin() + 1, args.end()});
    if (cmd == "report") return cmd_report({args.begin() + 1, args.end()});
    if (cmd == "validate") return cmd_validate({args.begin() + 1, args.end()});
    if (cmd == "reprice") return cmd_reprice({args.begin() + 1, args.end()});
    if (cmd == "config-reference") return cmd_config_reference({args.begin() + 1, args.end()});
    std::cerr << fmt::format("cimsim: unknown command '{}'\n\n{}", cmd, kUsageText);
    return kUsage;
  } catch (const po::error& e) {
    std::cerr << "cimsim: " << e.what() << " (see cimsim run --help)\n";
    return kUsage;
  } catch (const Interrupted& e) {
    std::cerr << "cimsim: " << e.what() << "\n";
    return kInterrupted;
  } catch (const InputError& e) {
    std::cerr << "cimsim: error: " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "cimsim: simulation failed: " << e.what() << "\n";
    return kFailed;
  }
}
