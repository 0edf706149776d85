// The plan executor: runs many training/inference steps of a compiled plan per call,
// with no Python in the loop (the binding releases the GIL around `run`).
//
// One step: gather the batch rows of every data array (rows chosen by a permutation, or
// contiguous) into the plan's input buffers, run every instruction, copy the output buffers
// into the matching rows of the result arrays. All buffers were placed by the Python
// planner into three blocks (arena, state, const) that outlive the executor.
#pragma once

#include <vector>

#include "fastkeras/tensor.hpp"

namespace fk {
namespace rows {
class Prefetcher;
}

enum Space : int32_t { kArena = 0, kState = 1, kConst = 2 };

struct BufferDesc {
  int32_t space = kArena;
  int64_t offset = 0;  // bytes into its block
  DType dtype = DType::f32;
  std::vector<int64_t> shape;
};

struct InstrDesc {
  int32_t op = 0;
  std::vector<int32_t> inputs;   // buffer ids
  std::vector<int32_t> outputs;  // buffer ids
  std::vector<int64_t> ints;
  std::vector<double> floats;
};

// A caller's array of samples: `rows` rows of `row_bytes` bytes, contiguous.
struct DataArray {
  char* data = nullptr;
  int64_t rows = 0;
  int64_t row_bytes = 0;
};

// `st` with the op and step it came from appended to its message.
Status in_step(const Status& st, Op op, int64_t step);

class PlanExecutor {
 public:
  PlanExecutor(char* arena, char* state, char* consts, const std::vector<BufferDesc>& buffers,
               const std::vector<InstrDesc>& instrs, const std::vector<int32_t>& inputs,
               const std::vector<int32_t>& outputs, int64_t batch_size);

  // Runs `n_steps` steps; step s uses rows perm[row_start + s*B .. + B) (or that range itself
  // when perm is null). Stops at the first failing instruction and reports which step.
  // With `check_finite`, the float input rows are first scanned for NaN/inf (the predict
  // fast path's input check, done here because it costs nanoseconds instead of a NumPy call).
  // Without `perm`, inputs that only pure ops read are read in place (no copy). `ins` and
  // `outs` hold num_inputs() and num_outputs() arrays.
  Status run(const DataArray* ins, const int64_t* perm, int64_t perm_len, int64_t row_start,
             int64_t n_steps, const DataArray* outs, bool check_finite = false) const;

  // The pieces of run(), for drivers that split a step (ShardedExecutor):
  // rows [row_start, last) exist in every array (with `perm`, every index is in range), and
  // with `check_finite` hold no NaN/inf.
  Status check_rows(const DataArray* ins, const int64_t* perm, int64_t perm_len,
                    int64_t row_start, int64_t last, const DataArray* outs,
                    bool check_finite) const;
  // Bit i set: input i is read in place this call (no perm, aligned rows).
  uint64_t direct_mask(const DataArray* ins, const int64_t* perm) const;
  // Copies the batch_size() rows at position lo (perm[lo ..] or rows lo ..) into the input
  // buffers, except those read in place.
  void load_inputs(const DataArray* ins, const int64_t* perm, int64_t lo, uint64_t direct) const;
  // Runs instructions [k0, k1) of step `step` (rows from `lo`).
  Status run_range(const DataArray* ins, int64_t lo, uint64_t direct, rows::Prefetcher* pf,
                   int64_t step, size_t k0, size_t k1) const;
  const OpCall& call(size_t k) const { return program_[k].call; }

  int64_t batch_size() const { return batch_size_; }
  const TensorRef& input(int i) const { return buffers_[inputs_[i]]; }
  const TensorRef& output(int i) const { return buffers_[outputs_[i]]; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }

 private:
  struct Program {
    OpCall call;
    std::vector<int64_t> ints;
    std::vector<double> floats;
    int32_t first_direct = -1;  // first of this instruction's entries in direct_, or -1
  };
  // An operand that reads a data input in place when rows are not permuted (no copy into
  // the arena): t[slot] of instruction `instr` is input `input`.
  struct Direct {
    int32_t instr, slot, input;
  };
  void find_direct_inputs(const std::vector<BufferDesc>& buffers,
                          const std::vector<InstrDesc>& instrs);

  std::vector<TensorRef> buffers_;
  std::vector<Program> program_;
  std::vector<Direct> direct_;      // sorted by instr
  std::vector<char> input_direct_;  // per input: read in place when not permuted
  std::vector<int32_t> inputs_;
  std::vector<int32_t> outputs_;
  int64_t batch_size_;
};

}  // namespace fk
