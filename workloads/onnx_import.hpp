// ONNX import: reads model.onnx with the onnx protobuf classes and folds it into the layer IR.
#pragma once
#include <filesystem>

#include "workloads/network.hpp"

namespace cimsim {

// Supported: chains of Gemm / MatMul / 1x1 Conv with binary weights (+-a or {0,a} per output
// channel), joined by bias, BatchNormalization, Add/Sub/Mul/Div by constants and a binarizing
// step (Sign, or GreaterOrEqual/Greater followed by Cast), with Flatten/Reshape/Identity/Cast
// in between. Anything else throws InputError naming the node, its op type and the reason.
Network import_onnx(const std::filesystem::path& model_path);

}  // namespace cimsim
