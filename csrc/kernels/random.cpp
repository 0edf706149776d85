// random: counter-based uniform or normal float32 numbers (graph/primitives/random.py has
// the definition). Element i depends only on (seed, counter, stream, i), so the split of the
// elements over threads or vector lanes never changes a bit.
#include "common.hpp"
#include "ew.hpp"
#include "fastkeras/scalar.hpp"
#include "kernels.hpp"
#include "thread_pool.hpp"

namespace fk::kernels {
namespace {
constexpr int64_t kParallelRandom = 16384;  // numbers: below, one thread is faster
}  // namespace

// counter: () int64 -> out: (shape) float32; ints (seed, stream, kind, threshold) with kind
// 0 uniform, 1 normal, 2 dropout; floats (scale,).
Status random(const OpCall& c) {
  const TensorRef &counter = c.in(0), &out = c.out(0);
  if (counter.dtype != DType::i64 || counter.size() != 1)
    return Status::error("random: the counter must be an int64 scalar");
  if (out.dtype != DType::f32) return Status::error("random: the output must be float32");
  const int64_t kind = c.iattr(2);
  if (kind < 0 || kind > 2) return Status::error("random: unknown kind %lld", (long long)kind);
  const bool normal = kind == 1;
  const int64_t n = out.size();
  if (n * (normal ? 2 : 1) > int64_t(0xFFFFFFFF))
    return Status::error("random: at most 2**32 numbers per call");
  const uint64_t key = scalar::random_key(static_cast<uint64_t>(c.iattr(0)),
                                          static_cast<uint64_t>(*counter.ptr<int64_t>()),
                                          static_cast<uint64_t>(c.iattr(1)));
  float* d = out.ptr<float>();  // (n,)
  if (normal) {
    for (int64_t i = 0; i < n; ++i) d[i] = scalar::random_normal(key, static_cast<uint32_t>(i));
    return Status::success();
  }
  const int64_t threshold = kind == 2 ? c.iattr(3) : 0;
  if (threshold < 0 || threshold > (int64_t(1) << 24))
    return Status::error("random: dropout threshold %lld outside [0, 2**24]", (long long)threshold);
  // Element i depends on i alone: any split over the threads gives the same bits.
  const int parts = n >= kParallelRandom ? threads::num_threads() : 1;
  threads::parallel_for(parts, [&](int t) {
    int64_t lo, hi;
    threads::split(n, 64, parts, t, &lo, &hi);
    if (kind == 2)
      ew::table().random_dropout(key, lo, d + lo, hi - lo, static_cast<uint32_t>(threshold),
                                 static_cast<float>(c.fattr(0)));
    else
      ew::table().random_uniform(key, lo, d + lo, hi - lo);
  });
  return Status::success();
}

}  // namespace fk::kernels
