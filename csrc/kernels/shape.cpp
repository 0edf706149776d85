// Data movement by element size (any dtype): reshape, transpose, broadcast_to,
// concatenate, slice, pad. transpose and broadcast_to are one strided gather (the input
// read with permuted or zero strides); the one-axis ops are row copies over
// (outer, axis * inner) views.
#include <cstring>

#include "common.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

// out (contiguous, L.dims) <- in read at strides L.st[1]; W is an integer type of the
// element's size, so the copy is dtype-agnostic.
template <class W>
void gather_copy(const Layout<2>& L, const void* in, void* out) {
  const W* src = static_cast<const W*>(in);
  W* dst = static_cast<W*>(out);
  const int64_t n = L.inner(), s = L.inner_stride(1);
  walk(L, [&](const int64_t* off) {
    W* d = dst + off[0];
    const W* p = src + off[1];
    if (s == 1) {
      std::memcpy(d, p, n * sizeof(W));
    } else if (s == 0) {
      const W v = *p;
      for (int64_t i = 0; i < n; ++i) d[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i) d[i] = p[i * s];
    }
  });
}

Status strided_copy(const char* op, Layout<2>& L, const TensorRef& in, const TensorRef& out) {
  if (out.size() == 0) return Status::success();
  L.collapse();
  switch (elem_size(in.dtype)) {
    case 1: gather_copy<uint8_t>(L, in.data, out.data); break;
    case 4: gather_copy<uint32_t>(L, in.data, out.data); break;
    case 8: gather_copy<uint64_t>(L, in.data, out.data); break;
    default: return unsupported(op, in.dtype);
  }
  return Status::success();
}

// Bytes in one step of `axis` (the product of later dims, times the element size) and
// the number of blocks before it.
void split_at(const TensorRef& t, int axis, int64_t& outer, int64_t& inner_bytes) {
  outer = 1;
  inner_bytes = elem_size(t.dtype);
  for (int i = 0; i < axis; ++i) outer *= t.dims[i];
  for (int i = axis + 1; i < t.ndim; ++i) inner_bytes *= t.dims[i];
}

bool axis_ok(int64_t axis, int ndim) { return axis >= 0 && axis < (ndim ? ndim : 1); }

}  // namespace

Status reshape(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  const int64_t bytes = x.size() * elem_size(x.dtype);
  if (y.size() != x.size()) return Status::error("reshape: output size differs from input");
  if (bytes && x.data != y.data) std::memmove(y.data, x.data, bytes);
  return Status::success();
}

// ints: perm (a permutation of x's axes, checked with the shapes in shapes.cpp).
Status transpose(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  int64_t in_stride[kMaxDims];
  int64_t s = 1;
  for (int i = x.ndim - 1; i >= 0; --i) {
    in_stride[i] = s;
    s *= x.dims[i];
  }
  Layout<2> L;  // index space = output dims; out axis i reads input axis perm[i]
  L.nd = x.ndim;
  for (int i = 0; i < x.ndim; ++i) {
    const int64_t p = c.iattr(i);
    L.dims[i] = x.dims[p];
    L.st[1][i] = in_stride[p];
  }
  s = 1;
  for (int i = x.ndim - 1; i >= 0; --i) {
    L.st[0][i] = s;
    s *= L.dims[i];
  }
  return strided_copy("transpose", L, x, y);
}

Status broadcast_to(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  Layout<2> L;
  L.nd = y.ndim;
  for (int i = 0; i < y.ndim; ++i) L.dims[i] = y.dims[i];
  set_broadcast_strides(L, 0, y);
  set_broadcast_strides(L, 1, x);
  return strided_copy("broadcast_to", L, x, y);
}

// out (outer, sum_i n_i * inner): each input's rows land at a running byte offset.
Status concatenate(const OpCall& c) {
  const TensorRef& y = c.out(0);
  const int64_t axis = c.iattr(0);
  if (!axis_ok(axis, y.ndim)) return Status::error("concatenate: axis %lld out of range", (long long)axis);
  const int ax = static_cast<int>(axis);
  int64_t outer, out_row;
  split_at(y, ax, outer, out_row);
  if (y.ndim) out_row *= y.dims[ax];
  char* dst = static_cast<char*>(y.data);
  int64_t at = 0;
  for (int k = 0; k < c.n_in; ++k) {
    const TensorRef& x = c.in(k);
    int64_t xo, row;
    split_at(x, ax, xo, row);
    if (x.ndim) row *= x.dims[ax];
    if (at + row > out_row || (row && xo != outer))
      return Status::error("concatenate: input %d does not fit the output", k);
    const char* src = static_cast<const char*>(x.data);
    if (row)
      for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row + at, src + o * row, row);
    at += row;
  }
  return Status::success();
}

// ints (axis, start): out = x[start : start + out.dims[axis]] along axis.
Status slice(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  const int64_t axis = c.iattr(0), start = c.iattr(1);
  if (!axis_ok(axis, x.ndim) || x.ndim == 0)
    return Status::error("slice: axis %lld out of range", (long long)axis);
  const int ax = static_cast<int>(axis);
  if (start < 0 || start + y.dims[ax] > x.dims[ax])
    return Status::error("slice: [%lld, %lld) out of range for size %lld", (long long)start,
                         (long long)(start + y.dims[ax]), (long long)x.dims[ax]);
  int64_t outer, step;
  split_at(x, ax, outer, step);
  const int64_t in_row = step * x.dims[ax], out_row = step * y.dims[ax];
  const char* src = static_cast<const char*>(x.data) + start * step;
  char* dst = static_cast<char*>(y.data);
  if (out_row)
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row, src + o * in_row, out_row);
  return Status::success();
}

// ints (axis, before): out = zeros with x placed at offset `before` along axis.
Status pad(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  const int64_t axis = c.iattr(0), before = c.iattr(1);
  if (!axis_ok(axis, x.ndim) || x.ndim == 0)
    return Status::error("pad: axis %lld out of range", (long long)axis);
  const int ax = static_cast<int>(axis);
  if (before < 0 || before + x.dims[ax] > y.dims[ax])
    return Status::error("pad: before=%lld does not fit the output", (long long)before);
  int64_t outer, step;
  split_at(x, ax, outer, step);
  const int64_t in_row = step * x.dims[ax], out_row = step * y.dims[ax];
  const int64_t total = y.size() * elem_size(y.dtype);
  if (total) std::memset(y.data, 0, total);
  const char* src = static_cast<const char*>(x.data);
  char* dst = static_cast<char*>(y.data) + before * step;
  if (in_row)
    for (int64_t o = 0; o < outer; ++o) std::memcpy(dst + o * out_row, src + o * in_row, in_row);
  return Status::success();
}

}  // namespace fk::kernels
