// Functional reference: the network evaluated with plain integer arithmetic, one multiply-add
// per weight, independent of the macro model. Tests compare the hardware against it.
#pragma once
#include <vector>

#include "workloads/network.hpp"

namespace cimsim {

// Output values of one sample (binary outputs as their code values 0/1 or -1/+1).
std::vector<double> reference_forward(const Network& net, const BitVec& input_bits);

// Value of bit b under code c.
inline int bit_value(BitCode c, bool b) { return c == BitCode::Signed ? (b ? 1 : -1) : (b ? 1 : 0); }

}  // namespace cimsim
