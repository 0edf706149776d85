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

class PlanExecutor {
 public:
  PlanExecutor(char* arena, char* state, char* consts, const std::vector<BufferDesc>& buffers,
               const std::vector<InstrDesc>& instrs, const std::vector<int32_t>& inputs,
               const std::vector<int32_t>& outputs, int64_t batch_size);

  // Runs `n_steps` steps; step s uses rows perm[row_start + s*B .. + B) (or that range itself
  // when perm is null). Stops at the first failing instruction and reports which step.
  // With `check_finite`, the float input rows are first scanned for NaN/inf (the predict
  // fast path's input check, done here because it costs nanoseconds instead of a NumPy call).
  Status run(const std::vector<DataArray>& ins, const int64_t* perm, int64_t perm_len,
             int64_t row_start, int64_t n_steps, const std::vector<DataArray>& outs,
             bool check_finite = false) const;

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
  };
  std::vector<TensorRef> buffers_;
  std::vector<Program> program_;
  std::vector<int32_t> inputs_;
  std::vector<int32_t> outputs_;
  int64_t batch_size_;
};

}  // namespace fk
