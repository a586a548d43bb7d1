// A workload bundle in the ONNX model-zoo layout: model.onnx plus test_data_set_N/ folders with
// input_0.pb, output_0.pb and optionally label_0.pb (int64 class labels).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "workloads/network.hpp"
#include "workloads/ttfs.hpp"

namespace cimsim {

struct SampleSet {
  std::filesystem::path dir;  // test_data_set_N
  int64_t batch = 0;
};

struct Workload {
  std::filesystem::path dir;
  std::string name;  // folder name, used in reports
  Network net;            // binary CIM networks
  bool is_ttfs = false;   // a TTFS network (cimsim.TTFSDense / TTFSConv) instead
  TtfsNetwork ttfs;
  std::vector<SampleSet> sets;
  std::vector<double> inputs;      // [samples][input_numel]
  std::vector<double> references;  // [samples][output_numel]
  std::vector<int64_t> labels;     // [samples] or empty
  int64_t samples = 0;
};

// Loads and validates a bundle; `max_samples` > 0 keeps only the first that many samples.
Workload load_workload(const std::filesystem::path& dir, int64_t max_samples);

}  // namespace cimsim
