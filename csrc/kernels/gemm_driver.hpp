// The float32 GEMM entry point of the kernels: picks the ISA copy (avx512 / avx2 / generic)
// once, chooses how to block a problem, splits big problems over the thread pool, and owns
// the per-thread packing workspace. Baseline-ISA code only.
#pragma once

#include "fastkeras/tensor.hpp"
#include "gemm.hpp"

namespace fk::kernels {

// Fills the operand strides of p for row-major a, b, c with transpose flags: a is (m, k), or
// (k, m) when ta; b is (k, n), or (n, k) when tb; c is (m, n). Epilogue fields: kStore.
gemm::Problem gemm_problem(int64_t m, int64_t n, int64_t k, const float* a, bool ta,
                           const float* b, bool tb, float* c);

// Runs p. With db non-null, also db (n,) = column sums of the result (rows in order).
// Results are bit-identical whatever the thread count.
Status sgemm(const gemm::Problem& p, float* db = nullptr);

}  // namespace fk::kernels
