// SGEMM for AVX2 + FMA: 6 x 16 tile = 12 ymm accumulators + 2 B registers + 1 broadcast.
#include "simd_avx2.inc"
#define FK_GEMM_NS avx2
#define FK_MR 6
#define FK_NV 2
// Blocks measured on Zen 3 (32 KiB L1d, 512 KiB L2): B panel 384 x 16 (24 KiB) in L1,
// A block 96 x 384 (144 KiB) in L2; within 3% of each other for MC 72-144, KC 256-384.
#define FK_MC 96
#define FK_KC 384
#define FK_NC 4080
#include "gemm_impl.inc"
