// In-place effect ops: optimizer steps (Keras 3 formulas, in float32 in Keras's order),
// the step counter, metric accumulation and assignment. No outputs: the first operands
// are updated through their (writable) buffers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "ew.hpp"
#include "thread_pool.hpp"
#include "kernels.hpp"

namespace fk::kernels {
namespace {

// Below, a split saves less than the dispatch and cross-core traffic it costs. Adam is
// bound by the divide/sqrt unit (~14 cycles per 8 floats on Zen 3), so it pays early: paired
// A/B of 2 threads vs 1 on the dev machine: 8,192 floats 1.04x (slower), 12,000 0.70x,
// 16,384 0.64x.
constexpr int64_t kParallelElems = 10240;

Status need_f32(const char* op, const OpCall& c, int n) {
  for (int i = 0; i < n; ++i)
    if (c.in(i).dtype != DType::f32) return unsupported(op, c.in(i).dtype);
  return Status::success();
}

}  // namespace

// (var, grad, lr scalar): var -= lr * grad
Status sgd_update(const OpCall& c) {
  if (Status st = need_f32("sgd_update", c, 3); !st.ok()) return st;
  float* var = c.in(0).ptr<float>();
  const float* g = c.in(1).ptr<float>();
  const float lr = *c.in(2).ptr<float>();
  const int64_t n = c.in(0).size();
  for (int64_t i = 0; i < n; ++i) var[i] -= lr * g[i];
  return Status::success();
}

// (var, grad, m, lr scalar), ints (nesterov,), floats (momentum,):
// m = m * momentum - grad * lr; var += nesterov ? m * momentum - grad * lr : m
Status sgd_momentum_update(const OpCall& c) {
  if (Status st = need_f32("sgd_momentum_update", c, 4); !st.ok()) return st;
  float* var = c.in(0).ptr<float>();
  const float* g = c.in(1).ptr<float>();
  float* m = c.in(2).ptr<float>();
  const float lr = *c.in(3).ptr<float>();
  const float mom = static_cast<float>(c.fattr(0));
  const int64_t n = c.in(0).size();
  if (c.iattr(0)) {
    for (int64_t i = 0; i < n; ++i) {
      m[i] = m[i] * mom - g[i] * lr;
      var[i] += m[i] * mom - g[i] * lr;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      m[i] = m[i] * mom - g[i] * lr;
      var[i] += m[i];
    }
  }
  return Status::success();
}

namespace {

// Keras's clip_by_global_norm factor for the whole gradient g (n floats):
// c * min(1 / norm, 1 / c), NaN when the norm is not finite (+ norm - norm). The squares
// are summed in fixed chunks (double partials added in order), so the factor does not
// depend on the thread count.
float global_clip_scale(const float* g, int64_t n, float clipnorm) {
  constexpr int64_t kChunk = 16384;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> partial(static_cast<size_t>(chunks));
  const int parts = n >= kParallelElems ? std::min<int64_t>(threads::num_threads(), chunks) : 1;
  threads::parallel_for(parts, [&](int t) {
    int64_t lo, hi;
    threads::split(chunks, 1, parts, t, &lo, &hi);
    for (int64_t k = lo; k < hi; ++k) {
      const int64_t start = k * kChunk;
      partial[k] = sum_of_contig(g + start, std::min(kChunk, n - start),
                                 [](float a) { return a * a; });
    }
  });
  double total = 0;
  for (double p : partial) total += p;
  const float norm = std::sqrt(static_cast<float>(total));
  return clipnorm * std::min(1.f / norm, 1.f / clipnorm) + (norm - norm);
}

}  // namespace

// (var, grad, m, v, lr f32 scalar, iterations i64 scalar),
// floats (beta_1, beta_2, eps, global_clipnorm, weight_decay):
// t = it + 1; alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); g *= global clip factor (when
// global_clipnorm > 0: grad is the whole flat gradient); var -= var * weight_decay * lr;
// m += (g - m) * (1 - b1); v += (g*g - v) * (1 - b2); var -= m * alpha / (sqrt(v) + eps)
// [all float32]
Status adam_update(const OpCall& c) {
  if (Status st = need_f32("adam_update", c, 5); !st.ok()) return st;
  if (c.in(5).dtype != DType::i64) return unsupported("adam_update (iterations)", c.in(5).dtype);
  float* var = c.in(0).ptr<float>();
  const float* g = c.in(1).ptr<float>();
  float* m = c.in(2).ptr<float>();
  float* v = c.in(3).ptr<float>();
  const float lr = *c.in(4).ptr<float>();
  const float t = static_cast<float>(*c.in(5).ptr<int64_t>() + 1);
  const float b1 = static_cast<float>(c.fattr(0)), b2 = static_cast<float>(c.fattr(1));
  const float clipnorm = static_cast<float>(c.fattr(3));
  const int64_t n = c.in(0).size();
  ew::AdamStep s;
  s.alpha = lr * std::sqrt(1.f - std::pow(b2, t)) / (1.f - std::pow(b1, t));
  // Keras forms (1 - beta) in double precision and rounds it once to float32.
  s.omb1 = static_cast<float>(1.0 - c.fattr(0));
  s.omb2 = static_cast<float>(1.0 - c.fattr(1));
  s.eps = static_cast<float>(c.fattr(2));
  s.grad_scale = clipnorm > 0 ? global_clip_scale(g, n, clipnorm) : 1.f;
  s.decay = static_cast<float>(c.fattr(4));
  s.lr = lr;
  // Elementwise, so any split gives the same bits; big ones use every thread.
  const int parts = n >= kParallelElems ? threads::num_threads() : 1;
  threads::parallel_for(parts, [&](int t) {
    int64_t lo, hi;
    threads::split(n, 64, parts, t, &lo, &hi);
    ew::table().adam(var + lo, g + lo, m + lo, v + lo, hi - lo, s);
  });
  return Status::success();
}

// (counter i64 scalar): counter += 1
Status increment(const OpCall& c) {
  if (c.in(0).dtype != DType::i64) return unsupported("increment", c.in(0).dtype);
  *c.in(0).ptr<int64_t>() += 1;
  return Status::success();
}

// (acc f64 scalar, x f32/f64 any shape): acc += sum(x), summed in double.
Status accumulate(const OpCall& c) {
  const TensorRef &acc = c.in(0), &x = c.in(1);
  if (acc.dtype != DType::f64) return unsupported("accumulate (accumulator)", acc.dtype);
  const int64_t n = x.size();
  double s;
  switch (x.dtype) {
    case DType::f64: s = sum_contig(x.ptr<double>(), n); break;
    case DType::f32: {
      const float* p = x.ptr<float>();
      s = 0;
      for (int64_t i = 0; i < n; ++i) s += p[i];
      break;
    }
    default: return unsupported("accumulate", x.dtype);
  }
  *acc.ptr<double>() += s;
  return Status::success();
}

// (dst, src) same shape and dtype: dst = src
Status assign(const OpCall& c) {
  const TensorRef &dst = c.in(0), &src = c.in(1);
  if (dst.size() != src.size()) return Status::error("assign: sizes differ");
  const int64_t bytes = src.size() * elem_size(src.dtype);
  if (bytes && dst.data != src.data) std::memmove(dst.data, src.data, bytes);
  return Status::success();
}

// (var f32/f64) in place: a keras.constraints projection (graph/primitives/updates.py);
// ints (kind, outer, reduce, inner) with var seen as (outer, reduce, inner), floats
// (max_value, min_value, rate). Norms are summed in double, then rounded to T.
namespace {
enum class ConstraintKind { non_neg = 0, max_norm, unit_norm, min_max_norm };

template <class T>
void constrain_loop(T* w, ConstraintKind kind, int64_t outer, int64_t reduce, int64_t inner,
                    T max_value, T min_value, T rate) {
  if (kind == ConstraintKind::non_neg) {
    for (int64_t i = 0, n = outer * reduce * inner; i < n; ++i) w[i] = w[i] > T(0) ? w[i] : T(0);
    return;
  }
  for (int64_t o = 0; o < outer; ++o) {
    T* block = w + o * reduce * inner;  // (reduce, inner)
    for (int64_t j = 0; j < inner; ++j) {
      double s = 0;
      for (int64_t r = 0; r < reduce; ++r) s += double(block[r * inner + j]) * block[r * inner + j];
      const T norm = static_cast<T>(std::sqrt(s));
      const T clipped_max = norm < T(0) ? T(0) : norm > max_value ? max_value : norm;
      const T clipped = norm < min_value ? min_value : norm > max_value ? max_value : norm;
      T desired = T(1);
      if (kind == ConstraintKind::max_norm) desired = clipped_max;
      if (kind == ConstraintKind::min_max_norm) desired = rate * clipped + (T(1) - rate) * norm;
      const T factor = desired / (T(1e-7) + norm);
      for (int64_t r = 0; r < reduce; ++r) block[r * inner + j] *= factor;
    }
  }
}
}  // namespace

Status constrain(const OpCall& c) {
  const TensorRef& var = c.in(0);
  const int64_t kind = c.iattr(0), outer = c.iattr(1), reduce = c.iattr(2), inner = c.iattr(3);
  if (kind < 0 || kind > 3) return Status::error("constrain: unknown kind %lld", (long long)kind);
  if (outer < 0 || reduce < 0 || inner < 0 || outer * reduce * inner != var.size())
    return Status::error("constrain: (outer, reduce, inner) does not cover the variable");
  const auto k = static_cast<ConstraintKind>(kind);
  switch (var.dtype) {
    case DType::f32:
      constrain_loop<float>(var.ptr<float>(), k, outer, reduce, inner, float(c.fattr(0)),
                            float(c.fattr(1)), float(c.fattr(2)));
      return Status::success();
    case DType::f64:
      constrain_loop<double>(var.ptr<double>(), k, outer, reduce, inner, c.fattr(0), c.fattr(1),
                             c.fattr(2));
      return Status::success();
    default: return unsupported("constrain", var.dtype);
  }
}

}  // namespace fk::kernels
