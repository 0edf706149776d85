#include "fastkeras/executor.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "kernels/common.hpp"
#include "kernels/rows.hpp"

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
  const int32_t n_buf = static_cast<int32_t>(buffers_.size());
  for (const std::vector<int32_t>* ids : {&inputs_, &outputs_})
    for (int32_t id : *ids)
      if (id < 0 || id >= n_buf) throw std::invalid_argument("plan input/output id out of range");
  // Every call is checked here, once, so that the steps run them unchecked.
  for (size_t k = 0; k < program_.size(); ++k) {
    const Status st = validate_op(program_[k].call);
    if (!st.ok())
      throw std::invalid_argument("plan instruction " + std::to_string(k) + ": " + st.message);
  }
  find_direct_inputs(buffers, instrs);
}

// An input can be read in place from the caller's rows when nothing reads its arena bytes
// through another buffer: it appears only as an input of pure ops (never written, never an
// effect's operand, not a plan output), and every other buffer sharing its bytes (the
// planner reuses them once it is dead) is first touched as an output after its last use.
// A reshape alias or a concatenate that holds it fails this and keeps the copy.
void PlanExecutor::find_direct_inputs(const std::vector<BufferDesc>& bufs,
                                      const std::vector<InstrDesc>& instrs) {
  const int n_buf = static_cast<int>(buffers_.size());
  std::vector<int32_t> first(n_buf, -1), last(n_buf, -1);
  std::vector<char> first_is_out(n_buf, 0), written(n_buf, 0);
  for (size_t k = 0; k < instrs.size(); ++k) {
    const InstrDesc& d = instrs[k];
    const int n_in = static_cast<int>(d.inputs.size());
    for (int j = 0; j < n_in + static_cast<int>(d.outputs.size()); ++j) {
      const int32_t b = j < n_in ? d.inputs[j] : d.outputs[j - n_in];
      const bool out = j >= n_in || d.outputs.empty();  // effects write their inputs
      if (first[b] < 0) {
        first[b] = static_cast<int32_t>(k);
        first_is_out[b] = out;
      } else if (first[b] == static_cast<int32_t>(k) && !out) {
        first_is_out[b] = 0;  // also read by its first op
      }
      last[b] = static_cast<int32_t>(k);
      written[b] |= out;
    }
  }
  auto bytes = [&](int32_t b) {
    return buffers_[b].size() * kernels::elem_size(buffers_[b].dtype);
  };
  input_direct_.assign(inputs_.size(), 0);
  for (size_t i = 0; i < inputs_.size() && i < 64; ++i) {
    const int32_t x = inputs_[i];
    bool ok = bufs[x].space == kArena && first[x] >= 0 && !written[x];
    for (int32_t o : outputs_) ok = ok && o != x;
    const int64_t lo = bufs[x].offset, hi = lo + bytes(x);
    for (int32_t b = 0; ok && b < n_buf; ++b) {
      if (b == x || bufs[b].space != kArena || bufs[b].offset >= hi ||
          bufs[b].offset + bytes(b) <= lo || bytes(b) == 0)
        continue;
      bool is_io = false;
      for (int32_t o : outputs_) is_io = is_io || o == b;
      for (int32_t o : inputs_) is_io = is_io || o == b;
      ok = !is_io && (first[b] < 0 || (first[b] > last[x] && first_is_out[b]));
    }
    input_direct_[i] = ok;
  }
  for (size_t k = 0; k < instrs.size(); ++k) {
    for (int j = 0; j < static_cast<int>(instrs[k].inputs.size()); ++j)
      for (size_t i = 0; i < inputs_.size(); ++i)
        if (input_direct_[i] && instrs[k].inputs[j] == inputs_[i]) {
          if (program_[k].first_direct < 0)
            program_[k].first_direct = static_cast<int32_t>(direct_.size());
          direct_.push_back({static_cast<int32_t>(k), j, static_cast<int32_t>(i)});
        }
  }
}

// Inputs whose bit is set in `direct` are read in place; `pf` (may be null) gets a share of
// prefetching per op.
Status PlanExecutor::run_range(const DataArray* ins, int64_t lo, uint64_t direct,
                               rows::Prefetcher* pf, int64_t step, size_t k0, size_t k1) const {
  for (size_t k = k0; k < k1; ++k) {
    const Program& p = program_[k];
    if (pf) pf->next();
    Status st;
    if (direct && p.first_direct >= 0) {
      OpCall call = p.call;  // a patched copy: run() may be called from several threads
      for (size_t d = p.first_direct; d < direct_.size() && direct_[d].instr == (int32_t)k; ++d) {
        const DataArray& a = ins[direct_[d].input];
        if (direct >> direct_[d].input & 1)
          call.t[direct_[d].slot].data = a.data + lo * a.row_bytes;
      }
      st = run_validated_op(call);
    } else {
      st = run_validated_op(p.call);
    }
    if (!st.ok()) return in_step(st, p.call.op, step);
  }
  return Status::success();
}

Status in_step(const Status& st, Op op, int64_t step) {
  Status err;
  err.code = st.code;
  std::snprintf(err.message, sizeof err.message, "%.200s (op %s, step %lld)", st.message,
                op_name(op), (long long)step);
  return err;
}

Status PlanExecutor::check_rows(const DataArray* ins, const int64_t* perm, int64_t perm_len,
                                int64_t row_start, int64_t last, const DataArray* outs,
                                bool check_finite) const {
  const size_t n_in = inputs_.size(), n_out = outputs_.size();
  const int64_t limit = perm ? perm_len : (n_in == 0 ? outs[0].rows : ins[0].rows);
  if (row_start < 0 || last > limit)
    return Status::error("rows [%lld, %lld) out of range (%lld available)",
                         (long long)row_start, (long long)last, (long long)limit);
  for (int side = 0; side < 2; ++side) {
    const DataArray* arrays = side ? outs : ins;
    for (size_t j = 0; j < (side ? n_out : n_in); ++j) {
      const DataArray& a = arrays[j];
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
    for (size_t i = 0; i < n_in; ++i) {
      const int64_t bad =
          rows::first_nonfinite(ins[i], buffers_[inputs_[i]].dtype, row_start, last);
      if (bad >= 0)
        return Status::error("input %d contains NaN or inf values; the first is row %lld",
                             (int)i, (long long)bad);
    }
  }
  return Status::success();
}

// Inputs read in place: unpermuted rows, at an address aligned for their element type.
uint64_t PlanExecutor::direct_mask(const DataArray* ins, const int64_t* perm) const {
  uint64_t direct = 0;
  if (!perm)
    for (size_t i = 0; i < inputs_.size(); ++i) {
      const auto align = static_cast<uint64_t>(kernels::elem_size(buffers_[inputs_[i]].dtype));
      const uint64_t bits = reinterpret_cast<uintptr_t>(ins[i].data) | ins[i].row_bytes;
      if (input_direct_[i] && bits % align == 0) direct |= uint64_t{1} << i;
    }
  return direct;
}

void PlanExecutor::load_inputs(const DataArray* ins, const int64_t* perm, int64_t lo,
                               uint64_t direct) const {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (i < 64 && (direct >> i & 1)) continue;
    char* dst = static_cast<char*>(buffers_[inputs_[i]].data);
    const DataArray& a = ins[i];
    if (perm)
      rows::gather(dst, a, perm + lo, batch_size_);
    else
      std::memcpy(dst, a.data + lo * a.row_bytes, batch_size_ * a.row_bytes);
  }
}

Status PlanExecutor::run(const DataArray* ins, const int64_t* perm, int64_t perm_len,
                         int64_t row_start, int64_t n_steps, const DataArray* outs,
                         bool check_finite) const {
  const size_t n_in = inputs_.size(), n_out = outputs_.size();
  const int64_t bs = batch_size_;
  Status st = check_rows(ins, perm, perm_len, row_start, row_start + n_steps * bs, outs,
                         check_finite);
  if (!st.ok()) return st;
  const uint64_t direct = direct_mask(ins, perm);
  rows::Prefetcher pf;
  for (int64_t s = 0; s < n_steps; ++s) {
    const int64_t lo = row_start + s * bs;
    load_inputs(ins, perm, lo, direct);
    // The next step's rows are random: start their misses now, spread over this step.
    if (perm && s + 1 < n_steps)
      pf.start(ins, static_cast<int>(n_in), perm + lo + bs, bs,
               static_cast<int64_t>(program_.size()));
    st = run_range(ins, lo, direct, pf.done() ? nullptr : &pf, s, 0, program_.size());
    if (!st.ok()) return st;
    for (size_t i = 0; i < n_out; ++i) {
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
#define FK_OP(name, family) #name,
#include "fastkeras/ops.def"
#undef FK_OP
  };
  int i = static_cast<int>(op);
  return (i >= 0 && i < kNumOps) ? names[i] : "?";
}

}  // namespace fk
