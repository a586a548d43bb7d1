// Constant folding of ONNX nodes: a node whose inputs are all constants (initializers, Constant
// nodes, shapes of computed tensors, or earlier folded nodes) is evaluated at import, so that
// weight subgraphs (`w.sign()`, XNOR-Net's `mean(|w|) * sign(w)`), shape arithmetic
// (`x.view(x.size(0), -1)`) and the like reach the layer IR as plain constants.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "workloads/tensor.hpp"

namespace onnx {
class NodeProto;
}

namespace cimsim {

// A node that cannot be folded: the reason, without the node's name (the caller adds it).
class FoldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True when fold_node evaluates this op type.
bool foldable_op(const std::string& op_type);

// Evaluates node n on constant inputs (nullptr for an omitted optional input) under the default
// domain's opset. Float results are rounded to float32 after each node, as ONNX runtimes compute
// them; integer tensors keep integer semantics (division truncates). Throws FoldError.
std::vector<Tensor> fold_node(const onnx::NodeProto& n, const std::vector<const Tensor*>& inputs, int64_t opset);

// The result of a Shape (with its start / end attributes) or Size node over a tensor of `shape`.
Tensor shape_result(const onnx::NodeProto& n, const std::vector<int64_t>& shape);

// The values of an integer tensor (shapes, axes, pads); values beyond int64 saturate, as
// INT64_MAX ("to the end") does not survive the double a Tensor holds. Throws FoldError on NaN.
std::vector<int64_t> int_values(const Tensor& t);

// Is this TensorProto element type a floating-point one?
bool is_float_type(int64_t onnx_type);

// ONNX multidirectional (numpy) broadcasting of two shapes; throws FoldError when they do not.
std::vector<int64_t> broadcast_shapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace cimsim
