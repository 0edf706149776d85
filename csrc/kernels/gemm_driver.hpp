// The float32 GEMM entry point of the kernels: picks the ISA copy (avx512 / avx2 / generic)
// once, chooses how to block a problem, splits big problems over the thread pool, and owns
// the per-thread packing workspace. Baseline-ISA code only.
#pragma once

#include "fastkeras/tensor.hpp"
#include "gemm.hpp"

namespace fk::kernels {

// Below this many FLOPs (~5 us on one core) a problem runs on the calling thread alone.
// In isolation two threads already win at 1e5 (W1's 32x64x64: 3.1 -> 2.0 us), but inside
// a training step every split output is then read by the other core, and W1 (GEMMs of
// 0.13-0.26 MFLOP) measured ~10% slower per step with two threads than with one.
inline constexpr double kParallelFlops = 4e5;

// Fills the operand strides of p for row-major a, b, c with transpose flags: a is (m, k), or
// (k, m) when ta; b is (k, n), or (n, k) when tb; c is (m, n). Epilogue fields: kStore.
gemm::Problem gemm_problem(int64_t m, int64_t n, int64_t k, const float* a, bool ta,
                           const float* b, bool tb, float* c);

// Runs p. With db non-null, also db (n,) = column sums of the result (rows in order).
// Results are bit-identical whatever the thread count.
Status sgemm(const gemm::Problem& p, float* db = nullptr);

}  // namespace fk::kernels
