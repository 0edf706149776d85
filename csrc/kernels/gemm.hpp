// Single-precision GEMM, one copy per instruction set (gemm_generic.cpp, gemm_avx2.cpp,
// gemm_avx512.cpp all compile gemm_impl.inc inside their own namespace). Declarations
// only: this header is included by ISA-specific translation units, so it must define no
// inline function or template.
#pragma once

#include <cstdint>

namespace fk::gemm {

// C (m, n) = op(A) (m, k) @ op(B) (k, n), all row-major. op(A) = A^T when trans_a, in
// which case A is stored (k, m); likewise B is stored (n, k) when trans_b. lda/ldb/ldc
// are row strides in elements. `work` holds workspace_floats(m, n, k) floats, 64-byte
// aligned. C is overwritten (k == 0 gives zeros).
#define FK_GEMM_DECLARE(ns)                                                                 \
  namespace ns {                                                                           \
  int64_t workspace_floats(int64_t m, int64_t n, int64_t k);                               \
  void sgemm(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, bool trans_a,   \
             const float* b, int64_t ldb, bool trans_b, float* c, int64_t ldc, float* work); \
  }

FK_GEMM_DECLARE(generic)
#if defined(__x86_64__) || defined(_M_X64)
FK_GEMM_DECLARE(avx2)
FK_GEMM_DECLARE(avx512)
#endif

#undef FK_GEMM_DECLARE

}  // namespace fk::gemm
