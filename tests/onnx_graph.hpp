// ONNX graphs built in tests with the onnx protobuf classes, so that each case states exactly
// what the importer is given.
#pragma once
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "workloads/digital.hpp"
#include "workloads/errors.hpp"
#include "workloads/onnx_import.hpp"

namespace cimsim::test {

struct GraphBuilder {
  onnx::ModelProto model;
  onnx::GraphProto* g;
  GraphBuilder(const std::vector<int64_t>& input_shape) {
    model.set_ir_version(8);
    model.add_opset_import()->set_version(13);
    g = model.mutable_graph();
    g->set_name("test");
    auto* in = g->add_input();
    in->set_name("x");
    auto* tt = in->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("batch");
    for (auto d : input_shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void init(const std::string& name, const std::vector<int64_t>& shape, const std::vector<float>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : shape) t->add_dims(d);
    for (auto x : v) t->add_float_data(x);
  }
  void init_i64(const std::string& name, const std::vector<int64_t>& shape, const std::vector<int64_t>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (auto d : shape) t->add_dims(d);
    for (auto x : v) t->add_int64_data(x);
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::string& out,
                        const std::string& name = "") {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + out : name);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  void output(const std::string& name) { g->add_output()->set_name(name); }
  std::filesystem::path save(const std::string& tag) {
    const std::filesystem::path dir = temp_dir(tag);
    std::ofstream f(dir / "model.onnx", std::ios::binary);
    model.SerializeToOstream(&f);
    return dir / "model.onnx";
  }
};

inline void attr_i(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// Imports and finalizes with {0,1} sample data.
inline Network load(const std::filesystem::path& p) {
  Network net = import_onnx(p);
  finalize_network(net, std::vector<double>(std::size_t(net.input_numel()), 1.0), "test data");
  return net;
}

inline std::string import_error(const std::filesystem::path& p) {
  try {
    load(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}


inline void attr_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}

inline void attr_s(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

}  // namespace cimsim::test
