// SGEMM for AVX-512F: 12 x 32 tile = 24 zmm accumulators (of 32) + 2 B + 1 broadcast.
#include "simd_avx512.inc"
#define FK_GEMM_NS avx512
#define FK_MR 12
#define FK_NV 2
#define FK_MC 144
#define FK_KC 256
#define FK_NC 4096
#include "gemm_impl.inc"
