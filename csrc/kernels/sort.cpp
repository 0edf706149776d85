// sort: each row of x (rows, n) ordered along its last axis -> its first k values and their
// int32 positions (graph/primitives/sorting.py). Ascending is NumPy's stable sort: NaN
// last, -0.0 equal to 0.0, equal values in their input order. Descending is JAX's
// lax.top_k order: NaN first, then +inf .. +0.0, -0.0 .. -inf, equal values in their input
// order. Every comparison breaks ties by position, so the order is a total one and the
// (faster, unstable) std::sort / nth_element give the stable result; k < n selects the
// first k with nth_element before sorting only them (top_k's O(n + k log k)). Rows split
// over threads; each row is sorted alone, so results never depend on the thread count.
//
// in_top_k: whether each row's target score ranks within the first k (JAX's rule, no sort:
// a count of the strictly greater scores).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

template <class T>
struct Item {
  T value;
  int32_t pos;
};

template <class T>
bool is_nan(T v) {
  return v != v;  // false for the integer types
}

// Strict "a comes first" in NumPy's ascending order (NaN last, -0.0 == 0.0), ties by position.
template <class T>
bool ascending_first(const Item<T>& a, const Item<T>& b) {
  if (a.value < b.value) return true;
  if (b.value < a.value) return false;
  const bool an = is_nan(a.value), bn = is_nan(b.value);
  if (an != bn) return bn;  // the number comes before the NaN
  return a.pos < b.pos;
}

// Strict "a comes first" in lax.top_k's descending order (NaN first, +0.0 before -0.0).
template <class T>
bool descending_first(const Item<T>& a, const Item<T>& b) {
  if (a.value > b.value) return true;
  if (b.value > a.value) return false;
  const bool an = is_nan(a.value), bn = is_nan(b.value);
  if (an != bn) return an;
  if constexpr (std::is_floating_point_v<T>) {
    if (!an && a.value == 0 && std::signbit(a.value) != std::signbit(b.value))
      return std::signbit(b.value);
  }
  return a.pos < b.pos;
}

template <class T, class Less>
void sort_rows(const T* x, T* values, int32_t* positions, int64_t lo, int64_t hi, int64_t n,
               int64_t k, Less first) {
  std::vector<Item<T>> items(static_cast<size_t>(n));
  for (int64_t r = lo; r < hi; ++r) {
    const T* row = x + r * n;
    for (int64_t i = 0; i < n; ++i) items[i] = {row[i], static_cast<int32_t>(i)};
    if (k < n) {
      std::nth_element(items.begin(), items.begin() + k, items.end(), first);
      std::sort(items.begin(), items.begin() + k, first);
    } else {
      std::sort(items.begin(), items.end(), first);
    }
    for (int64_t i = 0; i < k; ++i) {
      values[r * k + i] = items[i].value;
      positions[r * k + i] = items[i].pos;
    }
  }
}

}  // namespace

// x (..., n) -> values (..., k) like x, positions (..., k) int32; ints (descending, k).
Status sort(const OpCall& c) {
  const TensorRef &x = c.in(0), &values = c.out(0), &positions = c.out(1);
  const int64_t descending = c.iattr(0), k = c.iattr(1);
  if (x.ndim < 1) return Status::error("sort: the input needs at least one axis");
  const int64_t n = x.dims[x.ndim - 1];
  if (n > INT32_MAX) return Status::error("sort: %lld positions do not fit int32", (long long)n);
  if (k < 0 || k > n)
    return Status::error("sort: k = %lld is outside [0, %lld]", (long long)k, (long long)n);
  if (descending != 0 && descending != 1)
    return Status::error("sort: descending must be 0 or 1, got %lld", (long long)descending);
  const int64_t rows = n ? x.size() / n : 0;
  if (values.dtype != x.dtype || positions.dtype != DType::i32)
    return Status::error("sort: values must be %s like the input and positions int32",
                         dtype_name(x.dtype));
  if (values.ndim != x.ndim || positions.ndim != x.ndim)
    return Status::error("sort: outputs must have the input's rank %d", x.ndim);
  for (int i = 0; i < x.ndim; ++i) {
    const int64_t want = i == x.ndim - 1 ? k : x.dims[i];
    if (values.dims[i] != want || positions.dims[i] != want)
      return Status::error("sort: output axis %d is %lld / %lld, expected %lld", i,
                           (long long)values.dims[i], (long long)positions.dims[i],
                           (long long)want);
  }
  return with_numeric("sort", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (rows == 0 || k == 0) return Status::success();
    // Whole rows per thread, and only when there is enough work to pay for the dispatch.
    const int parts = rows * n >= 16384
        ? static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads::num_threads(), rows)))
        : 1;
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(rows, 1, parts, t, &lo, &hi);
      if (descending)
        sort_rows(x.ptr<T>(), values.ptr<T>(), positions.ptr<int32_t>(), lo, hi, n, k,
                  descending_first<T>);
      else
        sort_rows(x.ptr<T>(), values.ptr<T>(), positions.ptr<int32_t>(), lo, hi, n, k,
                  ascending_first<T>);
    });
    return Status::success();
  });
}

namespace {

// One row: the target's score (-inf for NaN, or for a target outside [-n, n)) and how many
// scores are strictly above it; NaN scores never are.
template <class T>
bool row_in_top_k(const T* row, int64_t n, int64_t target, int64_t k) {
  if (target < 0) target += n;  // JAX's take_along_axis wraps a negative index once
  T own = target >= 0 && target < n ? row[target] : std::numeric_limits<T>::quiet_NaN();
  if (own != own) own = -std::numeric_limits<T>::infinity();
  int64_t above = 0;
  for (int64_t i = 0; i < n; ++i) above += row[i] > own;
  return above + 1 <= k;
}

}  // namespace

// targets (...) int32, predictions (..., n) f32/f64 -> (...) bool; ints (k,).
Status in_top_k(const OpCall& c) {
  const TensorRef &t = c.in(0), &p = c.in(1), &out = c.out(0);
  const int64_t k = c.iattr(0);
  if (t.dtype != DType::i32 || out.dtype != DType::b8)
    return Status::error("in_top_k: targets must be int32 and the output bool");
  if (p.ndim != t.ndim + 1 || out.ndim != t.ndim)
    return Status::error("in_top_k: predictions must have one axis more than the targets");
  for (int i = 0; i < t.ndim; ++i)
    if (p.dims[i] != t.dims[i] || out.dims[i] != t.dims[i])
      return Status::error("in_top_k: axis %d of the operands differ", i);
  const int64_t n = p.dims[p.ndim - 1], rows = t.size();
  return with_float("in_top_k", p.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pred = p.ptr<T>();  // (rows, n)
    const int32_t* ids = t.ptr<int32_t>();  // (rows,)
    uint8_t* hit = out.ptr<uint8_t>();  // (rows,)
    for (int64_t r = 0; r < rows; ++r) hit[r] = row_in_top_k(pred + r * n, n, ids[r], k);
    return Status::success();
  });
}

}  // namespace fk::kernels
