// Unary math and activations, and the activation-gradient helpers. Flat loops over
// contiguous data; float32 and float64. The float32 activations, exp and gradient helpers
// run the ISA-dispatched vector kernels of ew.hpp.
#include <cmath>

#include "common.hpp"
#include "fastkeras/scalar.hpp"
#include "ew.hpp"
#include "isa.hpp"
#include "kernels.hpp"

namespace fk::ew {

const Table& table() {
#define FK_EW_TABLE(ns) Table{#ns, ns::adam, ns::act_grad, ns::act, ns::program_op}
  static const Table chosen = [] {
    switch (kernels::kernel_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
      case kernels::Isa::avx512: return FK_EW_TABLE(avx512);
      case kernels::Isa::avx2: return FK_EW_TABLE(avx2);
#endif
      default: return FK_EW_TABLE(generic);
    }
  }();
#undef FK_EW_TABLE
  return chosen;
}

}  // namespace fk::ew

namespace fk::kernels {
namespace {

using scalar::sigmoid;
using scalar::sign;

template <class T, class F>
void map(const T* x, T* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

template <class T>
Status unary_typed(Op op, const T* x, T* y, int64_t n) {
  switch (op) {
    case Op::negative: map(x, y, n, [](T v) { return -v; }); break;
    case Op::exp: map(x, y, n, [](T v) { return std::exp(v); }); break;
    case Op::log: map(x, y, n, [](T v) { return std::log(v); }); break;
    case Op::sqrt: map(x, y, n, [](T v) { return std::sqrt(v); }); break;
    case Op::square: map(x, y, n, [](T v) { return v * v; }); break;
    case Op::abs: map(x, y, n, [](T v) { return std::fabs(v); }); break;
    case Op::sign: map(x, y, n, [](T v) { return sign(v); }); break;
    case Op::relu: map(x, y, n, [](T v) { return scalar::relu(v); }); break;
    case Op::sigmoid: map(x, y, n, [](T v) { return sigmoid(v); }); break;
    case Op::tanh: map(x, y, n, [](T v) { return std::tanh(v); }); break;
    case Op::erf: map(x, y, n, [](T v) { return std::erf(v); }); break;
    default: return Status::error("unary: %s is not a unary op", op_name(op));
  }
  return Status::success();
}

template <class T>
Status grad_typed(Op op, const T* y, const T* g, T* dx, int64_t n) {
  const int32_t act = op == Op::relu_grad ? kRelu : op == Op::sigmoid_grad ? kSigmoid
                      : op == Op::tanh_grad ? kTanh : kLinear;
  if (act == kLinear)
    return Status::error("activation_grad: %s is not a gradient helper", op_name(op));
  for (int64_t i = 0; i < n; ++i) dx[i] = scalar::activation_grad(act, y[i], g[i]);
  return Status::success();
}

}  // namespace

Status unary(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  if (x.dtype == DType::f32) {  // the loop of a one-instruction program (program_ops.inc)
    const float* xp = x.ptr<float>();
    if (ew::table().program_op(static_cast<int32_t>(c.op), xp, xp, y.ptr<float>(), x.size()))
      return Status::success();
  }
  return with_float(op_name(c.op), x.dtype, [&](auto tag) {
    using T = decltype(tag);
    return unary_typed<T>(c.op, x.ptr<T>(), y.ptr<T>(), x.size());
  });
}

Status activation_grad(const OpCall& c) {
  const TensorRef &y = c.in(0), &g = c.in(1), &dx = c.out(0);
  if (y.dtype == DType::f32) {
    const int32_t code = c.op == Op::relu_grad ? kRelu : c.op == Op::sigmoid_grad ? kSigmoid
                         : kTanh;
    ew::table().act_grad(code, y.ptr<float>(), g.ptr<float>(), dx.ptr<float>(), dx.size());
    return Status::success();
  }
  return with_float(op_name(c.op), y.dtype, [&](auto tag) {
    using T = decltype(tag);
    return grad_typed<T>(c.op, y.ptr<T>(), g.ptr<T>(), dx.ptr<T>(), dx.size());
  });
}

}  // namespace fk::kernels
