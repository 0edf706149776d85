// SGEMM for AVX-512F: 12 x 32 tile = 24 zmm accumulators (of 32) + 2 B + 1 broadcast.
#include <immintrin.h>

#define FK_GEMM_NS avx512
#define FK_VEC_BYTES 64
#define FK_MR 12
#define FK_NV 2
#define FK_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define FK_SPLAT(x) _mm512_set1_ps(x)
#define FK_MC 144
#define FK_KC 256
#define FK_NC 4096
#include "gemm_impl.inc"
