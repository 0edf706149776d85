// max_pool and max_pool_grad (graph/primitives/pooling.py) over channels_last operands with
// any number of spatial axes, seen as (N, S, C): S the flattened spatial positions.
// max_pool runs one (sample, output position) unit at a time, its window's offsets in
// row-major order, the channels as the vectorised inner loop (the first maximum is kept,
// a NaN wins; padding is skipped); units are split over threads. max_pool_grad zeroes a
// sample's dx and adds dy into the argmax positions, samples split over threads (windows
// of one sample may overlap, samples never do).
#include <algorithm>
#include <atomic>
#include <cstring>

#include "common.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

constexpr int64_t kParallelElems = 32768;  // below this many input elements: one thread

struct PoolGeometry {
  int n = 0;  // spatial axes
  int64_t in[kMaxDims], out[kMaxDims], k[kMaxDims], s[kMaxDims], before[kMaxDims];
  int64_t positions = 1, offsets = 1;  // prod(out), prod(k)
};

PoolGeometry geometry(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0);
  PoolGeometry g;
  g.n = x.ndim - 2;
  for (int a = 0; a < g.n; ++a) {
    g.in[a] = x.dims[a + 1];
    g.out[a] = y.dims[a + 1];
    g.k[a] = c.iattr(a);
    g.s[a] = c.iattr(g.n + a);
    g.before[a] = c.iattr(2 * g.n + a);
    g.positions *= g.out[a];
    g.offsets *= g.k[a];
  }
  return g;
}

// best = max(best, v) per channel, the first maximum kept and a NaN winning; arg follows.
template <class T>
inline void take_max(const T* __restrict v, T* __restrict best, int32_t* __restrict arg,
                     int32_t pos, int64_t channels) {
  for (int64_t c = 0; c < channels; ++c) {
    const T a = v[c], b = best[c];
    const bool wins = a > b || (a != a && b == b);
    best[c] = wins ? a : b;
    arg[c] = wins ? pos : arg[c];
  }
}

// Output units [lo, hi) of the (N * positions) (sample, output position) pairs.
template <class T>
void max_pool_units(const PoolGeometry& g, const T* x, T* y, int32_t* arg, int64_t channels,
                    int64_t lo, int64_t hi) {
  int64_t in_size = 1;
  for (int a = 0; a < g.n; ++a) in_size *= g.in[a];
  for (int64_t u = lo; u < hi; ++u) {
    const int64_t sample = u / g.positions;
    int64_t start[kMaxDims], rest = u % g.positions;
    for (int a = g.n - 1; a >= 0; --a) {  // the output position's window start per axis
      start[a] = (rest % g.out[a]) * g.s[a] - g.before[a];
      rest /= g.out[a];
    }
    const T* xs = x + sample * in_size * channels;
    T* best = y + u * channels;
    int32_t* where = arg + u * channels;
    bool first = true;
    int64_t idx[kMaxDims] = {};  // the window offset, an odometer over k
    for (int64_t j = 0; j < g.offsets; ++j) {
      int64_t flat = 0;
      bool inside = true;
      for (int a = 0; a < g.n; ++a) {
        const int64_t p = start[a] + idx[a];
        inside = inside && p >= 0 && p < g.in[a];
        flat = flat * g.in[a] + p;
      }
      for (int a = g.n - 1; a >= 0 && ++idx[a] == g.k[a]; --a) idx[a] = 0;
      if (!inside) continue;
      const T* v = xs + flat * channels;
      if (first) {
        std::memcpy(best, v, channels * sizeof(T));
        std::fill(where, where + channels, static_cast<int32_t>(flat));
        first = false;
      } else {
        take_max(v, best, where, static_cast<int32_t>(flat), channels);
      }
    }
  }
}

int parts_for(int64_t elems, int64_t units) {
  if (elems < kParallelElems) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads::num_threads(), units)));
}

}  // namespace

// x (N, *in, C) -> y (N, *out, C), argmax (N, *out, C) int32; ints (k.., s.., before.., after..).
Status max_pool(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0), &arg = c.out(1);
  const PoolGeometry g = geometry(c);
  const int64_t channels = x.dims[x.ndim - 1];
  const int64_t units = x.dims[0] * g.positions;
  return with_float("max_pool", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const int parts = parts_for(x.size(), units);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(units, 1, parts, t, &lo, &hi);
      max_pool_units(g, x.ptr<T>(), y.ptr<T>(), arg.ptr<int32_t>(), channels, lo, hi);
    });
    return Status::success();
  });
}

// dy (N, *out, C), argmax (N, *out, C) int32 -> dx (N, *in, C): zeros, dy summed into the
// argmax positions. An index outside [0, prod(in)) is an IndexError (nothing is written
// outside dx).
Status max_pool_grad(const OpCall& c) {
  const TensorRef &dy = c.in(0), &arg = c.in(1), &dx = c.out(0);
  const int64_t batch = dy.dims[0], channels = dy.dims[dy.ndim - 1];
  const int64_t positions = batch && channels ? dy.size() / (batch * channels) : 0;
  const int64_t size = batch && channels ? dx.size() / (batch * channels) : 0;
  return with_float("max_pool_grad", dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    std::atomic<bool> bad{false};
    const int parts = parts_for(dx.size(), batch);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(batch, 1, parts, t, &lo, &hi);
      for (int64_t n = lo; n < hi; ++n) {
        T* d = dx.ptr<T>() + n * size * channels;
        std::fill(d, d + size * channels, T(0));
        const T* g = dy.ptr<T>() + n * positions * channels;
        const int32_t* a = arg.ptr<int32_t>() + n * positions * channels;
        for (int64_t i = 0; i < positions * channels; i += channels)
          for (int64_t ch = 0; ch < channels; ++ch) {
            const int32_t p = a[i + ch];
            if (p < 0 || p >= size) {
              bad.store(true, std::memory_order_relaxed);
              continue;
            }
            d[p * channels + ch] += g[i + ch];
          }
      }
    });
    if (bad.load())
      return Status::index_error("max_pool_grad: an argmax index is outside [0, %lld)",
                                 (long long)size);
    return Status::success();
  });
}

}  // namespace fk::kernels
