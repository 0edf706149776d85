#include "fastkeras/sharded_executor.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/common.hpp"
#include "kernels/rows.hpp"
#include "kernels/thread_pool.hpp"

namespace fk {
namespace {

// Below this many elements per thread, one thread runs the whole update (the second job's
// dispatch and the cross-core traffic cost more than half of it).
constexpr int64_t kMinUpdateChunk = 2048;
constexpr int kMaxParts = 32;

bool is_update_op(int32_t op) {
  return op == static_cast<int32_t>(Op::adam_update) ||
         op == static_cast<int32_t>(Op::sgd_update) ||
         op == static_cast<int32_t>(Op::sgd_momentum_update);
}

int64_t elements(const BufferDesc& b) {
  int64_t n = 1;
  for (int64_t d : b.shape) n *= d;
  return n;
}

[[noreturn]] void bad_plan(size_t k, const std::string& why) {
  throw std::invalid_argument("sharded plan instruction " + std::to_string(k) + ": " + why);
}

}  // namespace

ShardedExecutor::ShardedExecutor(const std::vector<char*>& arenas, char* state, char* consts,
                                 const std::vector<BufferDesc>& buffers,
                                 const std::vector<InstrDesc>& instrs,
                                 const std::vector<int32_t>& inputs, int64_t shard_batch,
                                 int32_t pure_end, const std::vector<int32_t>& effect_kinds)
    : shard_batch_(shard_batch), pure_end_(pure_end) {
  if (arenas.empty() || arenas.size() > static_cast<size_t>(kMaxShards))
    throw std::invalid_argument("a sharded plan needs 1 to " + std::to_string(kMaxShards) +
                                " arenas");
  if (shard_batch < 1) throw std::invalid_argument("shard batch must be positive");
  if (inputs.empty()) throw std::invalid_argument("a sharded plan needs data inputs");
  const size_t n = instrs.size();
  if (pure_end < 0 || static_cast<size_t>(pure_end) > n ||
      effect_kinds.size() != n - static_cast<size_t>(pure_end))
    throw std::invalid_argument("effect kinds must cover the instructions after pure_end");
  for (char* arena : arenas)
    shards_.push_back(std::make_unique<PlanExecutor>(arena, state, consts, buffers, instrs,
                                                     inputs, std::vector<int32_t>{},
                                                     shard_batch));
  bool updates_done = false;
  for (size_t k = 0; k < n; ++k) {
    const InstrDesc& d = instrs[k];
    const bool effect = d.outputs.empty();
    if (static_cast<int32_t>(k) < pure_end) {
      if (effect) bad_plan(k, "an effect before pure_end");
      continue;
    }
    if (!effect) bad_plan(k, "a pure op after pure_end");
    const int32_t kind = effect_kinds[k - pure_end];
    if (kind < 0 || kind > 2) bad_plan(k, "unknown effect kind");
    kinds_.push_back(static_cast<EffectKind>(kind));
    if (kinds_.back() != EffectKind::kUpdate) {
      updates_done = true;
      if (kinds_.back() == EffectKind::kPerShard && d.op != static_cast<int32_t>(Op::accumulate))
        bad_plan(k, "only accumulate runs per shard");
      continue;
    }
    if (updates_done) bad_plan(k, "optimizer updates must come before the other effects");
    if (!is_update_op(d.op)) bad_plan(k, "not an optimizer update");
    // Run over element ranges, a global-norm clip would see only its range's norm.
    if (d.op == static_cast<int32_t>(Op::adam_update) && d.floats.size() > 3 && d.floats[3] > 0)
      bad_plan(k, "a globally clipped update cannot be split by element range");
    if (d.inputs.size() < 2) bad_plan(k, "an update needs a variable and a gradient");
    const BufferDesc& grad = buffers.at(d.inputs[1]);
    const int64_t len = elements(buffers.at(d.inputs[0]));
    if (grad.space != kArena || grad.dtype != DType::f32 || grad.shape.size() != 1)
      bad_plan(k, "the gradient must be a 1-D float32 arena buffer");
    // Every operand is a scalar or runs alongside the variable, so a slice of the elements
    // is the same update on fewer of them.
    for (int32_t id : d.inputs) {
      const BufferDesc& b = buffers.at(id);
      if (!b.shape.empty() && (b.shape.size() != 1 || b.shape[0] != len))
        bad_plan(k, "update operands must be scalars or as long as the variable");
    }
    updates_.push_back({static_cast<int32_t>(k), len});
  }
}

// Shard k gathers rows [lo + k*b, lo + (k+1)*b) and runs the pure ops on its own arena:
// one shard per thread when `parallel`, else all on this thread.
Status ShardedExecutor::pure_phase(const DataArray* ins, const int64_t* perm, int64_t lo,
                                   uint64_t direct, int64_t step, bool prefetch_next,
                                   bool parallel) const {
  const int S = num_shards();
  Status st[kMaxShards];
  auto shard = [&](int k) {
    const PlanExecutor& ex = *shards_[k];
    const int64_t start = lo + k * shard_batch_;
    ex.load_inputs(ins, perm, start, direct);
    rows::Prefetcher pf;
    if (prefetch_next)  // this shard's rows of the next step
      pf.start(ins, static_cast<int>(ex.num_inputs()), perm + start + batch_size(),
               shard_batch_, pure_end_);
    st[k] = ex.run_range(ins, start, direct, pf.done() ? nullptr : &pf, step, 0,
                         static_cast<size_t>(pure_end_));
  };
  if (parallel) {
    threads::parallel_for_affine(S, shard);
  } else {
    for (int k = 0; k < S; ++k) shard(k);
  }
  for (int k = 0; k < S; ++k)
    if (!st[k].ok()) return st[k];
  return Status::success();
}

// Each thread averages a range of every gradient into shard 0's copy and updates the
// variables and slots of that range: elementwise, so the split does not change any bit.
Status ShardedExecutor::update_phase(int64_t step, bool parallel) const {
  if (updates_.empty()) return Status::success();
  int64_t longest = 0;
  for (const Update& u : updates_) longest = std::max(longest, u.n);
  const int parts = !parallel ? 1 : static_cast<int>(std::clamp<int64_t>(
      std::min<int64_t>(threads::num_threads(), longest / kMinUpdateChunk), 1, kMaxParts));
  const int S = num_shards();
  const float inv = 1.0f / static_cast<float>(S);
  Status st[kMaxParts];
  threads::parallel_for_affine(parts, [&](int t) {
    for (const Update& u : updates_) {
      int64_t lo, hi;
      threads::split(u.n, 16, parts, t, &lo, &hi);
      if (hi <= lo) continue;
      OpCall call = shards_[0]->call(u.instr);
      float* g = call.t[1].ptr<float>() + lo;  // (hi - lo): shard 0's gradient range
      for (int k = 1; k < S; ++k) {
        const float* gk = shards_[k]->call(u.instr).t[1].ptr<float>() + lo;
        for (int64_t i = 0; i < hi - lo; ++i) g[i] += gk[i];
      }
      for (int64_t i = 0; i < hi - lo; ++i) g[i] *= inv;
      for (int j = 0; j < call.n_in; ++j) {
        TensorRef& r = call.t[j];
        if (r.ndim != 1) continue;  // scalars: learning rate, step counter
        r.data = static_cast<char*>(r.data) + lo * kernels::elem_size(r.dtype);
        r.dims[0] = hi - lo;
      }
      const Status s = run_validated_op(call);
      if (!s.ok()) {
        st[t] = in_step(s, call.op, step);
        return;
      }
    }
  });
  for (int t = 0; t < parts; ++t)
    if (!st[t].ok()) return st[t];
  return Status::success();
}

// The other effects in plan order: metric sums once per shard, the rest once.
Status ShardedExecutor::effect_phase(int64_t step) const {
  for (size_t e = 0; e < kinds_.size(); ++e) {
    const size_t k = static_cast<size_t>(pure_end_) + e;
    const int shards = kinds_[e] == EffectKind::kPerShard ? num_shards()
                       : kinds_[e] == EffectKind::kOnce  ? 1
                                                         : 0;
    for (int s = 0; s < shards; ++s) {
      const OpCall& call = shards_[s]->call(k);
      const Status st = run_validated_op(call);
      if (!st.ok()) return in_step(st, call.op, step);
    }
  }
  return Status::success();
}

Status ShardedExecutor::run(const DataArray* ins, const int64_t* perm, int64_t perm_len,
                            int64_t row_start, int64_t n_steps, bool check_finite) const {
  const int64_t bs = batch_size();
  const PlanExecutor& first = *shards_[0];
  Status st = first.check_rows(ins, perm, perm_len, row_start, row_start + n_steps * bs,
                               nullptr, check_finite);
  if (!st.ok()) return st;
  const uint64_t direct = first.direct_mask(ins, perm);
  const bool threaded = threads::num_threads() > 1;
  for (int64_t s = 0; s < n_steps; ++s) {
    const int64_t lo = row_start + s * bs;
    const bool parallel = threaded && mode_.parallel();
    const auto t0 = Clock::now();
    st = pure_phase(ins, perm, lo, direct, s, perm && s + 1 < n_steps, parallel);
    if (!st.ok()) return st;
    if (!(st = update_phase(s, parallel)).ok()) return st;
    if (!(st = effect_phase(s)).ok()) return st;
    if (threaded)
      mode_.record(parallel, std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  return Status::success();
}

}  // namespace fk
