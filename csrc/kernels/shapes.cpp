// Operand shapes of a call, checked against the op's shape rule (graph/primitives/*.py)
// before its kernel runs: the kernels index their operands by shape and trust it, so a call
// whose output is too small would write past it. Plans are checked once when an executor
// is built; eager calls (`_cpu.run_op`) on every call. Ops whose kernels check their own
// operands (matmul, dense, matmul_act_grad, reshape, concatenate, take, scatter_add, cast,
// sort, and the scalar effects) pass through.
#include "common.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

bool same_shape(const TensorRef& a, const TensorRef& b) {
  if (a.ndim != b.ndim) return false;
  for (int i = 0; i < a.ndim; ++i)
    if (a.dims[i] != b.dims[i]) return false;
  return true;
}

// Every operand in [first, last) has operand `ref`'s shape.
Status all_shaped_like(const OpCall& c, int ref, int first, int last) {
  for (int i = first; i < last; ++i)
    if (!same_shape(c.t[i], c.t[ref]))
      return Status::error("%s: operand %d's shape differs from operand %d's", op_name(c.op), i,
                           ref);
  return Status::success();
}

// Right-aligned NumPy broadcasting: dimension `i` (counted from the end) of a broadcast to
// out, or -1 where a has no such axis.
int64_t dim_from_end(const TensorRef& a, int i) { return i < a.ndim ? a.dims[a.ndim - 1 - i] : -1; }

Status broadcast_output(const OpCall& c) {
  const TensorRef &a = c.in(0), &b = c.in(1), &out = c.out(0);
  const int nd = a.ndim > b.ndim ? a.ndim : b.ndim;
  bool ok = out.ndim == nd;
  for (int i = 0; ok && i < nd; ++i) {
    const int64_t x = dim_from_end(a, i), y = dim_from_end(b, i), o = dim_from_end(out, i);
    const int64_t want = x < 0 ? y : y < 0 ? x : x == 1 ? y : y == 1 ? x : x == y ? x : -2;
    ok = want >= 0 && o == want;
  }
  return ok ? Status::success()
            : Status::error("%s: output shape does not match the broadcast of the inputs",
                            op_name(c.op));
}

Status broadcast_to_output(const OpCall& c) {
  const TensorRef &x = c.in(0), &out = c.out(0);
  bool ok = out.ndim >= x.ndim;
  for (int i = 0; ok && i < x.ndim; ++i) {
    const int64_t d = dim_from_end(x, i);
    ok = d == 1 || d == dim_from_end(out, i);
  }
  return ok ? Status::success()
            : Status::error("broadcast_to: input does not broadcast to the output shape");
}

// Output holds `want` elements (reductions: the kept axes, whatever keepdims was).
Status output_size(const OpCall& c, int64_t want) {
  return c.out(0).size() == want
             ? Status::success()
             : Status::error("%s: output holds %lld elements, expected %lld", op_name(c.op),
                             (long long)c.out(0).size(), (long long)want);
}

Status reduce_output(const OpCall& c) {
  const TensorRef& x = c.in(0);
  const uint64_t mask = static_cast<uint64_t>(c.iattr(0));
  int64_t kept = 1;
  for (int i = 0; i < x.ndim; ++i)
    if (!(mask >> i & 1)) kept *= x.dims[i];
  return output_size(c, kept);
}

Status argmax_output(const OpCall& c) {
  const TensorRef& x = c.in(0);
  const int64_t axis = c.iattr(0);
  if (x.ndim == 0) return output_size(c, 1);
  if (axis < 0 || axis >= x.ndim) return Status::success();  // the kernel names the axis
  int64_t kept = 1;
  for (int i = 0; i < x.ndim; ++i)
    if (i != axis) kept *= x.dims[i];
  return output_size(c, kept);
}

Status transpose_output(const OpCall& c) {
  const TensorRef &x = c.in(0), &out = c.out(0);
  if (c.n_ints != x.ndim || out.ndim != x.ndim)
    return Status::error("transpose: %d perm entries, input rank %d, output rank %d", c.n_ints,
                         x.ndim, out.ndim);
  bool seen[kMaxDims] = {};
  for (int i = 0; i < x.ndim; ++i) {
    const int64_t p = c.iattr(i);
    if (p < 0 || p >= x.ndim || seen[p])
      return Status::error("transpose: perm is not a permutation of %d axes", x.ndim);
    seen[p] = true;
    if (out.dims[i] != x.dims[p])
      return Status::error("transpose: output axis %d is %lld, expected %lld", i,
                           (long long)out.dims[i], (long long)x.dims[p]);
  }
  return Status::success();
}

// slice / pad: same rank, same dims except along `axis` (whose fit the kernel checks).
Status same_but_axis(const OpCall& c) {
  const TensorRef &x = c.in(0), &out = c.out(0);
  const int64_t axis = c.iattr(0);
  bool ok = out.ndim == x.ndim;
  for (int i = 0; ok && i < x.ndim; ++i) ok = i == axis || out.dims[i] == x.dims[i];
  return ok ? Status::success()
            : Status::error("%s: output shape differs from the input's off axis %lld",
                            op_name(c.op), (long long)axis);
}

Status bias_add_shapes(const OpCall& c) {
  const TensorRef &x = c.in(0), &b = c.in(1);  // out: checked by all_shaped_like
  if (x.ndim < 1 || b.ndim != 1 || b.dims[0] != x.dims[x.ndim - 1])
    return Status::error("bias_add: bias must be (n,) for inputs (..., n)");
  return all_shaped_like(c, 0, 2, 3);
}

// Losses: predictions p (..., n), targets like p (or int labels shaped p's rows when
// sparse), per-row outputs (loss) or p-shaped ones (gradients, with per-row upstream g).
Status loss_shapes(const OpCall& c, bool sparse, bool grad) {
  const TensorRef &t = c.in(0), &p = c.in(1), &out = c.out(0);
  if (p.ndim < 1) return Status::success();  // the kernel's own check names it
  const int64_t rows = p.dims[p.ndim - 1] ? p.size() / p.dims[p.ndim - 1] : 0;
  const bool targets_ok = sparse ? t.size() == rows : same_shape(t, p);
  if (!targets_ok)
    return Status::error("%s: targets do not match predictions of shape (..., %lld)",
                         op_name(c.op), (long long)p.dims[p.ndim - 1]);
  if (grad && c.in(2).size() != rows)
    return Status::error("%s: upstream gradient must hold one value per row", op_name(c.op));
  if (grad ? !same_shape(out, p) : out.size() != rows)
    return Status::error("%s: output shape does not fit the predictions", op_name(c.op));
  return Status::success();
}

// Optimizer updates: `n` same-sized tensors, then `scalars` one-element ones.
Status update_shapes(const OpCall& c, int n, int scalars) {
  for (int i = 1; i < n; ++i)
    if (c.in(i).size() != c.in(0).size())
      return Status::error("%s: operand %d has %lld elements, the variable %lld", op_name(c.op),
                           i, (long long)c.in(i).size(), (long long)c.in(0).size());
  for (int i = n; i < n + scalars; ++i)
    if (c.in(i).size() != 1)
      return Status::error("%s: operand %d must be a scalar", op_name(c.op), i);
  return Status::success();
}

// max_pool: x (N, *in, C) float; y and argmax (N, *out, C), argmax int32; 4 ints per
// spatial axis (k, s, before, after) with out = (in + before + after - k) / s + 1, padding
// narrower than the window (so every window holds an input position) and flat spatial
// indices that fit int32.
Status max_pool_shapes(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0), &arg = c.out(1);
  const int n = x.ndim - 2;
  if (n < 1 || c.n_ints != 4 * n || y.ndim != x.ndim || !same_shape(y, arg) ||
      y.dtype != x.dtype || arg.dtype != DType::i32)
    return Status::error("max_pool: expected x (N, *spatial, C), y like x's dtype and int32 "
                         "argmax of one shape (N, *out, C), and 4 ints per spatial axis");
  if (y.dims[0] != x.dims[0] || y.dims[x.ndim - 1] != x.dims[x.ndim - 1])
    return Status::error("max_pool: batch or channels of the outputs differ from the input's");
  int64_t positions = 1;
  for (int a = 0; a < n; ++a) {
    const int64_t len = x.dims[a + 1], k = c.iattr(a), s = c.iattr(n + a),
                  before = c.iattr(2 * n + a), after = c.iattr(3 * n + a);
    if (len < 1 || k < 1 || s < 1 || before < 0 || after < 0 || before >= k || after >= k ||
        len + before + after < k || y.dims[a + 1] != (len + before + after - k) / s + 1)
      return Status::error("max_pool: spatial axis %d: input %lld, window %lld, stride %lld, "
                           "padding (%lld, %lld) do not give output %lld", a, (long long)len,
                           (long long)k, (long long)s, (long long)before, (long long)after,
                           (long long)y.dims[a + 1]);
    positions *= len;
  }
  if (positions > INT32_MAX)
    return Status::error("max_pool: %lld spatial positions do not fit int32 indices",
                         (long long)positions);
  return Status::success();
}

// max_pool_grad: dy (N, *out, C) float, argmax like dy int32, dx (N, *in, C) like dy's dtype.
Status max_pool_grad_shapes(const OpCall& c) {
  const TensorRef &dy = c.in(0), &arg = c.in(1), &dx = c.out(0);
  if (dy.ndim < 3 || !same_shape(dy, arg) || arg.dtype != DType::i32 || dx.ndim != dy.ndim ||
      dx.dtype != dy.dtype || dx.dims[0] != dy.dims[0] ||
      dx.dims[dx.ndim - 1] != dy.dims[dy.ndim - 1])
    return Status::error("max_pool_grad: expected dy (N, *out, C), int32 argmax of its shape "
                         "and dx (N, *spatial, C) of its dtype");
  return Status::success();
}

// im2col (x -> patches) and col2im (patches -> dx): image (N, *in, C) and patches
// (N, *out, K * C) of one float dtype; 5 ints per spatial axis (k, s, d, before, after), all
// positive but the non-negative padding, with out = (in + before + after - d (k - 1) - 1) / s + 1.
Status window_shapes(const OpCall& c, const TensorRef& image, const TensorRef& patches) {
  const int n = image.ndim - 2;
  if (n < 1 || c.n_ints != 5 * n || patches.ndim != image.ndim ||
      patches.dtype != image.dtype || image.dims[0] != patches.dims[0])
    return Status::error("%s: expected image (N, *spatial, C) and patches (N, *out, K * C) of "
                         "one dtype and 5 ints per spatial axis", op_name(c.op));
  int64_t offsets = 1;
  for (int a = 0; a < n; ++a) {
    const int64_t len = image.dims[a + 1], k = c.iattr(a), s = c.iattr(n + a),
                  d = c.iattr(2 * n + a), before = c.iattr(3 * n + a),
                  after = c.iattr(4 * n + a);
    const bool ok = len >= 1 && k >= 1 && s >= 1 && d >= 1 && before >= 0 && after >= 0 &&
                    len + before + after >= d * (k - 1) + 1;
    if (!ok || patches.dims[a + 1] != (len + before + after - d * (k - 1) - 1) / s + 1)
      return Status::error("%s: spatial axis %d: input %lld, kernel %lld, stride %lld, "
                           "dilation %lld, padding (%lld, %lld) do not give output %lld",
                           op_name(c.op), a, (long long)len, (long long)k, (long long)s,
                           (long long)d, (long long)before, (long long)after,
                           (long long)patches.dims[a + 1]);
    offsets *= k;
  }
  if (patches.dims[n + 1] != offsets * image.dims[n + 1])
    return Status::error("%s: patches have %lld columns, expected %lld kernel offsets x %lld "
                         "channels", op_name(c.op), (long long)patches.dims[n + 1],
                         (long long)offsets, (long long)image.dims[n + 1]);
  return Status::success();
}

// Recurrent cells: every operand (batch, width * units), widths by operand (inputs, then
// outputs; graph/primitives/recurrent.py), the units from the first width-1 operand.
Status cell_shapes(const OpCall& c) {
  static constexpr int kLstm[] = {4, 4, 1, 1, 1, 5}, kLstmGrad[] = {5, 1, 1, 1, 4, 1},
                       kGru[] = {3, 3, 1, 1, 3}, kGruGrad[] = {3, 3, 1, 1, 3, 3, 1};
  const int* widths = c.op == Op::lstm_cell ? kLstm : c.op == Op::lstm_cell_grad ? kLstmGrad
                      : c.op == Op::gru_cell ? kGru : kGruGrad;
  const int n = c.n_in + c.n_out;
  int unit_ref = 0;
  while (widths[unit_ref] != 1) ++unit_ref;
  for (int i = 0; i < n; ++i)
    if (c.t[i].ndim != 2)
      return Status::error("%s: operand %d has rank %d, expected 2", op_name(c.op), i,
                           c.t[i].ndim);
  const int64_t batch = c.t[0].dims[0], units = c.t[unit_ref].dims[1];
  for (int i = 0; i < n; ++i)
    if (c.t[i].dims[0] != batch || c.t[i].dims[1] != widths[i] * units)
      return Status::error("%s: operand %d is (%lld, %lld), expected (%lld, %lld)",
                           op_name(c.op), i, (long long)c.t[i].dims[0],
                           (long long)c.t[i].dims[1], (long long)batch,
                           (long long)(widths[i] * units));
  return Status::success();
}

}  // namespace

Status check_shapes(const OpCall& c) {
  switch (op_family(c.op)) {  // ops.def's families
    case Family::unary: return all_shaped_like(c, 0, 1, 2);
    case Family::act_grad: return all_shaped_like(c, 0, 1, 3);
    case Family::arith: case Family::compare: return broadcast_output(c);
    case Family::none: break;
  }
  switch (c.op) {
    case Op::softmax: case Op::log_softmax: return all_shaped_like(c, 0, 1, 2);
    case Op::softmax_grad: case Op::log_softmax_grad: return all_shaped_like(c, 0, 1, 3);
    case Op::bias_add: return bias_add_shapes(c);
    case Op::sum: case Op::mean: case Op::max: return reduce_output(c);
    case Op::argmax: return argmax_output(c);
    case Op::transpose: return transpose_output(c);
    case Op::broadcast_to: return broadcast_to_output(c);
    case Op::slice: case Op::pad: return same_but_axis(c);
    case Op::binary_crossentropy: case Op::categorical_crossentropy:
    case Op::mean_squared_error: case Op::mean_absolute_error:
      return loss_shapes(c, false, false);
    case Op::sparse_categorical_crossentropy: return loss_shapes(c, true, false);
    case Op::binary_crossentropy_grad: case Op::categorical_crossentropy_grad:
    case Op::mean_squared_error_grad: case Op::mean_absolute_error_grad:
    case Op::binary_crossentropy_sigmoid_grad: case Op::categorical_crossentropy_softmax_grad:
      return loss_shapes(c, false, true);
    case Op::sparse_categorical_crossentropy_grad:
    case Op::sparse_categorical_crossentropy_softmax_grad:
      return loss_shapes(c, true, true);
    case Op::sgd_update: return update_shapes(c, 2, 1);
    case Op::sgd_momentum_update: return update_shapes(c, 3, 1);
    case Op::adam_update: return update_shapes(c, 4, 2);
    case Op::elementwise_program: return program_shapes(c);
    case Op::max_pool: return max_pool_shapes(c);
    case Op::max_pool_grad: return max_pool_grad_shapes(c);
    case Op::im2col: return window_shapes(c, c.in(0), c.out(0));
    case Op::col2im: return window_shapes(c, c.out(0), c.in(0));
    case Op::lstm_cell: case Op::lstm_cell_grad: case Op::gru_cell: case Op::gru_cell_grad:
      return cell_shapes(c);
    // Checked by the kernels themselves (they derive their loop bounds from the operands:
    // the GEMMs, gather/scatter, the copies and the counters).
    case Op::matmul: case Op::batch_matmul: case Op::dense: case Op::matmul_act_grad:
    case Op::reshape:
    case Op::concatenate: case Op::take: case Op::scatter_add: case Op::cast:
    case Op::increment: case Op::accumulate: case Op::assign: case Op::random: case Op::constrain: case Op::moments:
    case Op::sort: case Op::in_top_k:
      return Status::success();
    default: break;  // the family ops (above), and an op nobody wrote a check for
  }
  // An op of family none without a case above is refused here: every call of it fails,
  // which the registry walk (tests/graph/test_op_backends.py) catches for every primitive.
  return Status::error("op %d has no shape check", static_cast<int>(c.op));
}

}  // namespace fk::kernels
