// sum / mean / max over any set of axes (bit mask), and argmax along one axis.
//
// The reduction is a 2-operand layout over the input's index space: the input walks
// contiguously, the output has stride 0 along reduced axes. Collapsing merges runs of
// reduced (or kept) axes, so the innermost run is either reduced (a contiguous row folded
// into one output element) or kept (a contiguous row combined elementwise into a row of
// the output, e.g. summing over the batch axis of (batch, units)).
#include <algorithm>
#include <cmath>
#include <limits>

#include "common.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

template <class T>
T max_contig(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) m = max_nan(m, x[i]);
  return m;
}

constexpr int64_t kParallelReduce = 16384;  // elements: below, one thread is faster

template <class T>
Status reduce_typed(const OpCall& c, uint64_t mask) {
  const TensorRef &x = c.in(0), &out = c.out(0);
  const bool is_max = c.op == Op::max;
  const int64_t n_out = out.size();
  T* po = out.ptr<T>();
  const T identity = is_max ? -std::numeric_limits<T>::infinity() : T(0);
  for (int64_t i = 0; i < n_out; ++i) po[i] = identity;

  Layout<2> L;
  L.nd = x.ndim;
  int64_t count = 1;  // elements folded into each output
  int64_t s_in = 1, s_out = 1;
  for (int i = x.ndim - 1; i >= 0; --i) {
    L.dims[i] = x.dims[i];
    L.st[0][i] = s_in;
    s_in *= x.dims[i];
    if (mask >> i & 1) {
      L.st[1][i] = 0;
      count *= x.dims[i];
    } else {
      L.st[1][i] = s_out;
      s_out *= x.dims[i];
    }
  }
  // Column sums of a (rows, cols) block (a bias gradient, BatchNorm's backward): columns
  // split over the threads, each summed down the rows in order as below (the same bits).
  if (!is_max && x.ndim == 2 && mask == 1 && x.size() >= kParallelReduce && x.dims[1] >= 128) {
    const int64_t rows = x.dims[0], cols = x.dims[1];
    const T* px = x.ptr<T>();
    const int parts = static_cast<int>(std::min<int64_t>(threads::num_threads(), cols / 64));
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(cols, 64, parts, t, &lo, &hi);
      for (int64_t r = 0; r < rows; ++r) {
        const T* xs = px + r * cols;
        for (int64_t j = lo; j < hi; ++j) po[j] += xs[j];
      }
    });
  } else if (x.size() > 0) {
    L.collapse();
    const T* px = x.ptr<T>();
    const int64_t n = L.inner();
    const bool inner_reduced = L.inner_stride(1) == 0;
    walk(L, [&](const int64_t* off) {
      const T* xs = px + off[0];
      T* os = po + off[1];
      if (inner_reduced) {
        *os = is_max ? max_nan(*os, max_contig(xs, n)) : *os + sum_contig(xs, n);
      } else if (is_max) {
        for (int64_t j = 0; j < n; ++j) os[j] = max_nan(os[j], xs[j]);
      } else {
        for (int64_t j = 0; j < n; ++j) os[j] += xs[j];
      }
    });
  }
  if (c.op == Op::mean) {  // as NumPy: sum / count (0 / 0 -> NaN for an empty axis)
    const T d = T(count);
    for (int64_t i = 0; i < n_out; ++i) po[i] /= d;
  }
  return Status::success();
}

// (outer, n, inner) -> (outer, inner): index of the first maximum; NaN counts as maximal,
// as np.argmax.
template <class T>
void argmax_typed(const T* x, int32_t* out, int64_t outer, int64_t n, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      const T* line = x + o * n * inner + j;
      T best = line[0];
      int64_t arg = 0;
      for (int64_t i = 1; i < n && best == best; ++i) {
        const T v = line[i * inner];
        if (v > best || v != v) {
          best = v;
          arg = i;
        }
      }
      out[o * inner + j] = static_cast<int32_t>(arg);
    }
  }
}

}  // namespace

Status reduce(const OpCall& c) {
  const int ndim = c.in(0).ndim;
  const uint64_t mask = static_cast<uint64_t>(c.iattr(0));
  if (ndim < 64 && (mask >> ndim) != 0)
    return Status::error("%s: axes mask %lld names axes beyond rank %d", op_name(c.op),
                         (long long)c.iattr(0), ndim);
  return with_float(op_name(c.op), c.in(0).dtype, [&](auto tag) {
    return reduce_typed<decltype(tag)>(c, mask);
  });
}

Status argmax(const OpCall& c) {
  const TensorRef &x = c.in(0), &out = c.out(0);
  if (out.dtype != DType::i32) return Status::error("argmax: output must be int32");
  const int64_t axis = c.iattr(0);
  if (x.ndim == 0 ? axis != 0 : (axis < 0 || axis >= x.ndim))
    return Status::error("argmax: axis %lld out of range for rank %d", (long long)axis, x.ndim);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dims[i];
  for (int i = static_cast<int>(axis) + 1; i < x.ndim; ++i) inner *= x.dims[i];
  const int64_t n = x.ndim ? x.dims[axis] : 1;
  if (n == 0 && outer * inner > 0) return Status::error("argmax: empty axis");
  return with_numeric("argmax", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (outer * inner > 0) argmax_typed(x.ptr<T>(), out.ptr<int32_t>(), outer, n, inner);
    return Status::success();
  });
}

// x (rows, cols) -> mean (cols,), var (cols,): per column, summed in double down the rows
// (each column alone, so any split of the columns over threads gives the same bits).
namespace {
template <class T>
void moments_columns(const T* x, int64_t rows, int64_t cols, int64_t lo, int64_t hi, T* mean,
                     T* var) {
  constexpr int64_t kChunk = 64;  // columns of double accumulators kept in registers / L1
  double acc[kChunk];
  for (int64_t c0 = lo; c0 < hi; c0 += kChunk) {
    const int64_t w = std::min(kChunk, hi - c0);
    for (int64_t j = 0; j < w; ++j) acc[j] = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = x + r * cols + c0;
      for (int64_t j = 0; j < w; ++j) acc[j] += row[j];
    }
    for (int64_t j = 0; j < w; ++j) mean[c0 + j] = static_cast<T>(acc[j] / double(rows));
    for (int64_t j = 0; j < w; ++j) acc[j] = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = x + r * cols + c0;
      for (int64_t j = 0; j < w; ++j) {
        const double d = double(row[j] - mean[c0 + j]);
        acc[j] += d * d;
      }
    }
    for (int64_t j = 0; j < w; ++j) var[c0 + j] = static_cast<T>(acc[j] / double(rows));
  }
}
}  // namespace

Status moments(const OpCall& c) {
  const TensorRef &x = c.in(0), &mean = c.out(0), &var = c.out(1);
  if (x.ndim != 2 || mean.ndim != 1 || var.ndim != 1 || mean.dims[0] != x.dims[1] ||
      var.dims[0] != x.dims[1])
    return Status::error("moments: expected x (rows, cols), mean and var (cols,)");
  const int64_t rows = x.dims[0], cols = x.dims[1];
  return with_float("moments", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const int parts = rows * cols >= 32768 ? std::max<int64_t>(1, std::min<int64_t>(
        threads::num_threads(), cols / 64)) : 1;
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(cols, 64, parts, t, &lo, &hi);
      moments_columns(x.ptr<T>(), rows, cols, lo, hi, mean.ptr<T>(), var.ptr<T>());
    });
    return Status::success();
  });
}

}  // namespace fk::kernels
