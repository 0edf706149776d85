// Helpers shared by the baseline (generic-ISA) kernel files: dtype facts, dtype dispatch,
// strided-iteration over collapsed layouts, and an accurate contiguous sum.
// Never include this from an *_avx2.cpp / *_avx512.cpp file: its inline functions and
// templates must only ever be compiled for the baseline ISA (ODR).
#pragma once

#include <cstdint>
#include <type_traits>

#include "fastkeras/tensor.hpp"

namespace fk::kernels {

inline int64_t elem_size(DType d) {
  switch (d) {
    case DType::f64:
    case DType::i64: return 8;
    case DType::b8: return 1;
    default: return 4;
  }
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::b8: return "bool";
  }
  return "unknown";
}

// Operands of a loss kernel `name`: predictions p (..., n) with at least one axis; out and
// g (when given) share p's dtype; targets t are int32 labels in [0, n) when sparse (every
// label checked before anything is written), else p's dtype. Defined in losses.cpp.
Status check_loss_operands(const char* name, const TensorRef& t, const TensorRef& p,
                           const TensorRef* g, const TensorRef& out, bool sparse);

inline Status unsupported(const char* op, DType d) {
  return Status::error("%s: unsupported dtype %s", op, dtype_name(d));
}

// Calls f(T{}) for a floating dtype; any other dtype is an error.
template <class F>
Status with_float(const char* op, DType d, F&& f) {
  switch (d) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    default: return unsupported(op, d);
  }
}

// Calls f(T{}) for float32/float64/int32/int64 (the dtypes that compare and order).
template <class F>
Status with_numeric(const char* op, DType d, F&& f) {
  switch (d) {
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
    case DType::i32: return f(int32_t{});
    case DType::i64: return f(int64_t{});
    default: return unsupported(op, d);
  }
}

// An N-operand strided layout over a common index space `dims` (element strides; a
// broadcast or reduced operand has stride 0 along that dim).
template <int N>
struct Layout {
  int nd = 0;
  int64_t dims[kMaxDims] = {};
  int64_t st[N][kMaxDims] = {};

  int64_t size() const {
    int64_t n = 1;
    for (int i = 0; i < nd; ++i) n *= dims[i];
    return n;
  }
  int64_t inner() const { return dims[nd - 1]; }
  int64_t inner_stride(int k) const { return st[k][nd - 1]; }

  // Drops size-1 dims and merges neighbours that every operand walks contiguously,
  // so the common cases end up as one long innermost run. Leaves at least one dim.
  void collapse() {
    int m = 0;
    for (int i = 0; i < nd; ++i) {
      if (dims[i] == 1) continue;
      bool merge = m > 0;
      for (int k = 0; k < N && merge; ++k) merge = st[k][m - 1] == st[k][i] * dims[i];
      if (merge) {
        dims[m - 1] *= dims[i];
        for (int k = 0; k < N; ++k) st[k][m - 1] = st[k][i];
      } else {
        dims[m] = dims[i];
        for (int k = 0; k < N; ++k) st[k][m] = st[k][i];
        ++m;
      }
    }
    if (m == 0) {  // a scalar (or all dims 1): one run of length 1
      dims[0] = 1;
      for (int k = 0; k < N; ++k) st[k][0] = 1;
      m = 1;
    }
    nd = m;
  }
};

// Row-major contiguous strides of `t`, aligned to the trailing axis of an `nd`-dim index
// space; dims where t has size 1 but the space does not get stride 0 (broadcast).
template <int N>
void set_broadcast_strides(Layout<N>& L, int k, const TensorRef& t) {
  int64_t s = 1;
  for (int i = L.nd - 1, j = t.ndim - 1; i >= 0; --i, --j) {
    if (j < 0 || t.dims[j] == 1) {
      L.st[k][i] = 0;
    } else {
      L.st[k][i] = s;
      s *= t.dims[j];
    }
  }
}

// Calls f(off) with each operand's element offset at the start of every innermost run.
template <int N, class F>
void walk(const Layout<N>& L, F&& f) {
  int64_t idx[kMaxDims] = {};
  int64_t off[N] = {};
  int64_t outer = 1;
  for (int d = 0; d + 1 < L.nd; ++d) outer *= L.dims[d];
  for (int64_t it = 0; it < outer; ++it) {
    f(static_cast<const int64_t*>(off));
    for (int d = L.nd - 2; d >= 0; --d) {
      if (++idx[d] < L.dims[d]) {
        for (int k = 0; k < N; ++k) off[k] += L.st[k][d];
        break;
      }
      idx[d] = 0;
      for (int k = 0; k < N; ++k) off[k] -= L.st[k][d] * (L.dims[d] - 1);
    }
  }
}

// Sum of a contiguous run: 16 independent lanes (vectorisable without reassociation
// flags) within blocks of 1024, block sums kept in double. Accuracy comparable to
// NumPy's pairwise sum. sum_of_contig sums term(x[i]) and returns the double total.
template <class T, class F>
double sum_of_contig(const T* x, int64_t n, F term) {
  constexpr int kLanes = 16;
  constexpr int64_t kBlock = 1024;
  double total = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t len = n - b < kBlock ? n - b : kBlock;
    const T* p = x + b;
    T acc[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= len; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += term(p[i + l]);
    for (int w = kLanes / 2; w > 0; w /= 2)  // pairwise fold of the lanes
      for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
    T s = acc[0];
    for (; i < len; ++i) s += term(p[i]);
    total += static_cast<double>(s);
  }
  return total;
}

template <class T>
T sum_contig(const T* x, int64_t n) {
  return static_cast<T>(sum_of_contig(x, n, [](T a) { return a; }));
}

// NaN-propagating max, as np.max / np.maximum.
template <class T>
inline T max_nan(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b != b) return b;
  }
  return b > a ? b : a;
}

}  // namespace fk::kernels
