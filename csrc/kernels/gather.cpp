// take (row gather along axis 0) and scatter_add (its transpose). Indices are int32 in
// [-rows, rows), negative ones counting from the end as in NumPy; all are checked before
// anything is written, so a bad index leaves the output untouched and nothing is read or
// written out of bounds.
#include <cstring>

#include "common.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

Status check_indices(const char* op, const TensorRef& idx, int64_t rows) {
  if (idx.dtype != DType::i32)
    return Status::error("%s: indices must be int32, got %s", op, dtype_name(idx.dtype));
  const int32_t* p = idx.ptr<int32_t>();
  const int64_t n = idx.size();
  for (int64_t i = 0; i < n; ++i)
    if (p[i] < -rows || p[i] >= rows)
      return Status::index_error("%s: index %d is out of range [%lld, %lld)", op, p[i],
                                 -(long long)rows, (long long)rows);
  return Status::success();
}

// A checked index as a row number.
inline int64_t row_of(int32_t i, int64_t rows) { return i < 0 ? i + rows : i; }

// Elements per row of a tensor whose leading `lead` dims are the indexed ones.
int64_t row_elems(const TensorRef& t, int lead) {
  int64_t n = 1;
  for (int i = lead; i < t.ndim; ++i) n *= t.dims[i];
  return n;
}

template <class T>
void scatter_rows(const T* upd, const int32_t* idx, int64_t n_idx, int64_t rows, int64_t row,
                  T* out) {
  for (int64_t i = 0; i < n_idx; ++i) {
    T* dst = out + row_of(idx[i], rows) * row;
    const T* src = upd + i * row;
    for (int64_t j = 0; j < row; ++j) dst[j] += src[j];
  }
}

}  // namespace

// params (rows, ...), indices (any shape) -> out (indices.shape + params.shape[1:]).
Status take(const OpCall& c) {
  const TensorRef &params = c.in(0), &idx = c.in(1), &out = c.out(0);
  if (params.ndim < 1) return Status::error("take: params must have at least one axis");
  if (out.dtype != params.dtype) return Status::error("take: output dtype differs from params");
  const int64_t rows = params.dims[0];
  if (Status st = check_indices("take", idx, rows); !st.ok()) return st;
  const int64_t row_bytes = row_elems(params, 1) * elem_size(params.dtype);
  const int64_t n = idx.size();
  if (out.size() * elem_size(out.dtype) != n * row_bytes)
    return Status::error("take: output shape does not match indices and params");
  const char* src = static_cast<const char*>(params.data);
  char* dst = static_cast<char*>(out.data);
  const int32_t* p = idx.ptr<int32_t>();
  if (row_bytes)
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + i * row_bytes, src + row_of(p[i], rows) * row_bytes, row_bytes);
  return Status::success();
}

// updates (indices.shape + tail), indices -> out (rows, tail) = zeros + updates summed
// into out[indices]; rows is out.dims[0].
Status scatter_add(const OpCall& c) {
  const TensorRef &upd = c.in(0), &idx = c.in(1), &out = c.out(0);
  if (out.ndim < 1) return Status::error("scatter_add: output must have at least one axis");
  if (out.dtype != upd.dtype) return Status::error("scatter_add: output dtype differs from updates");
  if (Status st = check_indices("scatter_add", idx, out.dims[0]); !st.ok()) return st;
  const int64_t row = row_elems(out, 1);
  if (idx.size() * row != upd.size())
    return Status::error("scatter_add: updates shape does not match indices and output");
  return with_numeric("scatter_add", upd.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = out.ptr<T>();
    const int64_t total = out.size();
    for (int64_t i = 0; i < total; ++i) po[i] = T(0);
    scatter_rows(upd.ptr<T>(), idx.ptr<int32_t>(), idx.size(), out.dims[0], row, po);
    return Status::success();
  });
}

}  // namespace fk::kernels
