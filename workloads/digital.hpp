// The digital periphery's steps (add, channel gating, pooling, activations, binarizing),
// evaluated in double precision on one sample's values. Shared by the reference and the chip:
// only macro layers differ between the two.
#pragma once
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

std::vector<double> run_digital(const Network& net, const DigitalStep& s,
                                const std::vector<const std::vector<double>*>& inputs);

// Element operations the step performs for one sample (for the energy ledger).
uint64_t digital_ops(const Network& net, const DigitalStep& s);

// Folds each macro layer's single-consumer chain of Affine steps and a final Binarize step into
// the layer's epilogue (scale, bias, integer thresholds). Runs after resolve_input.
void fuse_epilogues(Network& net);

// resolve_input + fuse_epilogues: the network ready to run on these sample inputs.
void finalize_network(Network& net, const std::vector<double>& all_inputs, const std::string& where);

}  // namespace cimsim
