// Broadcasting binary arithmetic and comparisons (NumPy rules, aligned from the trailing
// axis). The operand layouts are collapsed first, so equal shapes become one flat run,
// a scalar operand a stride-0 run, and a bias-like row vector a (rows, cols) walk whose
// inner run is contiguous in both operands.
#include "common.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

// Applies f over one innermost run; the branches let each case vectorise.
template <class T, class O, class F>
inline void run(const T* a, int64_t sa, const T* b, int64_t sb, O* out, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i * sa], b[i * sb]);
  }
}

// out (dims of c.out(0)) = f(a, b) with a, b broadcast to it.
template <class T, class O, class F>
void broadcast_apply(const OpCall& c, F f) {
  const TensorRef &a = c.in(0), &b = c.in(1), &o = c.out(0);
  if (o.size() == 0) return;
  Layout<3> L;
  L.nd = o.ndim;
  for (int i = 0; i < o.ndim; ++i) L.dims[i] = o.dims[i];
  set_broadcast_strides(L, 0, a);
  set_broadcast_strides(L, 1, b);
  set_broadcast_strides(L, 2, o);
  L.collapse();
  const T* pa = a.ptr<T>();
  const T* pb = b.ptr<T>();
  O* po = o.ptr<O>();
  const int64_t n = L.inner(), sa = L.inner_stride(0), sb = L.inner_stride(1);
  walk(L, [&](const int64_t* off) {
    run(pa + off[0], sa, pb + off[1], sb, po + off[2], n, f);
  });
}

template <class T>
Status arith(const OpCall& c) {
  switch (c.op) {
    case Op::add: broadcast_apply<T, T>(c, [](T x, T y) { return x + y; }); break;
    case Op::subtract: broadcast_apply<T, T>(c, [](T x, T y) { return x - y; }); break;
    case Op::multiply: broadcast_apply<T, T>(c, [](T x, T y) { return x * y; }); break;
    case Op::divide: broadcast_apply<T, T>(c, [](T x, T y) { return x / y; }); break;
    case Op::maximum: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::maximum(x, y); });
      break;
    case Op::minimum: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::minimum(x, y); });
      break;
    case Op::power: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::lib::pow(x, y); });
      break;
    case Op::arctan2: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::lib::atan2(x, y); });
      break;
    case Op::mod: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::mod(x, y); }); break;
    case Op::floor_divide:
      broadcast_apply<T, T>(c, [](T x, T y) { return scalar::floor_divide(x, y); });
      break;
    case Op::select: broadcast_apply<T, T>(c, [](T x, T y) { return scalar::select(x, y); }); break;
    default: return Status::error("binary: %s is not an arithmetic op", op_name(c.op));
  }
  return Status::success();
}

template <class T>
Status cmp(const OpCall& c) {
  using B = uint8_t;  // numpy bool: one byte, 0 or 1
  switch (c.op) {
    case Op::equal: broadcast_apply<T, B>(c, [](T x, T y) { return B(x == y); }); break;
    case Op::greater: broadcast_apply<T, B>(c, [](T x, T y) { return B(x > y); }); break;
    default: return Status::error("compare: %s is not a comparison", op_name(c.op));
  }
  return Status::success();
}

}  // namespace

Status binary(const OpCall& c) {
  return with_float(op_name(c.op), c.in(0).dtype, [&](auto tag) {
    return arith<decltype(tag)>(c);
  });
}

Status compare(const OpCall& c) {
  if (c.in(1).dtype != c.in(0).dtype)
    return Status::error("%s: operand dtypes differ (%s, %s)", op_name(c.op),
                         dtype_name(c.in(0).dtype), dtype_name(c.in(1).dtype));
  if (c.out(0).dtype != DType::b8)
    return Status::error("%s: output must be bool, got %s", op_name(c.op),
                         dtype_name(c.out(0).dtype));
  if (c.in(0).dtype == DType::b8) return cmp<uint8_t>(c);  // numpy bools are 0 or 1
  return with_numeric(op_name(c.op), c.in(0).dtype, [&](auto tag) {
    return cmp<decltype(tag)>(c);
  });
}

}  // namespace fk::kernels
