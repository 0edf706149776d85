// Unary math and activations, and the activation-gradient helpers (flat loops over
// contiguous data, float32 and float64), and the choice of the ew table's ISA copy.
#include "common.hpp"
#include "ew.hpp"
#include "isa.hpp"
#include "kernels.hpp"

namespace fk::ew {

const Table& table() {
#define FK_EW_TABLE(ns)                                                                  \
  Table{#ns, ns::adam, ns::program_op, ns::exp_nonpositive, ns::random_uniform,           \
        ns::random_dropout, ns::window_max_f32, ns::window_max_f64, ns::window_route_f32,    \
        ns::window_route_f64}
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

// The unary family (x -> y) and the act_grad family (y, g -> dx: relu/sigmoid/tanh_grad,
// y the activation's output or relu's input, g the upstream gradient) are one-instruction
// programs: the loops of program_ops.inc, float32 through the ISA-dispatched copy, float64
// through program.cpp's.
Status same_shape_loop(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(c.n_in - 1), &out = c.out(0);
  const int32_t op = static_cast<int32_t>(c.op);
  bool known = false;
  if (a.dtype == DType::f32) {
    known = ew::table().program_op(op, a.ptr<float>(), b.ptr<float>(), out.ptr<float>(),
                                   out.size());
  } else if (a.dtype == DType::f64) {
    known = program_op_f64(op, a.ptr<double>(), b.ptr<double>(), out.ptr<double>(), out.size());
  } else {
    return unsupported(op_name(c.op), a.dtype);
  }
  return known ? Status::success()
               : Status::error("%s has no elementwise loop", op_name(c.op));
}

}  // namespace fk::kernels
