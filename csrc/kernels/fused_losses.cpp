// Loss gradients taken through the output activation, with respect to the logits
// (graph/primitives/fused.py): (target, p, g (rows,)) -> d (rows, n), p being the
// activation's output. Keras clips probabilities to [eps, 1 - eps] before the log, so an
// element whose (normalised) probability lies outside gets no gradient through the log,
// exactly as the reference. Row sums accumulate in double.
#include "common.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

using scalar::clip_probability;
using scalar::inside_clip;

// binary_crossentropy through sigmoid: (p - t) * inside_clip(p) * (g / n).
template <class T>
void bce_sigmoid_row(const T* __restrict t, const T* __restrict p, T g, int64_t n,
                     T* __restrict d) {
  const T scale = g / T(n);
  for (int64_t j = 0; j < n; ++j) d[j] = (p[j] - t[j]) * inside_clip(p[j]) * scale;
}

// categorical_crossentropy through softmax, for one row (t == nullptr: one-hot of label):
// q = p / s; dq = -(t / clip_probability(q)) inside_clip(q); dp = (dq - sum(dq q)) / s;
// d = p (dp - sum(dp p)) g. The one-hot case gives the same bits with one division per row
// instead of three per element.
template <class T>
void cce_softmax_row(const T* t, int32_t label, const T* __restrict p, T g, int64_t n,
                     T* __restrict d) {
  double s_acc = 0;
  for (int64_t j = 0; j < n; ++j) s_acc += p[j];
  const T s = T(s_acc);
  if (!t) {  // one-hot: dq is -0.0 off the label, so only the label's terms need work
    const T q = p[label] / s;
    const T dq_l = -(T(1) / clip_probability(q)) * inside_clip(q);
    const T dq_q = T(0.0 + double(dq_l * q));
    const T off = (T(-0.0) - dq_q) / s;  // dp off the label
    double dot2 = 0;
    for (int64_t j = 0; j < n; ++j) {
      d[j] = j == label ? (dq_l - dq_q) / s : off;
      dot2 += double(d[j] * p[j]);
    }
    const T dp_p = T(dot2);
    for (int64_t j = 0; j < n; ++j) d[j] = p[j] * (d[j] - dp_p) * g;
    return;
  }
  double dot = 0;
  for (int64_t j = 0; j < n; ++j) {
    const T q = p[j] / s;
    const T tj = t ? t[j] : T(j == label ? 1 : 0);
    const T dq = -(tj / clip_probability(q)) * inside_clip(q);
    d[j] = dq;  // staged in d
    dot += double(dq * q);
  }
  const T dq_q = T(dot);
  double dot2 = 0;
  for (int64_t j = 0; j < n; ++j) {
    d[j] = (d[j] - dq_q) / s;  // dp
    dot2 += double(d[j] * p[j]);
  }
  const T dp_p = T(dot2);
  for (int64_t j = 0; j < n; ++j) d[j] = p[j] * (d[j] - dp_p) * g;
}

}  // namespace

Status loss_act_grad(const OpCall& c) {
  const char* name = op_name(c.op);
  const TensorRef &t = c.in(0), &p = c.in(1), &g = c.in(2), &out = c.out(0);
  const bool sparse = c.op == Op::sparse_categorical_crossentropy_softmax_grad;
  if (Status st = check_loss_operands(name, t, p, &g, out, sparse); !st.ok()) return st;
  const int64_t n = p.dims[p.ndim - 1];
  const int64_t rows = n ? p.size() / n : 0;
  return with_float(name, p.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pt = sparse ? nullptr : t.ptr<T>();
    const int32_t* lab = sparse ? t.ptr<int32_t>() : nullptr;
    const T *pp = p.ptr<T>(), *pg = g.ptr<T>();
    T* pd = out.ptr<T>();
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t o = i * n;
      switch (c.op) {
        case Op::binary_crossentropy_sigmoid_grad:
          bce_sigmoid_row(pt + o, pp + o, pg[i], n, pd + o);
          break;
        case Op::categorical_crossentropy_softmax_grad:
          cce_softmax_row<T>(pt + o, 0, pp + o, pg[i], n, pd + o);
          break;
        default:
          cce_softmax_row<T>(nullptr, lab[i], pp + o, pg[i], n, pd + o);
          break;
      }
    }
    return Status::success();
  });
}

}  // namespace fk::kernels
