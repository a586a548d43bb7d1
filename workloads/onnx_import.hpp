// ONNX import: reads model.onnx with the onnx protobuf classes and turns it into the layer IR.
#pragma once
#include <filesystem>

#include "workloads/network.hpp"

namespace cimsim {

// Macro layers: Gemm, MatMul, Conv (1x1 with stride; 3x3 with stride and padding; depthwise 3x3
// via group) whose weights per output channel are +-a, {0, a} or integer multiples of a (bit
// sliced). Digital steps: BatchNormalization, Add/Sub/Mul/Div (by constants, or Add/Mul of two
// tensors), GreaterOrEqual/Greater (+ Cast), Sign, Relu, Sigmoid, MaxPool, AveragePool,
// GlobalAveragePool, Flatten/Reshape; Identity, Dropout and Cast pass through. Anything else
// throws InputError naming the node, its op type and the reason. The result still needs
// finalize_network (input resolution and epilogue fusion) before it runs.
Network import_onnx(const std::filesystem::path& model_path);

}  // namespace cimsim
