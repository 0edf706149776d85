// Single-precision GEMM with fused epilogues, one copy per instruction set
// (gemm_generic.cpp, gemm_avx2.cpp, gemm_avx512.cpp all compile gemm_impl.inc inside their
// own namespace). Declarations and plain structs only: this header is included by
// ISA-specific translation units, so it must define no inline function, template, or
// member initialiser (the linker could keep an AVX copy of it for the generic path).
#pragma once

#include <cstdint>

#include "fastkeras/activation_codes.hpp"

namespace fk::gemm {

using fk::Act, fk::kLinear, fk::kRelu, fk::kSigmoid, fk::kTanh;

// What happens to each element of C once its last k slice is summed.
enum EpilogueKind : int32_t {
  kStore = 0,    // C = op(A) @ op(B)
  kBiasAct = 1,  // C = act(op(A) @ op(B) + bias[j])            (dense)
  kActGrad = 2,  // C = act_grad(y[i, j], op(A) @ op(B))        (matmul_act_grad)
};

// C (m, n) = epilogue(op(A) (m, k) @ op(B) (k, n)). Operands are addressed by strides, so
// the transpose flags are just stride swaps:
//   op(A)(i, p) = a[i * a_rs + p * a_cs]    op(B)(p, j) = b[p * b_ps + j * b_js]
struct Problem {
  int64_t m, n, k;
  const float* a;
  int64_t a_rs, a_cs;
  const float* b;
  int64_t b_ps, b_js;
  float* c;
  int64_t ldc;
  int32_t epilogue;   // EpilogueKind
  int32_t act;        // Act
  const float* bias;  // (n,), kBiasAct only; null means no bias
  const float* y;     // (m, n) with row stride ldy, kActGrad only
  int64_t ldy;
};

// How one call walks the problem. pack_a: copy op(A) into MR-row panels (else the
// micro-kernel reads A in place through its strides). pack_b: copy op(B) into NR-column
// panels per k slice (else panels are read in place where B rows are contiguous, and
// only a transposed or ragged panel is copied). prefetch_c: C is too big to stay cached, so
// each tile prefetches its rows before the k loop.
struct Blocking {
  bool pack_a, pack_b, prefetch_c;
};

// Per ISA:
//   tile_rows(), tile_cols()  the micro-tile (MR, NR): partitions aligned to it keep
//                             every tile whole
//   workspace_floats          floats of 64-byte aligned scratch one block call needs for a
//                             block of at most (m_blk, n_blk)
//   block                     computes C[i0:i1, j0:j1] completely (every k slice, then the
//                             epilogue). Every element is summed in the same order whatever
//                             the block bounds, so any partition of C gives identical bits.
//   col_sums                  db[j] = sum over i of c[i, j] (rows in order), j in [j0, j1)
//   packed_b_floats, pack_b_all  op(B) for every k slice and all n columns, packed once
//                             (k > 0): the slice at p0 starts at p0 * round_up(n, NR)
//   rows_packed_b             rows [i0, i1) of C, every column, from that packed B (not
//                             pack_a; same bits as block); k > 0
#define FK_GEMM_DECLARE(ns)                                                              \
  namespace ns {                                                                        \
  int64_t tile_rows();                                                                  \
  int64_t tile_cols();                                                                  \
  int64_t workspace_floats(int64_t m_blk, int64_t n_blk, int64_t k);                    \
  void block(const Problem& p, Blocking how, int64_t i0, int64_t i1, int64_t j0,        \
             int64_t j1, float* work);                                                  \
  void col_sums(const float* c, int64_t ldc, int64_t m, int64_t j0, int64_t j1, float* db); \
  int64_t packed_b_floats(int64_t n, int64_t k);                                        \
  void pack_b_all(const Problem& p, float* bp);                                         \
  void rows_packed_b(const Problem& p, Blocking how, int64_t i0, int64_t i1,            \
                     const float* bp);                                                  \
  }

FK_GEMM_DECLARE(generic)
#if defined(__x86_64__) || defined(_M_X64)
FK_GEMM_DECLARE(avx2)
FK_GEMM_DECLARE(avx512)
#endif

#undef FK_GEMM_DECLARE

}  // namespace fk::gemm
