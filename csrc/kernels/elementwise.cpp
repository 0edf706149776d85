// Unary math and activations, and the activation-gradient helpers (flat loops over
// contiguous data, float32 and float64), and the choice of the ew table's ISA copy.
#include "common.hpp"
#include "ew.hpp"
#include "isa.hpp"
#include "kernels.hpp"

namespace fk::ew {

const Table& table() {
#define FK_EW_TABLE(ns) Table{#ns, ns::adam, ns::program_op}
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

// Both families are instructions of one-instruction programs: the loops of
// program_ops.inc, float32 through the ISA-dispatched copy, float64 through program.cpp's.
Status unary(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  const int32_t op = static_cast<int32_t>(c.op);
  bool known = false;
  if (x.dtype == DType::f32) {
    const float* xp = x.ptr<float>();
    known = ew::table().program_op(op, xp, xp, y.ptr<float>(), x.size());
  } else if (x.dtype == DType::f64) {
    const double* xp = x.ptr<double>();
    known = program_op_f64(op, xp, xp, y.ptr<double>(), x.size());
  } else {
    return unsupported(op_name(c.op), x.dtype);
  }
  return known ? Status::success() : Status::error("unary: %s is not a unary op", op_name(c.op));
}

// relu_grad / sigmoid_grad / tanh_grad (y, g): y is the activation's output (or relu's
// input), g the upstream gradient.
Status activation_grad(const OpCall& c) {
  const TensorRef &y = c.in(0), &g = c.in(1), &dx = c.out(0);
  const int32_t op = static_cast<int32_t>(c.op);
  bool known = false;
  if (y.dtype == DType::f32) {
    known = ew::table().program_op(op, y.ptr<float>(), g.ptr<float>(), dx.ptr<float>(), dx.size());
  } else if (y.dtype == DType::f64) {
    known = program_op_f64(op, y.ptr<double>(), g.ptr<double>(), dx.ptr<double>(), dx.size());
  } else {
    return unsupported(op_name(c.op), y.dtype);
  }
  return known ? Status::success()
               : Status::error("activation_grad: %s is not a gradient helper", op_name(c.op));
}

}  // namespace fk::kernels
