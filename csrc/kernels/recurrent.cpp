// Recurrent cells (graph/primitives/recurrent.py): one LSTM / GRU timestep and its gradient
// as one pass over each batch row, in place of the scan body's chain of slices, activations
// and products; the step writes its activations, which its gradient reads (no
// transcendental twice). The gate activations run through the vector functions the elementwise
// programs use (float32: the ISA copy's vmath; float64: libm), so a fused step gives the
// bits of the composite it replaces; the per-unit formulas are fastkeras/scalar.hpp's, which
// a CUDA kernel can share. Rows are independent: a large batch splits them over threads.
#include <algorithm>
#include <vector>

#include "common.hpp"
#include "ew.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

constexpr int32_t kOpSigmoid = static_cast<int32_t>(Op::sigmoid);
constexpr int32_t kOpTanh = static_cast<int32_t>(Op::tanh);
// Gate elements a thread must have before a step splits its rows (a dispatch costs ~1 us,
// a gate element a few ns).
constexpr int64_t kRowsWorkPerThread = 16384;

// y = act(x) over n contiguous values, as an elementwise program instruction computes it.
inline void act(int32_t op, const float* x, float* y, int64_t n) {
  ew::table().program_op(op, x, nullptr, y, n);
}
inline void act(int32_t op, const double* x, double* y, int64_t n) {
  program_op_f64(op, x, nullptr, y, n);
}

// Row r of operand k of a call, whose operand k holds `width` blocks of u per row.
template <class T>
struct Rows {
  const OpCall& c;
  int64_t u;
  const T* in(int k, int64_t r, int width) const { return c.in(k).ptr<T>() + r * width * u; }
  T* out(int k, int64_t r, int width) const { return c.out(k).ptr<T>() + r * width * u; }
};

// One LSTM row: z = x + inner into scratch (4u), the activations into a (5u): the gates
// i, f, g, o, then tanh(c).
template <class T>
void lstm_row(const T* __restrict x, const T* __restrict inner, const T* __restrict cp,
              int64_t u, T* __restrict h, T* __restrict c, T* __restrict a, T* __restrict z) {
  for (int64_t j = 0; j < 4 * u; ++j) z[j] = x[j] + inner[j];
  act(kOpSigmoid, z, a, 2 * u);
  act(kOpTanh, z + 2 * u, a + 2 * u, u);
  act(kOpSigmoid, z + 3 * u, a + 3 * u, u);
  for (int64_t j = 0; j < u; ++j) c[j] = scalar::lstm_state(a[j], a[u + j], a[2 * u + j], cp[j]);
  act(kOpTanh, c, a + 4 * u, u);
  for (int64_t j = 0; j < u; ++j) h[j] = a[3 * u + j] * a[4 * u + j];
}

template <class T>
void lstm_rows(const Rows<T>& k, int64_t r0, int64_t r1, T* scratch) {
  for (int64_t r = r0; r < r1; ++r)
    lstm_row(k.in(0, r, 4), k.in(1, r, 4), k.in(2, r, 1), k.u, k.out(0, r, 1), k.out(1, r, 1),
             k.out(2, r, 5), scratch);
}

template <class T>
void lstm_grad_rows(const Rows<T>& k, int64_t r0, int64_t r1, T*) {
  const int64_t u = k.u;
  for (int64_t r = r0; r < r1; ++r) {
    const T *__restrict a = k.in(0, r, 5), *__restrict cp = k.in(1, r, 1),
            *__restrict dh = k.in(2, r, 1), *__restrict dc = k.in(3, r, 1);
    T* __restrict dz = k.out(0, r, 4);
    T* __restrict dcp = k.out(1, r, 1);
    for (int64_t j = 0; j < u; ++j)
      scalar::lstm_state_grad(a[j], a[u + j], a[2 * u + j], a[3 * u + j], a[4 * u + j], cp[j],
                              dh[j], dc[j], dz + j, dz + u + j, dz + 2 * u + j, dz + 3 * u + j,
                              dcp + j);
  }
}

// One GRU row: the activations z, r and the candidate hh into a (3u); p (2u) holds the
// pre-activations.
template <class T>
void gru_row(const T* __restrict x, const T* __restrict inner, const T* __restrict hp,
             int64_t u, T* __restrict h, T* __restrict a, T* __restrict p) {
  for (int64_t j = 0; j < 2 * u; ++j) p[j] = x[j] + inner[j];
  act(kOpSigmoid, p, a, 2 * u);
  for (int64_t j = 0; j < u; ++j) p[j] = x[2 * u + j] + a[u + j] * inner[2 * u + j];
  act(kOpTanh, p, a + 2 * u, u);
  for (int64_t j = 0; j < u; ++j) h[j] = scalar::gru_state(a[j], a[2 * u + j], hp[j]);
}

template <class T>
void gru_rows(const Rows<T>& k, int64_t r0, int64_t r1, T* scratch) {
  for (int64_t r = r0; r < r1; ++r)
    gru_row(k.in(0, r, 3), k.in(1, r, 3), k.in(2, r, 1), k.u, k.out(0, r, 1), k.out(1, r, 3),
            scratch);
}

template <class T>
void gru_grad_rows(const Rows<T>& k, int64_t r0, int64_t r1, T*) {
  const int64_t u = k.u;
  for (int64_t r = r0; r < r1; ++r) {
    const T *__restrict a = k.in(0, r, 3), *__restrict inner = k.in(1, r, 3),
            *__restrict hp = k.in(2, r, 1), *__restrict dh = k.in(3, r, 1);
    T *__restrict dx = k.out(0, r, 3), *__restrict di = k.out(1, r, 3);
    T* __restrict dhp = k.out(2, r, 1);
    for (int64_t j = 0; j < u; ++j)
      scalar::gru_state_grad(a[j], a[u + j], a[2 * u + j], inner[2 * u + j], hp[j], dh[j],
                             dx + j, dx + u + j, dx + 2 * u + j, dhp + j);
    for (int64_t j = 0; j < u; ++j) {
      di[j] = dx[j];
      di[u + j] = dx[u + j];
      di[2 * u + j] = dx[2 * u + j] * a[u + j];
    }
  }
}

template <class T>
Status run_cell(const OpCall& c) {
  // The units: the width of c_prev (lstm_cell: input 2, its grad: 1) or h_prev (input 2).
  const int64_t batch = c.in(0).dims[0], u = c.in(c.op == Op::lstm_cell_grad ? 1 : 2).dims[1];
  if (batch == 0 || u == 0) return Status::success();
  const Rows<T> k{c, u};
  auto rows = [&](int64_t r0, int64_t r1, T* scratch) {
    switch (c.op) {
      case Op::lstm_cell: lstm_rows(k, r0, r1, scratch); break;
      case Op::lstm_cell_grad: lstm_grad_rows(k, r0, r1, scratch); break;
      case Op::gru_cell: gru_rows(k, r0, r1, scratch); break;
      default: gru_grad_rows(k, r0, r1, scratch); break;
    }
  };
  const int64_t work = batch * 5 * u;
  const int parts = static_cast<int>(
      std::min<int64_t>({threads::num_threads(), batch, work / kRowsWorkPerThread + 1}));
  const int64_t scratch_len = 4 * u;  // the pre-activations of a row
  if (parts <= 1) {
    std::vector<T> scratch(scratch_len);
    rows(0, batch, scratch.data());
    return Status::success();
  }
  std::vector<T> scratch(scratch_len * parts);
  threads::parallel_for(parts, [&](int t) {
    int64_t r0, r1;
    threads::split(batch, 1, parts, t, &r0, &r1);
    rows(r0, r1, scratch.data() + t * scratch_len);
  });
  return Status::success();
}

}  // namespace

// lstm_cell (x, inner, c_prev) -> (h, c, acts); lstm_cell_grad (acts, c_prev, dh, dc) ->
// (dz, dc_prev); gru_cell (x, inner, h_prev) -> (h, acts); gru_cell_grad (acts, inner,
// h_prev, dh) -> (dx, dinner, dh_prev).
// No attributes; shapes checked by shapes.cpp.
Status recurrent_cell(const OpCall& c) {
  return with_float(op_name(c.op), c.in(0).dtype, [&](auto tag) {
    return run_cell<decltype(tag)>(c);
  });
}

}  // namespace fk::kernels
