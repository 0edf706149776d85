// matmul and the GEMM-based fused primitives:
//   matmul(a, b; ta, tb)                  out = op(a) @ op(b)
//   dense(x, w, b; act)                   out = act(x @ w + b), bias and activation applied
//                                         in the GEMM epilogue while the tile is in registers
//   matmul_act_grad(a, b, y; ta, tb, act) dz = act_grad(y, op(a) @ op(b)), db = sum(dz, 0)
// float32 runs the ISA-dispatched GEMM (gemm_driver.hpp); float64 (eager calls only: plans
// are float32) runs plain loops.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "common.hpp"
#include "fastkeras/scalar.hpp"
#include "gemm_driver.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

// (m, n, k) of op(a) @ op(b) -> out (m, n), checked against the operand shapes.
struct Dims {
  int64_t m, n, k;
};

Status matmul_dims(const char* name, const TensorRef& a, const TensorRef& b,
                   const TensorRef& out, bool ta, bool tb, Dims& d) {
  if (a.dtype != DType::f32 && a.dtype != DType::f64) return unsupported(name, a.dtype);
  if (a.ndim != 2 || b.ndim != 2 || out.ndim != 2)
    return Status::error("%s: expected 2-D operands, got ranks %d, %d -> %d", name, a.ndim,
                         b.ndim, out.ndim);
  d.m = out.dims[0];
  d.n = out.dims[1];
  d.k = ta ? a.dims[0] : a.dims[1];  // a: (m, k), or (k, m) when ta
  if ((ta ? a.dims[1] : a.dims[0]) != d.m || (tb ? b.dims[0] : b.dims[1]) != d.n ||
      (tb ? b.dims[1] : b.dims[0]) != d.k)
    return Status::error("%s: operand shapes do not match the output", name);
  return Status::success();
}

Status check_act(const char* name, int64_t act) {
  if (act < gemm::kLinear || act > gemm::kTanh)
    return Status::error("%s: unknown activation code %lld", name, (long long)act);
  return Status::success();
}

// ---- float64: plain loops -------------------------------------------------------------------

// c (m, n) = op(a) @ op(b), i-p-j order.
void dgemm(const Dims& d, const double* a, bool ta, const double* b, bool tb, double* c) {
  const int64_t m = d.m, n = d.n, k = d.k;
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

Status matmul(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(1), &out = c.out(0);
  const bool ta = c.iattr(0) != 0, tb = c.iattr(1) != 0;
  Dims d;
  if (Status st = matmul_dims("matmul", a, b, out, ta, tb, d); !st.ok()) return st;
  if (a.dtype == DType::f64) {
    dgemm(d, a.ptr<double>(), ta, b.ptr<double>(), tb, out.ptr<double>());
    return Status::success();
  }
  return sgemm(gemm_problem(d.m, d.n, d.k, a.ptr<float>(), ta, b.ptr<float>(), tb,
                            out.ptr<float>()));
}

// (a (batch, m, k), b (batch, k, n)) -> (batch, m, n); ints (transpose_a, transpose_b) as
// matmul's, per batch item: attention's scores and weighted values.
Status batch_matmul(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(1), &out = c.out(0);
  const bool ta = c.iattr(0) != 0, tb = c.iattr(1) != 0;
  if (a.ndim != 3 || b.ndim != 3 || out.ndim != 3)
    return Status::error("batch_matmul: expected 3-D operands, got ranks %d, %d -> %d", a.ndim,
                         b.ndim, out.ndim);
  const int64_t batch = out.dims[0];
  if (a.dims[0] != batch || b.dims[0] != batch)
    return Status::error("batch_matmul: batch sizes differ (%lld, %lld -> %lld)",
                         (long long)a.dims[0], (long long)b.dims[0], (long long)batch);
  // One item's operands as 2-D views, checked by matmul's rule.
  auto item = [](const TensorRef& t) {
    TensorRef r = t;
    r.ndim = 2;
    r.dims[0] = t.dims[1];
    r.dims[1] = t.dims[2];
    return r;
  };
  Dims d;
  if (Status st = matmul_dims("batch_matmul", item(a), item(b), item(out), ta, tb, d); !st.ok())
    return st;
  const int64_t sa = d.m * d.k, sb = d.k * d.n, sc = d.m * d.n;  // elements per item
  // Attention's items are small GEMMs (80x80x32: each below the size a GEMM splits at), so
  // the items are split over the threads instead, each item's GEMM serial in its task: the
  // same bits for any split.
  const double flops = 2.0 * static_cast<double>(batch) * d.m * d.n * d.k;
  const int parts = batch > 1 && flops >= kParallelFlops
                        ? static_cast<int>(std::min<int64_t>(threads::num_threads(), batch))
                        : 1;
  std::atomic<bool> failed{false};
  Status first_error = Status::success();
  threads::parallel_for(parts, [&](int t) {
    int64_t lo, hi;
    threads::split(batch, 1, parts, t, &lo, &hi);
    for (int64_t i = lo; i < hi; ++i) {
      if (a.dtype == DType::f64) {
        dgemm(d, a.ptr<double>() + i * sa, ta, b.ptr<double>() + i * sb, tb,
              out.ptr<double>() + i * sc);
        continue;
      }
      Status st = sgemm(gemm_problem(d.m, d.n, d.k, a.ptr<float>() + i * sa, ta,
                                     b.ptr<float>() + i * sb, tb, out.ptr<float>() + i * sc));
      if (!st.ok()) {
        if (!failed.exchange(true)) first_error = st;
        return;
      }
    }
  });
  return failed.load() ? first_error : Status::success();
}

// (x (m, k), w (k, n), b (n,)) -> (m, n); ints (activation,)
Status dense(const OpCall& c) {
  const TensorRef &x = c.in(0), &w = c.in(1), &bias = c.in(2), &out = c.out(0);
  const int64_t act = c.iattr(0);
  Dims d;
  if (Status st = matmul_dims("dense", x, w, out, false, false, d); !st.ok()) return st;
  if (Status st = check_act("dense", act); !st.ok()) return st;
  if (bias.size() != d.n) return Status::error("dense: bias has %lld values for %lld columns",
                                               (long long)bias.size(), (long long)d.n);
  if (x.dtype == DType::f64) {
    double* y = out.ptr<double>();
    const double* pb = bias.ptr<double>();
    dgemm(d, x.ptr<double>(), false, w.ptr<double>(), false, y);
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) y[i * d.n + j] = scalar::activation<double>(act, y[i * d.n + j] + pb[j]);
    return Status::success();
  }
  gemm::Problem p = gemm_problem(d.m, d.n, d.k, x.ptr<float>(), false, w.ptr<float>(), false,
                                 out.ptr<float>());
  p.epilogue = gemm::kBiasAct;
  p.act = static_cast<int32_t>(act);
  p.bias = bias.ptr<float>();
  return sgemm(p);
}

// (a, b, y (m, n)) -> (dz (m, n), db (n,)); ints (transpose_a, transpose_b, activation)
Status matmul_act_grad(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(1), &y = c.in(2), &dz = c.out(0), &db = c.out(1);
  const bool ta = c.iattr(0) != 0, tb = c.iattr(1) != 0;
  const int64_t act = c.iattr(2);
  Dims d;
  if (Status st = matmul_dims("matmul_act_grad", a, b, dz, ta, tb, d); !st.ok()) return st;
  if (Status st = check_act("matmul_act_grad", act); !st.ok()) return st;
  if (y.ndim != 2 || y.dims[0] != d.m || y.dims[1] != d.n || db.size() != d.n)
    return Status::error("matmul_act_grad: y or db does not match the product's shape");
  if (a.dtype == DType::f64) {
    double* g = dz.ptr<double>();
    const double* py = y.ptr<double>();
    double* s = db.ptr<double>();
    dgemm(d, a.ptr<double>(), ta, b.ptr<double>(), tb, g);
    for (int64_t j = 0; j < d.n; ++j) s[j] = 0;
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        const int64_t ij = i * d.n + j;
        g[ij] = scalar::activation_grad<double>(act, py[ij], g[ij]);
        s[j] += g[ij];
      }
    return Status::success();
  }
  gemm::Problem p = gemm_problem(d.m, d.n, d.k, a.ptr<float>(), ta, b.ptr<float>(), tb,
                                 dz.ptr<float>());
  p.epilogue = gemm::kActGrad;
  p.act = static_cast<int32_t>(act);
  p.y = y.ptr<float>();
  p.ldy = d.n;
  return sgemm(p, db.ptr<float>());
}

}  // namespace fk::kernels
