// Per-sample losses with Keras 3 semantics and their gradients. Every loss works on rows:
// target/output (rows, n) with n the last axis; loss (rows,); grad (target, output,
// g (rows,)) -> (rows, n). Formulas follow graph/primitives/losses.py term by term, in
// the element type (float32 in practice); row sums accumulate in double.
#include <cmath>
#include <limits>

#include "common.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

using scalar::clip_probability;
using scalar::inside_clip;
using scalar::log_sigmoid;
using scalar::sigmoid;

template <class T>
T row_sum(const T* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return T(s);
}

template <class T>
T row_max(const T* x, int64_t n) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = max_nan(m, x[i]);
  return m;
}

// log-sum-exp of (x - max) along a row, and the max.
template <class T>
T shifted_lse(const T* x, int64_t n, T& m) {
  m = row_max(x, n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(x[i] - m);
  return std::log(T(s));
}

// ---- losses: one value per row ----------------------------------------------------------

// Rows of the prediction: target t is either the same shape (dense) or int32 labels.
template <class T>
struct Rows {
  const T* t;          // dense target (rows, n), or nullptr
  const int32_t* lab;  // sparse labels (rows,), or nullptr
  const T* p;          // (rows, n)
  const T* g;          // upstream gradient (rows,) for the grads
  T* out;
  int64_t rows, n;
  bool logits;
};

template <class T>
T bce(const T* t, const T* p, int64_t n, bool logits) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    T e;
    if (logits) {
      e = -t[i] * log_sigmoid(p[i]) - (T(1) - t[i]) * log_sigmoid(-p[i]);
    } else {
      const T c = clip_probability(p[i]);
      e = -(t[i] * std::log(c) + (T(1) - t[i]) * std::log(T(1) - c));
    }
    s += e;
  }
  return T(s) / T(n);
}

// -sum(t * log q): q = softmax(p) (logits) or clip_probability(p / sum(p)).
template <class T>
T cce(const T* t, const T* p, int64_t n, bool logits) {
  double s = 0;
  if (logits) {
    T m;
    const T lse = shifted_lse(p, n, m);
    for (int64_t i = 0; i < n; ++i) s += t[i] * ((p[i] - m) - lse);
  } else {
    const T sum = row_sum(p, n);
    for (int64_t i = 0; i < n; ++i) s += t[i] * std::log(clip_probability(p[i] / sum));
  }
  return -T(s);
}

template <class T>
T scce(int32_t label, const T* p, int64_t n, bool logits) {
  if (logits) {
    T m;
    const T lse = shifted_lse(p, n, m);
    return -((p[label] - m) - lse);
  }
  return -std::log(clip_probability(p[label] / row_sum(p, n)));
}

template <class T>
void loss_rows(Op op, const Rows<T>& r) {
  for (int64_t i = 0; i < r.rows; ++i) {
    const T* p = r.p + i * r.n;
    const T* t = r.t ? r.t + i * r.n : nullptr;
    double s = 0;
    switch (op) {
      case Op::binary_crossentropy: r.out[i] = bce(t, p, r.n, r.logits); break;
      case Op::categorical_crossentropy: r.out[i] = cce(t, p, r.n, r.logits); break;
      case Op::sparse_categorical_crossentropy: r.out[i] = scce(r.lab[i], p, r.n, r.logits); break;
      case Op::mean_squared_error:
        for (int64_t j = 0; j < r.n; ++j) s += (p[j] - t[j]) * (p[j] - t[j]);
        r.out[i] = T(s) / T(r.n);
        break;
      case Op::mean_absolute_error:
        for (int64_t j = 0; j < r.n; ++j) s += std::fabs(p[j] - t[j]);
        r.out[i] = T(s) / T(r.n);
        break;
      default: break;
    }
  }
}

// ---- gradients: d(sum(g * loss)) / d(output) ---------------------------------------------

template <class T>
void bce_grad(const T* t, const T* p, T g, int64_t n, bool logits, T* d) {
  const T scale = g / T(n);
  for (int64_t i = 0; i < n; ++i) {
    T v;
    if (logits) {
      v = sigmoid(p[i]) - t[i];
    } else {
      const T c = clip_probability(p[i]);
      v = (-(t[i] / c) + (T(1) - t[i]) / (T(1) - c)) * inside_clip(p[i]);
    }
    d[i] = v * scale;
  }
}

// t == nullptr: one-hot of `label`.
template <class T>
void cce_grad(const T* t, int32_t label, const T* p, T g, int64_t n, bool logits, T* d) {
  auto target = [&](int64_t i) { return t ? t[i] : T(i == label ? 1 : 0); };
  if (logits) {  // softmax(p) * sum(t) - t
    T m;
    const T lse = shifted_lse(p, n, m);
    const T tsum = t ? row_sum(t, n) : T(1);
    for (int64_t i = 0; i < n; ++i)
      d[i] = (std::exp((p[i] - m) - lse) * tsum - target(i)) * g;
    return;
  }
  // q = p / s; dq = -(t / clip_probability(q)) * inside(q); d = (dq - sum(dq * q)) / s
  const T s = row_sum(p, n);
  double dot = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T q = p[i] / s;
    const T dq = -(target(i) / clip_probability(q)) * inside_clip(q);
    d[i] = dq;  // staged in d, finished below
    dot += dq * q;
  }
  const T dt = T(dot);
  for (int64_t i = 0; i < n; ++i) d[i] = ((d[i] - dt) / s) * g;
}

template <class T>
void grad_rows(Op op, const Rows<T>& r) {
  for (int64_t i = 0; i < r.rows; ++i) {
    const T* p = r.p + i * r.n;
    const T* t = r.t ? r.t + i * r.n : nullptr;
    T* d = r.out + i * r.n;
    const T g = r.g[i];
    switch (op) {
      case Op::binary_crossentropy_grad: bce_grad(t, p, g, r.n, r.logits, d); break;
      case Op::categorical_crossentropy_grad: cce_grad(t, 0, p, g, r.n, r.logits, d); break;
      case Op::sparse_categorical_crossentropy_grad:
        cce_grad<T>(nullptr, r.lab[i], p, g, r.n, r.logits, d);
        break;
      case Op::mean_squared_error_grad: {
        const T scale = g * T(2.0 / double(r.n));
        for (int64_t j = 0; j < r.n; ++j) d[j] = (p[j] - t[j]) * scale;
        break;
      }
      case Op::mean_absolute_error_grad: {
        const T scale = g / T(r.n);
        for (int64_t j = 0; j < r.n; ++j) {
          const T e = p[j] - t[j];
          d[j] = T(e > T(0) ? 1 : e < T(0) ? -1 : 0) * scale;
        }
        break;
      }
      default: break;
    }
  }
}

bool is_sparse(Op op) {
  return op == Op::sparse_categorical_crossentropy ||
         op == Op::sparse_categorical_crossentropy_grad;
}

bool has_logits(Op op) {
  return op != Op::mean_squared_error && op != Op::mean_absolute_error &&
         op != Op::mean_squared_error_grad && op != Op::mean_absolute_error_grad;
}

// Validates dtypes and labels, then runs rows through `fn`.
template <class Fn>
Status run_loss(const OpCall& c, bool grad, Fn fn) {
  const char* name = op_name(c.op);
  const TensorRef &t = c.in(0), &p = c.in(1), &out = c.out(0);
  const bool sparse = is_sparse(c.op);
  if (Status st = check_loss_operands(name, t, p, grad ? &c.in(2) : nullptr, out, sparse);
      !st.ok())
    return st;
  const int64_t n = p.dims[p.ndim - 1];
  const int64_t rows = n ? p.size() / n : 0;
  if (n == 0) {  // empty rows: mean-type losses are 0/0 = NaN, sums are 0
    if (!grad)
      return with_float(name, p.dtype, [&](auto tag) {
        using T = decltype(tag);
        const bool mean = c.op == Op::binary_crossentropy || c.op == Op::mean_squared_error ||
                          c.op == Op::mean_absolute_error;
        const T v = mean ? std::numeric_limits<T>::quiet_NaN() : T(0);
        for (int64_t i = 0; i < out.size(); ++i) out.ptr<T>()[i] = v;
        return Status::success();
      });
    return Status::success();
  }
  const bool logits = has_logits(c.op) && c.iattr(0) != 0;
  return with_float(name, p.dtype, [&](auto tag) {
    using T = decltype(tag);
    Rows<T> r{sparse ? nullptr : t.ptr<T>(), sparse ? t.ptr<int32_t>() : nullptr, p.ptr<T>(),
              grad ? c.in(2).ptr<T>() : nullptr, out.ptr<T>(), rows, n, logits};
    fn(r);
    return Status::success();
  });
}

}  // namespace

Status check_loss_operands(const char* name, const TensorRef& t, const TensorRef& p,
                           const TensorRef* g, const TensorRef& out, bool sparse) {
  if (p.ndim < 1) return Status::error("%s: predictions must have at least one axis", name);
  if (out.dtype != p.dtype || (g && g->dtype != p.dtype))
    return Status::error("%s: operand dtypes differ from the prediction's", name);
  if (sparse ? t.dtype != DType::i32 : t.dtype != p.dtype)
    return Status::error("%s: target dtype %s does not fit predictions %s", name,
                         dtype_name(t.dtype), dtype_name(p.dtype));
  if (sparse) {
    const int64_t n = p.dims[p.ndim - 1];
    const int32_t* lab = t.ptr<int32_t>();
    for (int64_t i = 0; i < t.size(); ++i)
      if (lab[i] < 0 || lab[i] >= n)  // the user's name for it, fused or not
        return Status::error("sparse_categorical_crossentropy: label %d is out of range for "
                             "%lld classes", lab[i], (long long)n);
  }
  return Status::success();
}

Status loss(const OpCall& c) {
  return run_loss(c, false, [&](const auto& r) { loss_rows(c.op, r); });
}

Status loss_grad(const OpCall& c) {
  return run_loss(c, true, [&](const auto& r) { grad_rows(c.op, r); });
}

}  // namespace fk::kernels
