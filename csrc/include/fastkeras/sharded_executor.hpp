// Data-parallel training steps for small models (csrc/sharded_executor.cpp).
//
// A step of B rows runs as S shards of B/S rows: each shard runs the plan's pure ops (its
// forward and backward) on its own copy of the arena, one shard per thread; then the
// shards' gradients are averaged and the optimizer update runs once over them, split by
// element range across the threads. Two synchronisations per step instead of one per
// kernel: at W1's sizes (1-4 us kernels) splitting each kernel costs more than it saves.
//
// The plan is a training plan traced at the shard batch B/S. Its instructions are
// [0, pure_end) pure ops, then effects, each of one kind:
//   kUpdate   an elementwise optimizer update (adam_update, sgd_update, sgd_momentum_update)
//             whose input 1 is its gradient, an arena buffer: run once per step over the
//             mean of the shards' gradients;
//   kPerShard an additive update (accumulate: metric sums and counts), run for each shard;
//   kOnce     any other effect (the step counter), run once on shard 0's buffers.
// kUpdate effects come first. The mean over shards equals the full batch's gradient when
// the loss is a mean over rows of row-local terms; Python decides which plans qualify
// (fastkeras/trainers/sharding.py). The shard count is part of the plan, never the thread
// count, so results do not depend on the number of threads.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "fastkeras/executor.hpp"
#include "fastkeras/mode_chooser.hpp"

namespace fk {

enum class EffectKind : int32_t { kUpdate = 0, kPerShard = 1, kOnce = 2 };

class ShardedExecutor {
 public:
  static constexpr int kMaxShards = 16;

  // arenas: one per shard, each laid out as the plan says; effect_kinds: one per
  // instruction from pure_end on. Throws std::invalid_argument on a plan that breaks the
  // layout above.
  ShardedExecutor(const std::vector<char*>& arenas, char* state, char* consts,
                  const std::vector<BufferDesc>& buffers, const std::vector<InstrDesc>& instrs,
                  const std::vector<int32_t>& inputs, int64_t shard_batch, int32_t pure_end,
                  const std::vector<int32_t>& effect_kinds);

  // Like PlanExecutor::run for a plan without outputs: step s uses rows
  // perm[row_start + s*B .. + B) (or that range), shard k the k-th B/S of them.
  Status run(const DataArray* ins, const int64_t* perm, int64_t perm_len, int64_t row_start,
             int64_t n_steps, bool check_finite = false) const;

  int64_t batch_size() const { return shard_batch_ * static_cast<int64_t>(shards_.size()); }
  int num_shards() const { return static_cast<int>(shards_.size()); }
  const TensorRef& input(int i) const { return shards_[0]->input(i); }
  size_t num_inputs() const { return shards_[0]->num_inputs(); }

 private:
  struct Update {
    int32_t instr;
    int64_t n;  // elements of the variable, gradient and slots
  };
  using Clock = std::chrono::steady_clock;

  Status pure_phase(const DataArray* ins, const int64_t* perm, int64_t lo, uint64_t direct,
                    int64_t step, bool prefetch_next, bool parallel) const;
  Status update_phase(int64_t step, bool parallel) const;
  Status effect_phase(int64_t step) const;

  std::vector<std::unique_ptr<PlanExecutor>> shards_;
  int64_t shard_batch_;
  int32_t pure_end_;
  std::vector<EffectKind> kinds_;  // per instruction from pure_end_
  std::vector<Update> updates_;
  // Written by run(), which the caller's state-block lock keeps to one thread at a time.
  mutable ModeChooser mode_;  // parallel or serial steps (mode_chooser.hpp)
};

}  // namespace fk
