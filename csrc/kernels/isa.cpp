// kernel_isa(): see isa.hpp.
#include "isa.hpp"

#include <cstdlib>
#include <cstring>

#include "fastkeras/tensor.hpp"

namespace fk::kernels {
namespace {

Isa choose() {
  const char* want = std::getenv("FASTKERAS_GEMM");
  auto allowed = [&](const char* name) {
    return !want || !*want || std::strcmp(want, name) == 0;
  };
#if defined(__x86_64__) || defined(_M_X64)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.fma && allowed("avx512")) return Isa::avx512;
  if (f.avx2 && f.fma && allowed("avx2")) return Isa::avx2;
#endif
  return Isa::generic;
}

}  // namespace

Isa kernel_isa() {
  static const Isa chosen = choose();
  return chosen;
}

}  // namespace fk::kernels
