// Hot elementwise kernels for the baseline ISA (SSE2 on x86-64).
#include "simd_generic.inc"
#define FK_EW_NS generic
#include "ew_impl.inc"
