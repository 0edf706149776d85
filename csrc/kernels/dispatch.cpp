// fk::run_op: checks a call (operand and attribute counts, ranks, dtypes, and shapes against
// the op's shape rule: a malformed call is an error, not an out-of-bounds access), then
// switches to the family kernel. A plan's calls are checked once, when its executor is built
// (validate_op), and then run without the checks (run_validated_op).
#include "common.hpp"
#include "kernels.hpp"

namespace fk {
namespace {

using namespace kernels;

// What a well-formed call looks like: operand counts (n_in / n_out < 0: one or more),
// the least number of ints/floats, and whether every operand shares one dtype.
struct Signature {
  int n_in, n_out, n_ints, n_floats;
  bool uniform;
};

Signature signature(Op op) {
  switch (op_family(op)) {  // ops.def's families
    case Family::unary: return {1, 1, 0, 0, true};
    case Family::act_grad: case Family::arith: return {2, 1, 0, 0, true};
    case Family::compare: return {2, 1, 0, 0, false};
    case Family::none: break;
  }
  switch (op) {  // the rest, one by one (an op missing here fails every call: tested)
    case Op::bias_add: return {2, 1, 0, 0, true};
    case Op::matmul: return {2, 1, 2, 0, true};
    case Op::softmax: case Op::log_softmax: return {1, 1, 1, 0, true};
    case Op::softmax_grad: case Op::log_softmax_grad: return {2, 1, 1, 0, true};
    case Op::sum: case Op::mean: case Op::max: return {1, 1, 1, 0, true};
    case Op::argmax: return {1, 1, 1, 0, false};
    case Op::reshape: case Op::broadcast_to: return {1, 1, 0, 0, true};
    case Op::transpose: return {1, 1, 0, 0, true};  // ndim ints, checked in shapes.cpp
    case Op::concatenate: return {-1, 1, 1, 0, true};
    case Op::slice: case Op::pad: return {1, 1, 2, 0, true};
    case Op::take: case Op::scatter_add: return {2, 1, 0, 0, false};
    case Op::cast: return {1, 1, 0, 0, false};
    case Op::binary_crossentropy: case Op::categorical_crossentropy:
    case Op::sparse_categorical_crossentropy:
      return {2, 1, 1, 0, false};
    case Op::binary_crossentropy_grad: case Op::categorical_crossentropy_grad:
    case Op::sparse_categorical_crossentropy_grad:
      return {3, 1, 1, 0, false};
    case Op::mean_squared_error: case Op::mean_absolute_error: return {2, 1, 0, 0, false};
    case Op::mean_squared_error_grad: case Op::mean_absolute_error_grad:
      return {3, 1, 0, 0, false};
    case Op::sgd_update: return {3, 0, 0, 0, true};
    case Op::sgd_momentum_update: return {4, 0, 1, 1, true};
    case Op::adam_update: return {6, 0, 0, 5, false};
    case Op::increment: return {1, 0, 0, 0, true};
    case Op::accumulate: return {2, 0, 0, 0, false};
    case Op::assign: return {2, 0, 0, 0, true};
    case Op::dense: return {3, 1, 1, 0, true};
    case Op::batch_matmul: return {2, 1, 2, 0, true};
    case Op::matmul_act_grad: return {3, 2, 3, 0, true};
    case Op::binary_crossentropy_sigmoid_grad: case Op::categorical_crossentropy_softmax_grad:
    case Op::sparse_categorical_crossentropy_softmax_grad:
      return {3, 1, 0, 0, false};
    case Op::elementwise_program: return {-1, -1, 1, 0, false};
    case Op::random: return {1, 1, 4, 1, false};
    case Op::constrain: return {1, 0, 4, 3, true};
    case Op::moments: return {1, 2, 0, 0, true};
    case Op::max_pool: return {1, 2, 4, 0, false};  // 4 ints per spatial axis: shapes.cpp
    case Op::max_pool_grad: return {2, 1, 0, 0, false};
    case Op::im2col: case Op::col2im: return {1, 1, 5, 0, true};  // 5 per axis: shapes.cpp
    case Op::lstm_cell: return {3, 3, 0, 0, true};
    case Op::lstm_cell_grad: return {4, 2, 0, 0, true};
    case Op::gru_cell: return {3, 2, 0, 0, true};
    case Op::gru_cell_grad: return {4, 3, 0, 0, true};
    case Op::sort: return {1, 2, 2, 0, false};  // ints (descending, k)
    case Op::in_top_k: return {2, 1, 1, 0, false};  // ints (k,)
    default: break;
  }
  return {0, 0, 0, 0, false};
}

Status check(const OpCall& c) {
  const Signature s = signature(c.op);
  const int n_ops = c.n_in + c.n_out;
  if (c.n_in < 0 || c.n_out < 0 || n_ops > kMaxOperands ||
      (s.n_in >= 0 ? c.n_in != s.n_in : c.n_in < 1) ||
      (s.n_out >= 0 ? c.n_out != s.n_out : c.n_out < 1))
    return Status::error("%s: expected %d inputs and %d outputs, got %d and %d", op_name(c.op),
                         s.n_in, s.n_out, c.n_in, c.n_out);
  if (c.n_ints < s.n_ints || c.n_floats < s.n_floats)
    return Status::error("%s: expected %d int and %d float attributes, got %d and %d",
                         op_name(c.op), s.n_ints, s.n_floats, c.n_ints, c.n_floats);
  for (int i = 0; i < n_ops; ++i) {
    const TensorRef& t = c.t[i];
    if (t.ndim < 0 || t.ndim > kMaxDims)
      return Status::error("%s: operand %d has rank %d", op_name(c.op), i, t.ndim);
    if (s.uniform && t.dtype != c.t[0].dtype)
      return Status::error("%s: operand %d is %s, expected %s like operand 0", op_name(c.op), i,
                           dtype_name(t.dtype), dtype_name(c.t[0].dtype));
  }
  return Status::success();
}

}  // namespace

int kernels::op_inputs(Op op) { return signature(op).n_in; }

Status validate_op(const OpCall& c) {
  if (static_cast<int>(c.op) < 0 || static_cast<int>(c.op) >= kNumOps)
    return Status::error("run_op: unknown op code %d", static_cast<int>(c.op));
  if (Status st = check(c); !st.ok()) return st;
  return check_shapes(c);
}

Status run_op(const OpCall& c) {
  if (Status st = validate_op(c); !st.ok()) return st;
  return run_validated_op(c);
}

Status run_validated_op(const OpCall& c) {
  switch (op_family(c.op)) {
    case Family::unary: case Family::act_grad: return same_shape_loop(c);
    case Family::arith: return binary(c);
    case Family::compare: return compare(c);
    case Family::none: break;
  }
  switch (c.op) {
    case Op::matmul: return matmul(c);
    case Op::bias_add: return bias_add(c);
    case Op::softmax: case Op::log_softmax: case Op::softmax_grad: case Op::log_softmax_grad:
      return softmax_family(c);
    case Op::sum: case Op::mean: case Op::max: return reduce(c);
    case Op::argmax: return argmax(c);
    case Op::reshape: return reshape(c);
    case Op::transpose: return transpose(c);
    case Op::broadcast_to: return broadcast_to(c);
    case Op::concatenate: return concatenate(c);
    case Op::slice: return slice(c);
    case Op::pad: return pad(c);
    case Op::take: return take(c);
    case Op::scatter_add: return scatter_add(c);
    case Op::cast: return cast(c);
    case Op::binary_crossentropy: case Op::categorical_crossentropy:
    case Op::sparse_categorical_crossentropy: case Op::mean_squared_error:
    case Op::mean_absolute_error:
      return loss(c);
    case Op::binary_crossentropy_grad: case Op::categorical_crossentropy_grad:
    case Op::sparse_categorical_crossentropy_grad: case Op::mean_squared_error_grad:
    case Op::mean_absolute_error_grad:
      return loss_grad(c);
    case Op::sgd_update: return sgd_update(c);
    case Op::sgd_momentum_update: return sgd_momentum_update(c);
    case Op::batch_matmul: return batch_matmul(c);
    case Op::adam_update: return adam_update(c);
    case Op::increment: return increment(c);
    case Op::accumulate: return accumulate(c);
    case Op::assign: return assign(c);
    case Op::random: return random(c);
    case Op::constrain: return constrain(c);
    case Op::moments: return moments(c);
    case Op::lstm_cell: case Op::lstm_cell_grad: case Op::gru_cell: case Op::gru_cell_grad:
      return recurrent_cell(c);
    case Op::dense: return dense(c);
    case Op::matmul_act_grad: return matmul_act_grad(c);
    case Op::binary_crossentropy_sigmoid_grad: case Op::categorical_crossentropy_softmax_grad:
    case Op::sparse_categorical_crossentropy_softmax_grad:
      return loss_act_grad(c);
    case Op::elementwise_program: return elementwise_program(c);
    case Op::max_pool: return max_pool(c);
    case Op::max_pool_grad: return max_pool_grad(c);
    case Op::im2col: return im2col(c);
    case Op::col2im: return col2im(c);
    case Op::sort: return sort(c);
    case Op::in_top_k: return in_top_k(c);
    default: break;
  }
  return Status::error("run_op: unknown op code %d", static_cast<int>(c.op));
}

}  // namespace fk
