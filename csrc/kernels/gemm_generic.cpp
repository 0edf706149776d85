// SGEMM for baseline x86-64 (SSE2) and any other target: 16-byte vectors, 6 x 8 tile.
#include "simd_generic.inc"
#define FK_GEMM_NS generic
#define FK_MR 6
#define FK_NV 2
#define FK_MC 144
#define FK_KC 256
#define FK_NC 4080
#include "gemm_impl.inc"
