// SGEMM for AVX2 + FMA: 6 x 16 tile = 12 ymm accumulators + 2 B registers + 1 broadcast.
#include <immintrin.h>

#define FK_GEMM_NS avx2
#define FK_VEC_BYTES 32
#define FK_MR 6
#define FK_NV 2
#define FK_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define FK_SPLAT(x) _mm256_set1_ps(x)
#define FK_MC 144
#define FK_KC 256
#define FK_NC 4080
#include "gemm_impl.inc"
