// The activation codes of the fused primitives (dense, matmul_act_grad) and of the vector
// activation kernels: one numbering for C++, checked against graph/primitives/fused.py's
// ACTIVATION_CODES through _cpu.activation_codes(). Only the enum: ISA-specific translation
// units include this (see kernels/gemm.hpp).
#pragma once

#include <cstdint>

namespace fk {

enum Act : int32_t { kLinear = 0, kRelu = 1, kSigmoid = 2, kTanh = 3 };
constexpr int32_t kNumActs = 4;

}  // namespace fk
