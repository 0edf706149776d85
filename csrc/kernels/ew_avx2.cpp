// Hot elementwise kernels for AVX2 + FMA.
#include "simd_avx2.inc"
#define FK_EW_NS avx2
#include "ew_impl.inc"
