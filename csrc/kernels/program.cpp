// elementwise_program (graph/primitives/program.py): a fused chain of elementwise ops run in
// blocks of kBlockBytes per register, so that every live register of a block stays in L1.
// Per block: the inputs are pointed at in place (full-size, same dtype) or gathered into
// a scratch slot (broadcast, bool); each instruction runs one contiguous loop over the
// block (program_ops.inc: the float32 loops are the ISA-dispatched ew table's); a register
// that is an output is computed straight into the output. Scratch slots are assigned by
// liveness, once per call, so a long program needs only as many slots as values alive at
// once. An output may also be the column sums of a register (its sum over every axis but
// the last): accumulated block by block in fixed chunks of blocks, so the bits do not depend
// on the thread count, and the register itself need not be stored (a BatchNorm or bias
// gradient).
#include <algorithm>
#include <cstring>
#include <vector>

#include "common.hpp"
#include "ew.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {

struct CMath {  // float64: libm (program_op_f64: the fused and the unfused float64 loops)
  static void exp(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::exp(x[i]); }
  static void log(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::log(x[i]); }
  static void sqrt(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::sqrt(x[i]); }
  static void sigmoid(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = scalar::sigmoid(x[i]); }
  static void tanh(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]); }
  static void erf(const double* x, double* y, int64_t n) { for (int64_t i = 0; i < n; ++i) y[i] = std::erf(x[i]); }
};

#include "program_ops.inc"

constexpr int32_t kConst = -1;
constexpr int64_t kBlockBytes = 2048;
constexpr int kMaxRegisters = 1024;
// Calls of at least this many blocks (16 K float32 elements) split over the threads.
constexpr int64_t kParallelBlocks = 32;

// Blocks per chunk of a column sum's partial sums.
constexpr int64_t kSumChunkBlocks = 8;

// The encoding of program.py: ints (n_instr, (op, dtype, a, b) per instruction, one code per
// output, the iteration shape as (ndim, dims...)); registers 0..n_in-1 are the inputs,
// n_in + j instruction j's result. An output code r >= 0 stores register r; r <= -2 is the
// column sums of register -r - 2.
struct Program {
  int n_in, n_out;
  int64_t n_instr;
  const int64_t* code;
  const int64_t* outs;
  TensorRef shape;  // the iteration shape (no data)

  explicit Program(const OpCall& c)
      : n_in(c.n_in), n_out(c.n_out), n_instr(c.ints[0]), code(c.ints + 1),
        outs(c.ints + 1 + 4 * c.ints[0]) {
    const int64_t* sh = outs + n_out;
    shape.ndim = static_cast<int32_t>(sh[0]);
    for (int i = 0; i < shape.ndim && i < kMaxDims; ++i) shape.dims[i] = sh[1 + i];
  }
  static bool is_sum(int64_t out_code) { return out_code <= -2; }
  static int64_t sum_reg(int64_t out_code) { return -out_code - 2; }
  int32_t op(int64_t j) const { return static_cast<int32_t>(code[4 * j]); }
  DType dtype(int64_t j) const { return static_cast<DType>(code[4 * j + 1]); }
  int64_t a(int64_t j) const { return code[4 * j + 2]; }
  int64_t b(int64_t j) const { return code[4 * j + 3]; }
  int n_regs() const { return n_in + static_cast<int>(n_instr); }
};

// Whether `op` may be an instruction: cast (program.cpp's own), or a loop of
// program_ops.inc (asked with n = 0, which touches nothing).
bool is_program_op(int32_t op) {
  return op == kOp_cast || program_op_f64(op, nullptr, nullptr, nullptr, 0);
}

// How a block of input k is reached.
enum class Feed { in_place, splat, periodic, general };

template <class T>
struct Run {
  const OpCall& c;
  Program p;
  int64_t n;        // elements of the iteration shape (every output's)
  int64_t block;    // elements per block
  Feed feed[kMaxOperands];
  // Registers [0, n_regs) only (no zero-fill of the rest: a one-row predict runs this
  // every call).
  int32_t slot[kMaxRegisters];  // scratch slot of a register; -1: in place / output
  int32_t out_of[kMaxRegisters];  // output index of a stored register, or -1
  int32_t n_slots = 0;
  // Column sums: register, output index; their partial sums (n_sums, n_chunks, cols).
  int n_sums = 0;
  int64_t sum_reg[kMaxOperands], sum_out[kMaxOperands];
  int64_t cols = 1, n_chunks = 0;
  T* partial = nullptr;

  explicit Run(const OpCall& call)
      : c(call), p(call), n(p.shape.size()),
        block(kBlockBytes / static_cast<int64_t>(sizeof(T))) {}
  // Elements a constant or splat slot needs: a block, or the whole call when smaller.
  int64_t filled() const { return n < block ? n : block; }
};

// The offset in input t of element `g` of the iteration shape `o` it broadcasts to
// (right-aligned).
int64_t broadcast_offset(const TensorRef& t, const TensorRef& o, int64_t g) {
  int64_t off = 0, stride = 1;
  for (int i = o.ndim - 1, j = t.ndim - 1; i >= 0 && j >= 0; --i, --j) {
    const int64_t idx = g % o.dims[i];
    g /= o.dims[i];
    if (t.dims[j] != 1) off += idx * stride;
    stride *= t.dims[j];
  }
  return off;
}

template <class T>
T element_as(const TensorRef& t, int64_t off) {
  if (t.dtype == DType::b8) return t.ptr<uint8_t>()[off] ? T(1) : T(0);
  return t.ptr<T>()[off];
}

// Input t broadcasts along leading axes only (a bias row, a trailing block): element g is
// t's element g mod t.size().
bool periodic(const TensorRef& t, const TensorRef& o) {
  int i = o.ndim - 1, j = t.ndim - 1;
  for (; j >= 0 && t.dims[j] == o.dims[i]; --i, --j) {}
  for (; j >= 0; --j)
    if (t.dims[j] != 1) return false;
  return true;
}

template <class T>
void gather(const Run<T>& r, int k, int64_t start, int64_t len, T* dst) {
  const TensorRef& t = r.c.in(k);
  if (r.feed[k] == Feed::periodic && t.dtype != DType::b8) {
    const int64_t period = t.size();
    const T* src = t.ptr<T>();
    for (int64_t i = 0, pos = start % period; i < len;) {
      const int64_t run = period - pos < len - i ? period - pos : len - i;
      std::memcpy(dst + i, src + pos, static_cast<size_t>(run) * sizeof(T));
      i += run;
      pos = 0;
    }
  } else if (r.feed[k] == Feed::in_place) {  // a full-size bool input
    const uint8_t* src = t.ptr<uint8_t>() + start;
    for (int64_t i = 0; i < len; ++i) dst[i] = src[i] ? T(1) : T(0);
  } else {
    // Row by row of the innermost axis (one offset computed per row, not per element): a
    // run copies t's row, or repeats t's one value where t broadcasts that axis (a column
    // such as LayerNormalization's (rows, 1) statistics).
    const TensorRef& o = r.p.shape;
    const int64_t inner = o.ndim > 0 ? o.dims[o.ndim - 1] : 1;
    const bool has_inner = t.ndim > 0 && t.dims[t.ndim - 1] != 1;
    for (int64_t i = 0, g = start; i < len;) {
      const int64_t col = g % inner;
      const int64_t run = inner - col < len - i ? inner - col : len - i;
      const int64_t off = broadcast_offset(t, o, g);
      if (has_inner && t.dtype != DType::b8) {
        std::memcpy(dst + i, t.ptr<T>() + off, static_cast<size_t>(run) * sizeof(T));
      } else if (has_inner) {
        for (int64_t q = 0; q < run; ++q) dst[i + q] = element_as<T>(t, off + q);
      } else {
        std::fill_n(dst + i, run, element_as<T>(t, off));
      }
      i += run;
      g += run;
    }
  }
}

template <class T>
bool instruction(int32_t op, const T* a, const T* b, T* d, int64_t n) {
  if constexpr (sizeof(T) == 4) {
    return ew::table().program_op(op, a, b, d, n);
  } else {
    return program_op_f64(op, a, b, d, n);
  }
}

// Blocks [b0, b1) of the call, on this thread's scratch.
template <class T>
void run_blocks(const Run<T>& r, int64_t b0, int64_t b1) {
  const OpCall& c = r.c;
  const Program& p = r.p;
  static thread_local std::vector<T> scratch_store;
  const size_t need = static_cast<size_t>(r.n_slots) * static_cast<size_t>(r.block);
  if (scratch_store.size() < need) scratch_store.resize(need);
  T* const scratch = scratch_store.data();
  auto slot_ptr = [&](int32_t s) { return scratch + static_cast<int64_t>(s) * r.block; };
  for (int k = 0; k < p.n_in; ++k)
    if (r.feed[k] == Feed::splat) {
      T v;
      gather(r, k, 0, 1, &v);
      std::fill_n(slot_ptr(r.slot[k]), r.filled(), v);
    }
  for (int64_t j = 0; j < p.n_instr; ++j)
    if (p.op(j) == kConst)
      std::fill_n(slot_ptr(r.slot[p.n_in + j]), r.filled(), static_cast<T>(c.fattr(p.a(j))));

  T* ptr[kMaxRegisters];
  for (int64_t start = b0 * r.block; start < r.n && start < b1 * r.block; start += r.block) {
    const int64_t len = r.n - start < r.block ? r.n - start : r.block;
    for (int k = 0; k < p.n_in; ++k) {
      const TensorRef& t = c.in(k);
      if (r.feed[k] == Feed::in_place && t.dtype != DType::b8) {
        ptr[k] = t.ptr<T>() + start;
      } else {
        ptr[k] = slot_ptr(r.slot[k]);
        if (r.feed[k] != Feed::splat) gather(r, k, start, len, ptr[k]);
      }
    }
    for (int64_t j = 0; j < p.n_instr; ++j) {
      const int reg = p.n_in + static_cast<int>(j);
      T* d = r.slot[reg] >= 0 ? slot_ptr(r.slot[reg]) : c.out(r.out_of[reg]).template ptr<T>() + start;
      ptr[reg] = d;
      const int32_t op = p.op(j);
      if (op == kConst) continue;
      const T* a = ptr[p.a(j)];
      if (op == kOp_cast) {  // between T and bool only (validated): bool registers are 0/1
        if (p.dtype(j) == DType::b8) {
          for (int64_t i = 0; i < len; ++i) d[i] = a[i] != T(0) ? T(1) : T(0);
        } else if (d != a) {
          std::memmove(d, a, static_cast<size_t>(len) * sizeof(T));
        }
        continue;
      }
      instruction<T>(op, a, p.b(j) >= 0 ? ptr[p.b(j)] : a, d, len);
    }
    for (int k = 0; k < r.n_sums; ++k) {  // column sums: this block into its chunk's partial
      T* acc = r.partial + (k * r.n_chunks + (start / r.block) / kSumChunkBlocks) * r.cols;
      const T* v = ptr[r.sum_reg[k]];
      for (int64_t i = 0, col = start % r.cols; i < len; col = 0) {
        const int64_t run = r.cols - col < len - i ? r.cols - col : len - i;
        for (int64_t j = 0; j < run; ++j) acc[col + j] += v[i + j];
        i += run;
      }
    }
    for (int o = 0; o < p.n_out; ++o) {  // outputs not computed in place: from their slot
      const TensorRef& t = c.out(o);
      const int64_t reg = p.outs[o];
      if (Program::is_sum(reg)) continue;
      if (reg >= p.n_in && r.slot[reg] < 0) continue;
      const T* src = ptr[reg];
      if (t.dtype == DType::b8) {
        uint8_t* dst = t.ptr<uint8_t>() + start;
        for (int64_t i = 0; i < len; ++i) dst[i] = src[i] != T(0);
      } else {
        std::memcpy(t.ptr<T>() + start, src, static_cast<size_t>(len) * sizeof(T));
      }
    }
  }
}

template <class T>
Status run_program(const OpCall& c) {
  Run<T> r(c);
  const Program& p = r.p;
  const int n_regs = p.n_regs();
  // Liveness: the last instruction reading each register.
  int64_t last_use[kMaxRegisters];
  for (int i = 0; i < n_regs; ++i) { last_use[i] = -1; r.out_of[i] = -1; r.slot[i] = -1; }
  for (int64_t j = 0; j < p.n_instr; ++j) {
    if (p.op(j) == kConst) continue;
    last_use[p.a(j)] = j;
    if (p.b(j) >= 0) last_use[p.b(j)] = j;
  }
  for (int o = 0; o < p.n_out; ++o) {
    if (!Program::is_sum(p.outs[o])) {
      r.out_of[p.outs[o]] = o;
      continue;
    }
    const int64_t reg = Program::sum_reg(p.outs[o]);
    r.sum_reg[r.n_sums] = reg;
    r.sum_out[r.n_sums++] = o;
    if (reg >= p.n_in) last_use[reg] = p.n_instr;  // read after the block's last instruction
  }
  // Slots: inputs that are not read in place and constants hold theirs for the whole call
  // (a splat or a constant is filled once); results are freed after their last read.
  int32_t n_slots = 0, n_free = 0;
  int32_t free_slots[kMaxRegisters];  // no allocation in a step: plans run this every step
  auto take = [&] { return n_free > 0 ? free_slots[--n_free] : n_slots++; };
  for (int k = 0; k < p.n_in; ++k) {
    const TensorRef& t = c.in(k);
    r.feed[k] = t.size() == r.n ? Feed::in_place : t.size() == 1 ? Feed::splat
                : periodic(t, p.shape) ? Feed::periodic : Feed::general;
    if (r.feed[k] != Feed::in_place || t.dtype == DType::b8) r.slot[k] = take();
  }
  for (int64_t j = 0; j < p.n_instr; ++j)  // constants first: filled once, never reused
    if (p.op(j) == kConst) r.slot[p.n_in + j] = take();
  for (int64_t j = 0; j < p.n_instr; ++j) {
    const int reg = p.n_in + static_cast<int>(j);
    if (p.op(j) == kConst) continue;
    if (r.out_of[reg] < 0 || c.out(r.out_of[reg]).dtype == DType::b8) r.slot[reg] = take();
    // Then the operands read for the last time give their slots back: j's result took
    // its slot first, so it never shares one with its own operands.
    const int64_t srcs[2] = {p.a(j), p.b(j) == p.a(j) ? -1 : p.b(j)};
    for (int64_t src : srcs)
      if (src >= p.n_in && last_use[src] == j && r.slot[src] >= 0 && r.out_of[src] < 0 &&
          p.op(src - p.n_in) != kConst)
        free_slots[n_free++] = r.slot[src];
  }
  r.n_slots = n_slots;
  // Big calls split their blocks over the threads (each with its own scratch); the blocks,
  // and so the results, are the same whatever the split.
  const int64_t n_blocks = (r.n + r.block - 1) / r.block;
  static thread_local std::vector<T> partial_store;  // the calling thread's: no allocation
  if (r.n_sums) {                                   // once warm
    r.cols = p.shape.dims[p.shape.ndim - 1];
    r.n_chunks = (n_blocks + kSumChunkBlocks - 1) / kSumChunkBlocks;
    const size_t need = static_cast<size_t>(r.n_sums * r.n_chunks * r.cols);
    if (partial_store.size() < need) partial_store.resize(need);
    std::fill_n(partial_store.data(), need, T(0));
    r.partial = partial_store.data();
  }
  const int parts = n_blocks >= kParallelBlocks ? threads::num_threads() : 1;
  threads::parallel_for(parts, [&](int t) {
    int64_t b0, b1;  // whole chunks per thread: each chunk's partial is one thread's
    threads::split(n_blocks, r.n_sums ? kSumChunkBlocks : 1, parts, t, &b0, &b1);
    run_blocks(r, b0, b1);
  });
  for (int k = 0; k < r.n_sums; ++k) {  // the chunks' partials, in chunk order
    T* out = c.out(static_cast<int>(r.sum_out[k])).template ptr<T>();
    const T* part = r.partial + k * r.n_chunks * r.cols;
    for (int64_t j = 0; j < r.cols; ++j) out[j] = T(0);
    for (int64_t ch = 0; ch < r.n_chunks; ++ch)
      for (int64_t j = 0; j < r.cols; ++j) out[j] += part[ch * r.cols + j];
  }
  return Status::success();
}

// The float dtype of the call: every operand is it or bool.
DType compute_dtype(const OpCall& c) {
  for (int i = 0; i < c.n_in + c.n_out; ++i)
    if (c.t[i].dtype != DType::b8) return c.t[i].dtype;
  return DType::b8;
}

}  // namespace

bool program_op_f64(int32_t op, const double* a, const double* b, double* d, int64_t n) {
  return program_op_loop<double, CMath>(op, a, b, d, n);
}

Status program_shapes(const OpCall& c) {
  const char* name = "elementwise_program";
  if (c.n_ints < 1 || c.ints[0] < 1 || c.ints[0] > kMaxRegisters - kMaxOperands ||
      c.n_ints < 2 + 4 * c.ints[0] + c.n_out)
    return Status::error("%s: malformed program encoding (%d ints)", name, c.n_ints);
  const int64_t ndim = c.ints[1 + 4 * c.ints[0] + c.n_out];
  if (ndim < 0 || ndim > kMaxDims || c.n_ints != 2 + 4 * c.ints[0] + c.n_out + ndim)
    return Status::error("%s: malformed iteration shape in the encoding", name);
  const DType T = compute_dtype(c);
  if (T != DType::f32 && T != DType::f64)
    return Status::error("%s: runs in float32 or float64, got %s", name, dtype_name(T));
  const Program p(c);
  const TensorRef& o = p.shape;
  for (int i = 0; i < o.ndim; ++i)
    if (o.dims[i] < 0) return Status::error("%s: negative iteration dimension", name);
  for (int i = 0; i < c.n_in + c.n_out; ++i) {
    const TensorRef& t = c.t[i];
    if (i >= c.n_in && Program::is_sum(p.outs[i - c.n_in])) {  // (cols,) of a rank >= 2 shape
      if (t.dtype != T || o.ndim < 2 || t.ndim != 1 || t.dims[0] != o.dims[o.ndim - 1])
        return Status::error("%s: column-sum output %d is not (%lld,) %s", name, i - c.n_in,
                             (long long)(o.ndim ? o.dims[o.ndim - 1] : 0), dtype_name(T));
      continue;
    }
    if (t.dtype != T && t.dtype != DType::b8)
      return Status::error("%s: operand %d is %s in a %s program", name, i, dtype_name(t.dtype),
                           dtype_name(T));
    bool fits = i < c.n_in ? t.ndim <= o.ndim : t.ndim == o.ndim;
    for (int k = 1; fits && k <= t.ndim; ++k) {
      const int64_t d = t.dims[t.ndim - k], want = o.dims[o.ndim - k];
      fits = d == want || (i < c.n_in && d == 1);
    }
    if (!fits) return Status::error("%s: operand %d does not broadcast to the output shape", name, i);
  }
  std::vector<DType> reg_dtype;
  for (int k = 0; k < c.n_in; ++k) reg_dtype.push_back(c.in(k).dtype);
  for (int64_t j = 0; j < p.n_instr; ++j) {
    const int64_t reg = c.n_in + j;
    const int32_t op = p.op(j);
    const DType d = p.dtype(j);
    if (d != T && d != DType::b8)
      return Status::error("%s: instruction %lld has dtype code %d", name, (long long)j, int(d));
    if (op == kConst) {
      if (p.a(j) < 0 || p.a(j) >= c.n_floats)
        return Status::error("%s: constant %lld has no value", name, (long long)j);
    } else {
      if (op < 0 || op >= kNumOps || !is_program_op(op))
        return Status::error("%s: op code %d is not a program op", name, op);
      const bool unary = op_inputs(static_cast<Op>(op)) == 1;
      if (p.a(j) < 0 || p.a(j) >= reg || (unary ? p.b(j) != -1 : (p.b(j) < 0 || p.b(j) >= reg)))
        return Status::error("%s: instruction %lld reads a register it cannot", name, (long long)j);
      const bool to_bool = op == kOp_equal || op == kOp_greater || (op == kOp_cast && d == DType::b8);
      if ((d == DType::b8) != to_bool)
        return Status::error("%s: instruction %lld has the wrong result dtype", name, (long long)j);
    }
    reg_dtype.push_back(d);
  }
  for (int k = 0; k < c.n_out; ++k) {
    const bool sum = Program::is_sum(p.outs[k]);
    const int64_t reg = sum ? Program::sum_reg(p.outs[k]) : p.outs[k];
    if (reg < 0 || reg >= p.n_regs() || reg_dtype[reg] != (sum ? T : c.out(k).dtype))
      return Status::error("%s: output %d names register %lld", name, k, (long long)reg);
  }
  return Status::success();
}

Status elementwise_program(const OpCall& c) {
  const Program p(c);
  if (p.shape.size() == 0) {  // nothing to run; column sums of no rows are zeros
    for (int k = 0; k < c.n_out; ++k)
      if (Program::is_sum(p.outs[k])) std::memset(c.out(k).data, 0, c.out(k).size() * elem_size(c.out(k).dtype));
    return Status::success();
  }
  if (compute_dtype(c) == DType::f32) return run_program<float>(c);
  return run_program<double>(c);
}

}  // namespace fk::kernels
