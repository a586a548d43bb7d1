// Functional reference: the network evaluated with plain integer arithmetic for macro layers
// (one multiply-add per weight, no bit packing, no macro model) and the shared digital steps.
#pragma once
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

// Integer input level of element x for layer L (bits: 0/1; fixed point: k).
int64_t layer_input_level(const LayerSpec& L, const ValueInfo& in, double x);

// Output values of one macro layer on one sample's input values.
std::vector<double> reference_layer(const LayerSpec& L, const ValueInfo& in, const std::vector<double>& x);

// Output values of the whole network on one sample's raw input.
std::vector<double> reference_forward(const Network& net, const std::vector<double>& input);

}  // namespace cimsim
