// Moving the caller's sample rows in and out of a plan (PlanExecutor::run): the NaN/inf
// scan of the predict fast path, the permuted batch gather, and prefetching the next
// step's rows while the current step computes. Baseline-ISA code.
#pragma once

#include <cstdint>

#include "fastkeras/executor.hpp"

namespace fk::rows {

// First row in [lo, hi) of `a` holding a NaN or inf, or -1 (only f32/f64 are scanned).
// Big scans are split over the thread pool; the answer does not depend on the split.
int64_t first_nonfinite(const DataArray& a, DType dtype, int64_t lo, int64_t hi);

// dst row r = a row idx[r], r < n. Big gathers are split over the thread pool: rows that
// come from DRAM are latency-bound, and two cores keep twice as many misses in flight.
void gather(char* dst, const DataArray& a, const int64_t* idx, int64_t n);

// Walks the cache lines of the rows a future gather will read, a few per call, so that
// prefetches spread over a training step instead of stalling one instruction: lines still
// in L2 when the gather comes are hits, evicted ones wait in L3 (a victim cache on AMD;
// inclusive on Intel), either way not DRAM.
class Prefetcher {
 public:
  // Arms the walk over rows idx[0 .. n) of each array in arrays[0 .. count); `rounds` is
  // how many next() calls should cover it.
  void start(const DataArray* arrays, int count, const int64_t* idx, int64_t n,
             int64_t rounds);
  void next();  // issues the next share of prefetches (no-op when done)
  bool done() const { return line_ == nullptr; }

 private:
  bool advance();  // moves to the next line; false when all are issued
  const DataArray* arrays_ = nullptr;
  const int64_t* idx_ = nullptr;
  int count_ = 0;
  int64_t n_ = 0, per_call_ = 0;
  int arr_ = 0;
  int64_t row_ = 0;
  const char* line_ = nullptr;  // next line to prefetch in the current row
  const char* end_ = nullptr;   // one past the current row
};

}  // namespace fk::rows
