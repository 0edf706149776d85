#include "fastkeras/executor.hpp"

#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace fk {

PlanExecutor::PlanExecutor(char* arena, char* state, char* consts,
                           const std::vector<BufferDesc>& buffers,
                           const std::vector<InstrDesc>& instrs,
                           const std::vector<int32_t>& inputs,
                           const std::vector<int32_t>& outputs, int64_t batch_size)
    : inputs_(inputs), outputs_(outputs), batch_size_(batch_size) {
  char* blocks[3] = {arena, state, consts};
  buffers_.reserve(buffers.size());
  for (const BufferDesc& b : buffers) {
    if (b.shape.size() > static_cast<size_t>(kMaxDims))
      throw std::invalid_argument("buffer rank exceeds " + std::to_string(kMaxDims));
    TensorRef t;
    t.data = blocks[b.space] + b.offset;
    t.dtype = b.dtype;
    t.ndim = static_cast<int32_t>(b.shape.size());
    for (size_t i = 0; i < b.shape.size(); ++i) t.dims[i] = b.shape[i];
    buffers_.push_back(t);
  }
  program_.resize(instrs.size());
  for (size_t k = 0; k < instrs.size(); ++k) {
    const InstrDesc& d = instrs[k];
    Program& p = program_[k];
    if (d.op < 0 || d.op >= kNumOps) throw std::invalid_argument("unknown op code");
    if (d.inputs.size() + d.outputs.size() > static_cast<size_t>(kMaxOperands))
      throw std::invalid_argument("too many operands for one instruction");
    p.ints = d.ints;
    p.floats = d.floats;
    p.call.op = static_cast<Op>(d.op);
    p.call.n_in = static_cast<int32_t>(d.inputs.size());
    p.call.n_out = static_cast<int32_t>(d.outputs.size());
    int j = 0;
    for (int32_t id : d.inputs) p.call.t[j++] = buffers_.at(id);
    for (int32_t id : d.outputs) p.call.t[j++] = buffers_.at(id);
  }
  // Pointers into the per-instruction vectors are taken last: program_ no longer moves.
  for (Program& p : program_) {
    p.call.ints = p.ints.data();
    p.call.n_ints = static_cast<int32_t>(p.ints.size());
    p.call.floats = p.floats.data();
    p.call.n_floats = static_cast<int32_t>(p.floats.size());
  }
}

namespace {

// Index of the first row in [lo, hi) holding a NaN or inf, or -1. Tests the exponent bits
// (all ones) so the loop vectorises.
template <class Bits, Bits kExp>
int64_t first_nonfinite_row(const DataArray& a, int64_t lo, int64_t hi) {
  const int64_t per_row = a.row_bytes / static_cast<int64_t>(sizeof(Bits));
  for (int64_t r = lo; r < hi; ++r) {
    const Bits* p = reinterpret_cast<const Bits*>(a.data + r * a.row_bytes);
    Bits bad = 0;
    for (int64_t j = 0; j < per_row; ++j) bad |= (p[j] & kExp) == kExp;
    if (bad) return r;
  }
  return -1;
}

int64_t first_nonfinite_row(const DataArray& a, DType dtype, int64_t lo, int64_t hi) {
  if (dtype == DType::f32) return first_nonfinite_row<uint32_t, 0x7f800000u>(a, lo, hi);
  if (dtype == DType::f64)
    return first_nonfinite_row<uint64_t, 0x7ff0000000000000ull>(a, lo, hi);
  return -1;
}

}  // namespace

Status PlanExecutor::run(const std::vector<DataArray>& ins, const int64_t* perm,
                         int64_t perm_len, int64_t row_start, int64_t n_steps,
                         const std::vector<DataArray>& outs, bool check_finite) const {
  const int64_t bs = batch_size_;
  const int64_t last = row_start + n_steps * bs;
  const int64_t limit = perm ? perm_len : (ins.empty() ? outs.at(0).rows : ins[0].rows);
  if (row_start < 0 || last > limit)
    return Status::error("rows [%lld, %lld) out of range (%lld available)",
                         (long long)row_start, (long long)last, (long long)limit);
  for (const std::vector<DataArray>* arrays : {&ins, &outs}) {
    for (const DataArray& a : *arrays) {
      if (!perm && last > a.rows)
        return Status::error("rows [%lld, %lld) out of range for %lld rows",
                             (long long)row_start, (long long)last, (long long)a.rows);
      if (!perm) continue;
      for (int64_t i = row_start; i < last; ++i)
        if (perm[i] < 0 || perm[i] >= a.rows)
          return Status::error("row index %lld out of range for %lld rows",
                               (long long)perm[i], (long long)a.rows);
    }
  }
  if (check_finite && !perm) {
    for (size_t i = 0; i < ins.size(); ++i) {
      const int64_t bad = first_nonfinite_row(ins[i], buffers_[inputs_[i]].dtype, row_start, last);
      if (bad >= 0)
        return Status::error("input %d contains NaN or inf values; the first is row %lld",
                             (int)i, (long long)bad);
    }
  }
  for (int64_t s = 0; s < n_steps; ++s) {
    const int64_t lo = row_start + s * bs;
    for (size_t i = 0; i < ins.size(); ++i) {
      char* dst = static_cast<char*>(buffers_[inputs_[i]].data);
      const DataArray& a = ins[i];
      if (perm) {
        for (int64_t r = 0; r < bs; ++r)
          std::memcpy(dst + r * a.row_bytes, a.data + perm[lo + r] * a.row_bytes, a.row_bytes);
      } else {
        std::memcpy(dst, a.data + lo * a.row_bytes, bs * a.row_bytes);
      }
    }
    for (const Program& p : program_) {
      Status st = run_op(p.call);
      if (!st.ok()) {
        Status err;
        err.code = st.code;
        std::snprintf(err.message, sizeof err.message, "%s (op %s, step %lld)", st.message,
                      op_name(p.call.op), (long long)s);
        return err;
      }
    }
    for (size_t i = 0; i < outs.size(); ++i) {
      const DataArray& a = outs[i];
      const char* src = static_cast<const char*>(buffers_[outputs_[i]].data);
      if (perm) {
        for (int64_t r = 0; r < bs; ++r)
          std::memcpy(a.data + perm[lo + r] * a.row_bytes, src + r * a.row_bytes, a.row_bytes);
      } else {
        std::memcpy(a.data + lo * a.row_bytes, src, bs * a.row_bytes);
      }
    }
  }
  return Status::success();
}

const char* op_name(Op op) {
  static const char* names[] = {
#define FK_OP(name) #name,
#include "fastkeras/ops.def"
#undef FK_OP
  };
  int i = static_cast<int>(op);
  return (i >= 0 && i < kNumOps) ? names[i] : "?";
}

}  // namespace fk
