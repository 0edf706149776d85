// Hot elementwise kernels for AVX-512F.
#include "simd_avx512.inc"
#define FK_EW_NS avx512
#include "ew_impl.inc"
