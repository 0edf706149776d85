// im2col and col2im (graph/primitives/windows.py) over channels_last operands with any
// number of spatial axes. A patch row (one sample, one output position) is K * C values,
// kernel offsets major. The work goes line by line (a line: the rows along the last output
// axis at one position of the others): the bounds of all but the last axis are worked out
// once per line, the last axis' once per row. Along the last kernel axis with dilation 1
// the offsets read neighbouring input positions, so a row is copied (im2col) or added back
// (col2im) as runs of `len * C` contiguous values, one loop a run, in memory order. Narrow
// runs (few channels: a 3x3 kernel on one channel copies 3 values a run) would spend more
// on the bookkeeping than on the copy, so the rows whose windows lie inside the input go
// column by column instead (one strided loop per kernel offset and channel), and only the
// edge rows run by run. im2col splits the (sample, line) units over threads (each writes its
// own rows); col2im splits the samples (windows of one sample overlap, samples never do).
// Offsets are int64 throughout.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "common.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

constexpr int64_t kParallelElems = 32768;  // below this many patch elements: one thread
constexpr int64_t kNarrowRun = 16;  // runs of at most this many values: copied column-wise

struct WindowGeometry {
  int n = 0;  // spatial axes
  int64_t in[kMaxDims], out[kMaxDims], k[kMaxDims], s[kMaxDims], d[kMaxDims], before[kMaxDims];
  int64_t channels = 0, offsets = 1, in_size = 1;  // prod(k), prod(in)
  int64_t lines = 1;  // output positions along all but the last spatial axis: prod(out[:-1])
  int64_t row_len() const { return offsets * channels; }
  int64_t line_rows() const { return out[n - 1]; }
};

// image (N, *in, C) and patches (N, *out, K * C); ints (k.., s.., d.., before.., after..).
WindowGeometry geometry(const OpCall& c, const TensorRef& image, const TensorRef& patches) {
  WindowGeometry g;
  g.n = image.ndim - 2;
  g.channels = image.dims[image.ndim - 1];
  for (int a = 0; a < g.n; ++a) {
    g.in[a] = image.dims[a + 1];
    g.out[a] = patches.dims[a + 1];
    g.k[a] = c.iattr(a);
    g.s[a] = c.iattr(g.n + a);
    g.d[a] = c.iattr(2 * g.n + a);
    g.before[a] = c.iattr(3 * g.n + a);
    g.offsets *= g.k[a];
    g.in_size *= g.in[a];
    if (a < g.n - 1) g.lines *= g.out[a];
  }
  return g;
}

// A line (one output position on every spatial axis but the last) as per-axis coordinates,
// stepped in row-major order: an odometer, no divisions per line.
struct Line {
  int64_t o[kMaxDims] = {};
  Line(const WindowGeometry& g, int64_t flat) {
    for (int a = g.n - 2; a >= 0; --a) {
      o[a] = flat % g.out[a];
      flat /= g.out[a];
    }
  }
  void next(const WindowGeometry& g) {
    for (int a = g.n - 2; a >= 0 && ++o[a] == g.out[a]; --a) o[a] = 0;
  }
};

// The flat position of each outer kernel offset (all axes but the last) at one line, times
// the last axis' length, or -1 where it is padding: bases[prod(k[:-1])], once per line.
inline void line_bases(const WindowGeometry& g, const Line& line, int64_t* bases) {
  const int last = g.n - 1;
  int64_t idx[kMaxDims] = {};  // the outer kernel offset, an odometer over k[0 .. last-1]
  for (int64_t j = 0; j < g.offsets / g.k[last]; ++j) {
    int64_t base = 0;
    bool inside = true;
    for (int a = 0; a < last; ++a) {
      const int64_t p = line.o[a] * g.s[a] - g.before[a] + idx[a] * g.d[a];
      inside = inside && p >= 0 && p < g.in[a];
      base = base * g.in[a] + p;
    }
    for (int a = last - 1; a >= 0 && ++idx[a] == g.k[a]; --a) idx[a] = 0;
    bases[j] = inside ? base * g.in[last] : -1;
  }
}

// Calls run(row, col, flat, len) over the patch rows [row_begin, row_end) of one line (its
// line_bases) in memory order (row: the output position along the last axis): patch
// columns [col * C, (col + len) * C) of that row hold the input positions flat .. flat +
// len - 1 of the sample (contiguous), or padding when flat < 0. A row's in-range span along
// the last axis is worked out once per row, not per kernel offset.
template <class Run>
inline void visit_rows(const WindowGeometry& g, const int64_t* bases, int64_t row_begin,
                       int64_t row_end, Run&& run) {
  const int last = g.n - 1;
  const int64_t k_last = g.k[last], d_last = g.d[last], len_last = g.in[last];
  const int64_t outer = g.offsets / k_last;
  for (int64_t row = row_begin; row < row_end; ++row) {
    const int64_t p0 = row * g.s[last] - g.before[last];
    // dilation 1: one run of in-range offsets [lo, hi), padding either side
    const int64_t lo = d_last == 1 ? std::clamp<int64_t>(-p0, 0, k_last) : 0;
    const int64_t hi = d_last == 1 ? std::clamp<int64_t>(len_last - p0, lo, k_last) : 0;
    for (int64_t j = 0, col = 0; j < outer; ++j, col += k_last) {
      const int64_t base = bases[j];
      if (base < 0) {
        run(row, col, int64_t(-1), k_last);
      } else if (d_last == 1) {
        if (lo > 0) run(row, col, int64_t(-1), lo);
        if (hi > lo) run(row, col + lo, base + p0 + lo, hi - lo);
        if (hi < k_last) run(row, col + hi, int64_t(-1), k_last - hi);
      } else {
        for (int64_t i = 0; i < k_last; ++i) {
          const int64_t p = p0 + i * d_last;
          run(row, col + i, p >= 0 && p < len_last ? base + p : int64_t(-1), 1);
        }
      }
    }
  }
}

// The rows of a line whose windows lie inside the input along the last axis: [lo, hi).
inline void interior_rows(const WindowGeometry& g, int64_t* lo, int64_t* hi) {
  const int last = g.n - 1;
  const int64_t s = g.s[last], rows = g.out[last];
  const int64_t room = g.in[last] + g.before[last] - (g.d[last] * (g.k[last] - 1) + 1);
  *lo = std::min(rows, (g.before[last] + s - 1) / s);  // p0 >= 0
  *hi = room < 0 ? *lo : std::max(*lo, std::min(rows, room / s + 1));  // window end <= len
}

// A line's interior rows column by column: for each kernel offset and channel, a strided
// loop over the rows, copying the sample's values into the patches (im2col) or adding the
// patches back (col2im, kBack). For narrow runs (a 3x3 kernel on one channel: 3 values a
// run) this beats a call a run, whose bookkeeping would cost more than its copy.
template <bool kBack, class T>
void interior_columns(const WindowGeometry& g, const int64_t* bases,
                      std::conditional_t<kBack, T*, const T*> sample,  // written by col2im
                      std::conditional_t<kBack, const T*, T*> rows,    // written by im2col
                      int64_t row_lo, int64_t row_hi) {
  const int last = g.n - 1;
  const int64_t k_last = g.k[last], C = g.channels, row_len = g.offsets * C;
  const int64_t step = g.s[last] * C, count = row_hi - row_lo;
  for (int64_t j = 0, col = 0; col < g.offsets; ++j, col += k_last) {
    if (bases[j] < 0) {  // padding: zeros in the patches, nothing to add back
      if constexpr (!kBack)
        for (int64_t row = row_lo; row < row_hi; ++row)
          std::fill(rows + row * row_len + col * C, rows + row * row_len + (col + k_last) * C,
                    T(0));
      continue;
    }
    if constexpr (!kBack) {
      if (g.d[last] == 1) {  // row by row: each row's k_last * C values are contiguous
        const int64_t run = k_last * C;
        const T* __restrict image = sample + (bases[j] + row_lo * g.s[last] - g.before[last]) * C;
        T* __restrict patch = rows + row_lo * row_len + col * C;
        for (int64_t r = 0; r < count; ++r)
          for (int64_t i = 0; i < run; ++i) patch[r * row_len + i] = image[r * step + i];
        continue;
      }
    }
    for (int64_t i = 0; i < k_last; ++i)
      for (int64_t c = 0; c < C; ++c) {
        auto* __restrict image = sample + (bases[j] + row_lo * g.s[last] - g.before[last] +
                                        i * g.d[last]) * C + c;
        auto* __restrict patch = rows + row_lo * row_len + (col + i) * C + c;
        for (int64_t r = 0; r < count; ++r) {
          if constexpr (kBack)
            image[r * step] += patch[r * row_len];
          else
            patch[r * row_len] = image[r * step];
        }
      }
  }
}

int parts_for(int64_t elems, int64_t units) {
  if (elems < kParallelElems) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads::num_threads(), units)));
}

}  // namespace

// x (N, *in, C) -> patches (N, *out, K * C): each line's runs copied, padding zero-filled;
// the (sample, line) units split over threads.
Status im2col(const OpCall& c) {
  const TensorRef &x = c.in(0), &patches = c.out(0);
  const WindowGeometry g = geometry(c, x, patches);
  const int64_t units = x.dims[0] * g.lines, row_len = g.row_len(), C = g.channels;
  return with_float("im2col", x.dtype, [&](auto tag) {
    using T = decltype(tag);
    const int parts = parts_for(patches.size(), units);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(units, 1, parts, t, &lo, &hi);
      if (lo >= hi) return;
      std::vector<int64_t> bases(g.offsets / g.k[g.n - 1]);
      // Narrow runs: the interior rows column by column, the edge rows run by run.
      int64_t row_lo = 0, row_hi = 0;
      if (g.k[g.n - 1] * C <= kNarrowRun) interior_rows(g, &row_lo, &row_hi);
      Line line(g, lo % g.lines);
      for (int64_t u = lo; u < hi; ++u, line.next(g)) {
        const T* __restrict xs = x.ptr<T>() + (u / g.lines) * g.in_size * C;
        T* __restrict rows = patches.ptr<T>() + u * g.line_rows() * row_len;
        auto copy_run = [&](int64_t row, int64_t col, int64_t flat, int64_t len) {
          T* __restrict to = rows + row * row_len + col * C;
          if (flat < 0) {
            std::fill(to, to + len * C, T(0));
          } else {
            const T* __restrict from = xs + flat * C;
            for (int64_t i = 0; i < len * C; ++i) to[i] = from[i];
          }
        };
        line_bases(g, line, bases.data());
        visit_rows(g, bases.data(), 0, row_lo, copy_run);
        interior_columns<false, T>(g, bases.data(), xs, rows, row_lo, row_hi);
        visit_rows(g, bases.data(), row_hi, g.line_rows(), copy_run);
      }
    });
    return Status::success();
  });
}

// patches (N, *out, K * C) -> dx (N, *in, C): zeros, every in-range run added back; samples
// split over threads (a sample's windows overlap, samples never do).
Status col2im(const OpCall& c) {
  const TensorRef &patches = c.in(0), &dx = c.out(0);
  const WindowGeometry g = geometry(c, dx, patches);
  const int64_t batch = dx.dims[0], row_len = g.row_len(), C = g.channels;
  return with_float("col2im", dx.dtype, [&](auto tag) {
    using T = decltype(tag);
    const int parts = parts_for(patches.size(), batch);
    threads::parallel_for(parts, [&](int t) {
      int64_t lo, hi;
      threads::split(batch, 1, parts, t, &lo, &hi);
      std::vector<int64_t> bases(g.offsets / g.k[g.n - 1]);
      int64_t row_lo = 0, row_hi = 0;  // as im2col's
      if (g.k[g.n - 1] * C <= kNarrowRun) interior_rows(g, &row_lo, &row_hi);
      for (int64_t n = lo; n < hi; ++n) {
        T* __restrict d = dx.ptr<T>() + n * g.in_size * C;
        std::fill(d, d + g.in_size * C, T(0));
        Line line(g, 0);
        for (int64_t l = 0; l < g.lines; ++l, line.next(g)) {
          const T* __restrict rows =
              patches.ptr<T>() + (n * g.lines + l) * g.line_rows() * row_len;
          auto add_run = [&](int64_t row, int64_t col, int64_t flat, int64_t len) {
            if (flat < 0) return;
            T* __restrict to = d + flat * C;
            const T* __restrict from = rows + row * row_len + col * C;
            for (int64_t i = 0; i < len * C; ++i) to[i] += from[i];
          };
          line_bases(g, line, bases.data());
          visit_rows(g, bases.data(), 0, row_lo, add_run);
          interior_columns<true, T>(g, bases.data(), d, rows, row_lo, row_hi);
          visit_rows(g, bases.data(), row_hi, g.line_rows(), add_run);
        }
      }
    });
    return Status::success();
  });
}

}  // namespace fk::kernels
