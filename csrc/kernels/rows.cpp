// Row staging for the plan executor (rows.hpp).
#include "rows.hpp"

#include <cstring>

#include "thread_pool.hpp"

namespace fk::rows {
namespace {

// Below these sizes one thread does it: a split costs ~1 us of dispatch and hand-over.
constexpr int64_t kParallelScanBytes = 1 << 20;
constexpr int64_t kParallelGatherBytes = 128 << 10;

// First row in [lo, hi) with an all-ones exponent, or -1. Ors a whole row before testing,
// so the inner loop is a plain vectorisable reduction.
template <class Bits, Bits kExp>
int64_t scan(const DataArray& a, int64_t lo, int64_t hi) {
  const int64_t per_row = a.row_bytes / static_cast<int64_t>(sizeof(Bits));
  for (int64_t r = lo; r < hi; ++r) {
    const Bits* p = reinterpret_cast<const Bits*>(a.data + r * a.row_bytes);
    Bits bad = 0;
    for (int64_t j = 0; j < per_row; ++j) bad |= (p[j] & kExp) == kExp;
    if (bad) return r;
  }
  return -1;
}

int64_t scan(const DataArray& a, DType dtype, int64_t lo, int64_t hi) {
  if (dtype == DType::f32) return scan<uint32_t, 0x7f800000u>(a, lo, hi);
  if (dtype == DType::f64) return scan<uint64_t, 0x7ff0000000000000ull>(a, lo, hi);
  return -1;
}

}  // namespace

int64_t first_nonfinite(const DataArray& a, DType dtype, int64_t lo, int64_t hi) {
  if (dtype != DType::f32 && dtype != DType::f64) return -1;
  const int parts = (hi - lo) * a.row_bytes >= kParallelScanBytes ? threads::num_threads() : 1;
  if (parts <= 1) return scan(a, dtype, lo, hi);
  constexpr int kMaxParts = 64;
  int64_t found[kMaxParts];
  const int n = parts < kMaxParts ? parts : kMaxParts;
  threads::parallel_for(n, [&](int t) {
    int64_t r0, r1;
    threads::split(hi - lo, 1, n, t, &r0, &r1);
    found[t] = scan(a, dtype, lo + r0, lo + r1);
  });
  for (int t = 0; t < n; ++t)
    if (found[t] >= 0) return found[t];
  return -1;
}

namespace {

// Rows of a size known at compile time: the copies inline to a few moves (W1: 128-byte x
// and 4-byte y rows, where a memcpy call per row cost more than the copy).
template <int64_t RB>
void copy_fixed(char* __restrict dst, const char* __restrict src, const int64_t* idx,
                int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + r * RB, src + idx[r] * RB, RB);
}

void copy_rows(char* dst, const char* src, int64_t rb, const int64_t* idx, int64_t r0,
               int64_t r1) {
  switch (rb) {
    case 4: return copy_fixed<4>(dst, src, idx, r0, r1);
    case 8: return copy_fixed<8>(dst, src, idx, r0, r1);
    case 16: return copy_fixed<16>(dst, src, idx, r0, r1);
    case 32: return copy_fixed<32>(dst, src, idx, r0, r1);
    case 64: return copy_fixed<64>(dst, src, idx, r0, r1);
    case 128: return copy_fixed<128>(dst, src, idx, r0, r1);
    case 256: return copy_fixed<256>(dst, src, idx, r0, r1);
    default:
      for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + r * rb, src + idx[r] * rb, rb);
  }
}

}  // namespace

void gather(char* dst, const DataArray& a, const int64_t* idx, int64_t n) {
  const int64_t rb = a.row_bytes;
  auto copy = [&](int64_t r0, int64_t r1) { copy_rows(dst, a.data, rb, idx, r0, r1); };
  const int parts = n * rb >= kParallelGatherBytes ? threads::num_threads() : 1;
  if (parts <= 1) return copy(0, n);
  threads::parallel_for(parts, [&](int t) {
    int64_t r0, r1;
    threads::split(n, 1, parts, t, &r0, &r1);
    copy(r0, r1);
  });
}

void Prefetcher::start(const DataArray* arrays, int count, const int64_t* idx, int64_t n,
                       int64_t rounds) {
  arrays_ = arrays;
  count_ = count;
  idx_ = idx;
  n_ = n;
  int64_t lines = 0;
  for (int i = 0; i < count; ++i) lines += n * (arrays[i].row_bytes / 64 + 1);
  per_call_ = rounds > 0 ? (lines + rounds - 1) / rounds : lines;
  arr_ = 0;
  row_ = -1;
  line_ = end_ = nullptr;
  if (n <= 0 || count <= 0 || !advance()) line_ = nullptr;
}

// Next line, moving on to the next row (and array) at the end of one.
bool Prefetcher::advance() {
  if (line_) line_ += 64;
  while (line_ >= end_) {
    if (++row_ >= n_) {
      row_ = 0;
      if (++arr_ >= count_) {
        line_ = nullptr;
        return false;
      }
    }
    const DataArray& a = arrays_[arr_];
    const char* row = a.data + idx_[row_] * a.row_bytes;
    // From the line holding the row's first byte (rows need not be line-aligned).
    line_ = reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(row) & ~uintptr_t{63});
    end_ = row + a.row_bytes;
  }
  return true;
}

void Prefetcher::next() {
  for (int64_t q = 0; q < per_call_ && line_; ++q) {
    __builtin_prefetch(line_, 0, 2);
    advance();
  }
}

}  // namespace fk::rows
