// bias_add and the softmax family along one axis. The softmax ops view the input as
// (outer, n, inner) with n the softmax axis; the common inner == 1 case walks contiguous
// rows, other axes walk each (outer, inner) line with stride `inner`.
#include <cmath>

#include "common.hpp"
#include "ew.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

// softmax / log_softmax of contiguous float32 rows (rows, n): the row max and shift per row,
// then one vector exp (the activations' one-factor exp, ~1 ulp from libm's: its arguments are
// <= 0) over a block of rows instead of a libm call per element (4096 x 10 rows: 381 -> ~40
// us), then the sums (double) as Line does.
// Rows of n <= kSoftmaxScratch floats.
constexpr int64_t kSoftmaxScratch = 2048;
constexpr int64_t kParallelSoftmax = 1 << 14;  // elements; below, a split costs more

void softmax_rows_f32(Op op, const float* x, float* y, int64_t rows, int64_t n) {
  alignas(64) float shifted[kSoftmaxScratch];
  const int64_t per = kSoftmaxScratch / n;
  for (int64_t r0 = 0; r0 < rows; r0 += per) {
    const int64_t nr = rows - r0 < per ? rows - r0 : per;
    const float* xb = x + r0 * n;
    float* yb = y + r0 * n;
    for (int64_t r = 0; r < nr; ++r) {
      const float* xr = xb + r * n;
      float m = xr[0];  // max_nan without its branch (random data mispredicts it)
      bool nan = false;
      for (int64_t i = 1; i < n; ++i) {
        m = xr[i] > m ? xr[i] : m;
        nan |= xr[i] != xr[i];
      }
      if (nan) m = __builtin_nanf("");
      for (int64_t i = 0; i < n; ++i) shifted[r * n + i] = xr[i] - m;
    }
    ew::table().exp_nonpositive(shifted, yb, nr * n);
    for (int64_t r = 0; r < nr; ++r) {
      float* yr = yb + r * n;
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += yr[i];
      if (op == Op::softmax) {
        const float s = static_cast<float>(sum);
        for (int64_t i = 0; i < n; ++i) yr[i] /= s;
      } else {  // (x - max) - log(sum)
        const float lse = std::log(static_cast<float>(sum));
        for (int64_t i = 0; i < n; ++i) yr[i] = shifted[r * n + i] - lse;
      }
    }
  }
}

// One softmax-family line: n elements at stride s. y is the forward output for the grads.
template <class T>
struct Line {
  int64_t n, s;
  T& at(T* p, int64_t i) const { return p[i * s]; }
  T at(const T* p, int64_t i) const { return p[i * s]; }

  T max(const T* x) const {
    T m = at(x, 0);
    for (int64_t i = 1; i < n; ++i) m = max_nan(m, at(x, i));
    return m;
  }
  // exp(x - max) into y, returns their sum (double accumulation).
  double exp_shifted(const T* x, T* y, T m) const {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T e = std::exp(at(x, i) - m);
      at(y, i) = e;
      sum += e;
    }
    return sum;
  }

  void softmax(const T* x, T* y) const {
    const T sum = T(exp_shifted(x, y, max(x)));
    for (int64_t i = 0; i < n; ++i) at(y, i) /= sum;
  }
  void log_softmax(const T* x, T* y) const {
    const T m = max(x);
    const T lse = std::log(T(exp_shifted(x, y, m)));  // y is scratch here
    for (int64_t i = 0; i < n; ++i) at(y, i) = (at(x, i) - m) - lse;
  }
  // y * (g - sum(g * y))
  void softmax_grad(const T* y, const T* g, T* dx) const {
    double dot = 0;
    for (int64_t i = 0; i < n; ++i) dot += double(at(g, i) * at(y, i));
    const T d = T(dot);
    for (int64_t i = 0; i < n; ++i) at(dx, i) = at(y, i) * (at(g, i) - d);
  }
  // g - exp(y) * sum(g), y = log_softmax(x)
  void log_softmax_grad(const T* y, const T* g, T* dx) const {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += at(g, i);
    const T s = T(sum);
    for (int64_t i = 0; i < n; ++i) at(dx, i) = at(g, i) - std::exp(at(y, i)) * s;
  }
};

template <class T>
Status softmax_typed(const OpCall& c, int axis) {
  const TensorRef& x = c.in(0);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= x.dims[i];
  for (int i = axis + 1; i < x.ndim; ++i) inner *= x.dims[i];
  const int64_t n = x.ndim ? x.dims[axis] : 1;
  if (outer * n * inner == 0) return Status::success();
  if constexpr (std::is_same_v<T, float>) {
    if (inner == 1 && (c.op == Op::softmax || c.op == Op::log_softmax) && n <= kSoftmaxScratch) {
      // Rows are independent: big batches (predict) split them over the threads.
      const int parts = outer * n >= kParallelSoftmax ? threads::num_threads() : 1;
      threads::parallel_for(parts, [&](int t) {
        int64_t r0, r1;
        threads::split(outer, 1, parts, t, &r0, &r1);
        softmax_rows_f32(c.op, c.in(0).ptr<float>() + r0 * n, c.out(0).ptr<float>() + r0 * n,
                         r1 - r0, n);
      });
      return Status::success();
    }
  }
  const Line<T> line{n, inner};
  const T* a = c.in(0).ptr<T>();
  const T* g = c.op == Op::softmax_grad || c.op == Op::log_softmax_grad ? c.in(1).ptr<T>() : nullptr;
  T* y = c.out(0).ptr<T>();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t off = o * n * inner + j;
      switch (c.op) {
        case Op::softmax: line.softmax(a + off, y + off); break;
        case Op::log_softmax: line.log_softmax(a + off, y + off); break;
        case Op::softmax_grad: line.softmax_grad(a + off, g + off, y + off); break;
        case Op::log_softmax_grad: line.log_softmax_grad(a + off, g + off, y + off); break;
        default: return Status::error("softmax: %s is not a softmax op", op_name(c.op));
      }
    }
  }
  return Status::success();
}

}  // namespace

Status bias_add(const OpCall& c) {
  const TensorRef &x = c.in(0), &b = c.in(1), &y = c.out(0);
  const int64_t cols = b.size();  // x: (rows, cols), b: (cols,)
  const int64_t rows = cols ? x.size() / cols : 0;
  return with_float("bias_add", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.ptr<T>();
    const T* pb = b.ptr<T>();
    T* py = y.ptr<T>();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < cols; ++j) py[r * cols + j] = px[r * cols + j] + pb[j];
    return Status::success();
  });
}

Status softmax_family(const OpCall& c) {
  const int64_t axis = c.iattr(0);
  const int ndim = c.in(0).ndim;
  if (axis < 0 || (ndim > 0 && axis >= ndim) || (ndim == 0 && axis != 0))
    return Status::error("%s: axis %lld out of range for rank %d", op_name(c.op),
                         (long long)axis, ndim);
  return with_float(op_name(c.op), c.in(0).dtype, [&](auto tag) {
    return softmax_typed<decltype(tag)>(c, static_cast<int>(axis));
  });
}

}  // namespace fk::kernels
