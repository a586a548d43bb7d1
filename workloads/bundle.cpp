#include "workloads/bundle.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <onnx/onnx_pb.h>

#include <fstream>

#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/onnx_import.hpp"
#include "workloads/tensor.hpp"

namespace cimsim {
namespace fs = std::filesystem;

namespace {

// Checks a batch tensor against the per-sample shape; returns the batch size.
int64_t check_batch(const Tensor& t, const std::vector<int64_t>& sample_shape, const fs::path& file,
                    const std::string& what) {
  std::vector<int64_t> want = {-1};
  want.insert(want.end(), sample_shape.begin(), sample_shape.end());
  bool ok = t.shape.size() == want.size();
  for (size_t i = 1; ok && i < want.size(); ++i) ok = t.shape[i] == want[i];
  if (!ok) {
    throw InputError(fmt::format("{}: {} has shape {}; expected [batch]{}", file.string(), what,
                                 shape_str(t.shape), shape_str(sample_shape)));
  }
  return t.shape[0];
}

}  // namespace

Workload load_workload(const fs::path& dir, int64_t max_samples) {
  Workload w;
  w.dir = dir;
  w.name = fs::path(dir).lexically_normal().filename().string();
  if (w.name.empty()) w.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  if (!fs::is_directory(dir)) {
    throw InputError(fmt::format("{}: workload folder not found (expected model.onnx and "
                                 "test_data_set_N/ folders)", dir.string()));
  }
  const fs::path model = dir / "model.onnx";
  if (!fs::exists(model)) throw InputError(fmt::format("{}: model.onnx not found", dir.string()));
  {
    std::error_code ec;
    onnx::ModelProto proto;
    std::ifstream f(model, std::ios::binary);
    if (fs::is_regular_file(model, ec) && f && proto.ParseFromIstream(&f) && is_ttfs_model(proto)) {
      w.is_ttfs = true;
      w.ttfs = import_ttfs(proto, model.string());
    }
  }
  if (!w.is_ttfs) w.net = import_onnx(model);
  const std::vector<int64_t> in_shape = w.is_ttfs ? w.ttfs.input_shape : w.net.in().shape;
  const std::vector<int64_t> out_shape = w.is_ttfs ? w.ttfs.output_shape : w.net.output_shape();
  int64_t in_numel = 1, out_numel = 1;
  for (auto d : in_shape) in_numel *= d;
  for (auto d : out_shape) out_numel *= d;

  std::vector<std::pair<int, fs::path>> set_dirs;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const std::string prefix = "test_data_set_";
    if (!e.is_directory() || name.rfind(prefix, 0) != 0) continue;
    const std::string num = name.substr(prefix.size());
    if (num.empty() || !std::all_of(num.begin(), num.end(), ::isdigit) || num.size() > 6) continue;
    set_dirs.emplace_back(std::stoi(num), e.path());
  }
  std::sort(set_dirs.begin(), set_dirs.end());
  if (set_dirs.empty()) {
    throw InputError(fmt::format("{}: no test_data_set_N folders; a run needs sample inputs and "
                                 "reference outputs", dir.string()));
  }
  bool any_labels = false, all_labels = true;
  for (const auto& [idx, sdir] : set_dirs) {
    if (max_samples > 0 && w.samples >= max_samples) break;
    const fs::path in_f = sdir / "input_0.pb", out_f = sdir / "output_0.pb", lab_f = sdir / "label_0.pb";
    for (const auto& f : {in_f, out_f}) {
      if (!fs::exists(f)) throw InputError(fmt::format("{}: missing", f.string()));
    }
    Tensor in = read_tensor_file(in_f);
    Tensor out = read_tensor_file(out_f);
    const int64_t b = check_batch(in, in_shape, in_f, "input_0");
    const int64_t bo = check_batch(out, out_shape, out_f, "output_0");
    if (b != bo) {
      throw InputError(fmt::format("{}: output_0 holds {} samples but input_0 holds {}",
                                   out_f.string(), bo, b));
    }
    if (b == 0) throw InputError(fmt::format("{}: batch of zero samples", in_f.string()));
    if (!w.is_ttfs && w.net.traced_batch > 0 && b != w.net.traced_batch)
      throw InputError(fmt::format("{}: holds {} samples, but node '{}' reshapes with a batch of {} traced at export "
                                   "(x.data.size() or a constant): the graph holds only for batches of {}; export with "
                                   "x.size(0)", in_f.string(), b, w.net.traced_node, w.net.traced_batch,
                                   w.net.traced_batch));
    const int64_t take = max_samples > 0 ? std::min(b, max_samples - w.samples) : b;
    if (w.is_ttfs) {
      for (int64_t i = 0; i < take * in_numel; ++i)
        if (in.data[std::size_t(i)] < 0) {
          throw InputError(fmt::format("{}: element {} is a spike time of {} (expected a time in the window, >= 0; "
                                       "1 or later means no spike)", in_f.string(), i, in.data[std::size_t(i)]));
        }
    }
    w.inputs.insert(w.inputs.end(), in.data.begin(), in.data.begin() + take * in_numel);
    w.references.insert(w.references.end(), out.data.begin(), out.data.begin() + take * out_numel);
    if (fs::exists(lab_f)) {
      Tensor lab = read_tensor_file(lab_f);
      if (!lab.is_integer || lab.shape != std::vector<int64_t>{b}) {
        throw InputError(fmt::format("{}: labels must be an integer tensor of shape [{}], got {}",
                                     lab_f.string(), b, shape_str(lab.shape)));
      }
      for (int64_t i = 0; i < take; ++i) {
        const double v = lab.data[i];
        if (v < 0 || v >= double(out_numel)) {
          throw InputError(fmt::format("{}: label {} of sample {} is not a class index in [0, {})",
                                       lab_f.string(), v, i, out_numel));
        }
        w.labels.push_back(int64_t(v));
      }
      any_labels = true;
    } else {
      all_labels = false;
    }
    w.sets.push_back({sdir, take});
    w.samples += take;
  }
  if (any_labels && !all_labels) {
    throw InputError(fmt::format("{}: some test_data_set folders have label_0.pb and some do not",
                                 dir.string()));
  }
  if (!w.is_ttfs) finalize_network(w.net, w.inputs, (dir / "test_data_set_*/input_0.pb").string());
  return w;
}

}  // namespace cimsim
