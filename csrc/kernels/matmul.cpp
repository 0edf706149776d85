// matmul: picks one GEMM copy (avx512 / avx2 / generic) at first use from cpu_features(),
// and owns the per-thread packing workspace the ISA copies write into.
#include <cstdlib>
#include <cstring>

#include "common.hpp"
#include "gemm.hpp"
#include "kernels.hpp"

namespace fk {
namespace {

struct GemmImpl {
  const char* name;
  int64_t (*workspace)(int64_t, int64_t, int64_t);
  void (*run)(int64_t, int64_t, int64_t, const float*, int64_t, bool, const float*, int64_t,
              bool, float*, int64_t, float*);
};

// FASTKERAS_GEMM=generic|avx2 may force a narrower path (tests, benchmarks); a path the
// CPU lacks is never chosen.
GemmImpl choose() {
  const char* want = std::getenv("FASTKERAS_GEMM");
  auto allowed = [&](const char* name) {
    return !want || !*want || std::strcmp(want, name) == 0;
  };
#if defined(__x86_64__) || defined(_M_X64)
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.fma && allowed("avx512"))
    return {"avx512", gemm::avx512::workspace_floats, gemm::avx512::sgemm};
  if (f.avx2 && f.fma && allowed("avx2"))
    return {"avx2", gemm::avx2::workspace_floats, gemm::avx2::sgemm};
#endif
  return {"generic", gemm::generic::workspace_floats, gemm::generic::sgemm};
}

const GemmImpl& impl() {
  static const GemmImpl chosen = choose();
  return chosen;
}

// Grows-only, 64-byte aligned, one per thread (so later threaded callers do not share it).
float* workspace(int64_t floats) {
  struct Buffer {
    float* p = nullptr;
    int64_t n = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buf;
  if (floats > buf.n) {
    std::free(buf.p);
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    buf.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    buf.n = buf.p ? floats : 0;
  }
  return buf.p;
}

// float64 (eager calls only; plans are float32): plain i-p-j loops, no packing.
void dgemm(int64_t m, int64_t n, int64_t k, const double* a, bool ta, const double* b, bool tb,
           double* c) {
  const int64_t ai = ta ? 1 : k, ap = ta ? m : 1;  // strides of op(A)(i, p)
  const int64_t bp = tb ? 1 : n, bj = tb ? k : 1;  // strides of op(B)(p, j)
  for (int64_t i = 0; i < m * n; ++i) c[i] = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const double x = a[i * ai + p * ap];
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += x * b[p * bp + j * bj];
    }
}

}  // namespace

const char* gemm_path() { return impl().name; }

namespace kernels {

Status matmul(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(1), &out = c.out(0);
  if (a.dtype != DType::f32 && a.dtype != DType::f64) return unsupported("matmul", a.dtype);
  if (a.ndim != 2 || b.ndim != 2 || out.ndim != 2)
    return Status::error("matmul: expected 2-D operands, got ranks %d, %d -> %d", a.ndim,
                         b.ndim, out.ndim);
  const bool ta = c.iattr(0) != 0, tb = c.iattr(1) != 0;
  const int64_t m = out.dims[0], n = out.dims[1];
  const int64_t k = ta ? a.dims[0] : a.dims[1];  // a: (m, k), or (k, m) when ta
  if ((ta ? a.dims[1] : a.dims[0]) != m || (tb ? b.dims[0] : b.dims[1]) != n ||
      (tb ? b.dims[1] : b.dims[0]) != k)
    return Status::error("matmul: operand shapes do not match the output");
  if (a.dtype == DType::f64) {
    dgemm(m, n, k, a.ptr<double>(), ta, b.ptr<double>(), tb, out.ptr<double>());
    return Status::success();
  }
  const GemmImpl& g = impl();
  float* work = nullptr;
  if (const int64_t floats = g.workspace(m, n, k); floats > 0) {
    work = workspace(floats);
    if (!work) return Status::error("matmul: cannot allocate %lld bytes of workspace",
                                    (long long)(floats * 4));
  }
  g.run(m, n, k, a.ptr<float>(), a.dims[1], ta, b.ptr<float>(), b.dims[1], tb,
        out.ptr<float>(), n, work);
  return Status::success();
}

}  // namespace kernels
}  // namespace fk
