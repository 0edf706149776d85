// max_pool and max_pool_grad (graph/primitives/pooling.py) over channels_last operands with
// any number of spatial axes, seen as (N, S, C): S the flattened spatial positions. Each
// output position's window is listed once per call (its flat input positions, -1 where
// padded), and the channel loops over one window are the ISA-dispatched window_max /
// window_route (pool_windows.inc). max_pool runs (sample, output position) units split over
// threads. max_pool_grad, given the windows (the forward's pool geometry) and where they
// never overlap (strides >= pool size), writes each window's rows of dx once, the argmax
// position's dy and zeros elsewhere; otherwise (or for a sample whose argmax leaves its
// window) it zeroes the sample's dx and adds dy into the argmax positions. Samples split
// over threads (windows of one sample may overlap, samples never do).
#include <algorithm>
#include <atomic>
#include <vector>

#include "common.hpp"
#include "ew.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

constexpr int64_t kParallelElems = 32768;  // below this many input elements: one thread

// The windows of a pooling over `n` spatial axes: flat (positions, offsets) int32, each
// output position's window in row-major order, -1 for a padded position.
struct Windows {
  int64_t positions = 1, offsets = 1, in_size = 1;  // prod(out), prod(k), prod(in)
  bool disjoint = true;  // strides >= pool size on every axis: no position in two windows
  bool covering = true;  // every input position is in some window
  std::vector<int32_t> flat;
};

// ints (k.., s.., before..) of n axes; in / out the spatial dims of x / y.
Windows windows(int n, const int64_t* ints, const int64_t* in, const int64_t* out) {
  Windows w;
  for (int a = 0; a < n; ++a) {
    const int64_t k = ints[a], s = ints[n + a], before = ints[2 * n + a];
    w.positions *= out[a];
    w.offsets *= k;
    w.in_size *= in[a];
    w.disjoint = w.disjoint && s >= k;
    // covered: the last window ends at or past the input's end and the gaps are none
    w.covering = w.covering && s <= k && before == 0 && (out[a] - 1) * s + k >= in[a];
  }
  w.flat.resize(w.positions * w.offsets);
  for (int64_t o = 0; o < w.positions; ++o) {
    int64_t start[kMaxDims], rest = o;
    for (int a = n - 1; a >= 0; --a) {  // the output position's window start per axis
      start[a] = (rest % out[a]) * ints[n + a] - ints[2 * n + a];
      rest /= out[a];
    }
    int64_t idx[kMaxDims] = {};  // the window offset, an odometer over k
    for (int64_t j = 0; j < w.offsets; ++j) {
      int64_t flat = 0;
      bool inside = true;
      for (int a = 0; a < n; ++a) {
        const int64_t p = start[a] + idx[a];
        inside = inside && p >= 0 && p < in[a];
        flat = flat * in[a] + p;
      }
      for (int a = n - 1; a >= 0 && ++idx[a] == ints[a]; --a) idx[a] = 0;
      w.flat[o * w.offsets + j] = inside ? static_cast<int32_t>(flat) : -1;
    }
  }
  return w;
}

int parts_for(int64_t elems, int64_t units) {
  if (elems < kParallelElems) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads::num_threads(), units)));
}

template <class T>
auto window_max_fn() {
  if constexpr (sizeof(T) == sizeof(float)) return ew::table().window_max_f32;
  else return ew::table().window_max_f64;
}

template <class T>
auto window_route_fn() {
  if constexpr (sizeof(T) == sizeof(float)) return ew::table().window_route_f32;
  else return ew::table().window_route_f64;
}

// dx of one sample: zeros, dy (positions, C) added into the argmax positions; false when an
// index is outside [0, size) (skipped: nothing is written outside dx).
template <class T>
bool scatter_sample(const T* g, const int32_t* a, T* d, int64_t positions, int64_t size,
                    int64_t channels) {
  std::fill(d, d + size * channels, T(0));
  bool ok = true;
  for (int64_t i = 0; i < positions * channels; i += channels)
    for (int64_t ch = 0; ch < channels; ++ch) {
      const int32_t p = a[i + ch];
      if (p < 0 || p >= size) {
        ok = false;
        continue;
      }
      d[p * channels + ch] += g[i + ch];
    }
  return ok;
}

}  // namespace

// x (N, *in, C) -> y (N, *out, C), argmax (N, *out, C) int32; ints (k.., s.., before.., after..).
Status max_pool(const OpCall& c) {
  const TensorRef &x = c.in(0), &y = c.out(0), &arg = c.out(1);
  const int n = x.ndim - 2;
  const Windows w = windows(n, c.ints, x.dims + 1, y.dims + 1);
  const int64_t channels = x.dims[x.ndim - 1];
  const int64_t units = x.dims[0] * w.positions;
  return with_float("max_pool", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto window_max = window_max_fn<T>();
    const int parts = parts_for(x.size(), units);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(units, 1, parts, t, &lo, &hi);
      int64_t sample = lo / w.positions, o = lo % w.positions;
      for (int64_t u = lo; u < hi; ++u) {
        window_max(x.ptr<T>() + sample * w.in_size * channels, w.flat.data() + o * w.offsets,
                   w.offsets, channels, y.ptr<T>() + u * channels,
                   arg.ptr<int32_t>() + u * channels);
        if (++o == w.positions) o = 0, ++sample;
      }
    });
    return Status::success();
  });
}

// dy (N, *out, C), argmax (N, *out, C) int32 -> dx (N, *in, C): zeros, dy summed into the
// argmax positions; ints: none, or the forward's (k.., s.., before..). An index outside
// [0, prod(in)) is an IndexError (nothing is written outside dx).
Status max_pool_grad(const OpCall& c) {
  const TensorRef &dy = c.in(0), &arg = c.in(1), &dx = c.out(0);
  const int n = dy.ndim - 2;
  const int64_t batch = dy.dims[0], channels = dy.dims[dy.ndim - 1];
  const int64_t positions = batch && channels ? dy.size() / (batch * channels) : 0;
  const int64_t size = batch && channels ? dx.size() / (batch * channels) : 0;
  Windows w;
  const bool route = c.n_ints == 3 * n && batch && channels &&
                     (w = windows(n, c.ints, dx.dims + 1, dy.dims + 1)).disjoint;
  return with_float("max_pool_grad", dy.dtype, [&](auto tag) {
    using T = decltype(tag);
    const auto window_route = window_route_fn<T>();
    std::atomic<bool> bad{false};
    const int parts = parts_for(dx.size(), batch);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(batch, 1, parts, t, &lo, &hi);
      for (int64_t s = lo; s < hi; ++s) {
        T* d = dx.ptr<T>() + s * size * channels;
        const T* g = dy.ptr<T>() + s * positions * channels;
        const int32_t* a = arg.ptr<int32_t>() + s * positions * channels;
        bool routed = route;
        if (route) {
          if (!w.covering) std::fill(d, d + size * channels, T(0));
          for (int64_t o = 0; o < positions && routed; ++o)
            routed = window_route(g + o * channels, a + o * channels,
                                  w.flat.data() + o * w.offsets, w.offsets, channels, d);
        }
        if (!routed && !scatter_sample(g, a, d, positions, size, channels))
          bad.store(true, std::memory_order_relaxed);
      }
    });
    if (bad.load())
      return Status::index_error("max_pool_grad: an argmax index is outside [0, %lld)",
                                 (long long)size);
    return Status::success();
  });
}

}  // namespace fk::kernels
