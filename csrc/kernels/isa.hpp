// Which instruction-set copy of the ISA-specific kernels runs (gemm_*.cpp, ew_*.cpp): the
// widest the CPU has, chosen once. FASTKERAS_GEMM=generic|avx2 may force a narrower one
// (tests, benchmarks); one the CPU lacks is never chosen.
#pragma once

namespace fk::kernels {

enum class Isa { generic, avx2, avx512 };

Isa kernel_isa();

}  // namespace fk::kernels
