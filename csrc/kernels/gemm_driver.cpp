// sgemm: ISA choice, blocking choice, the split over threads and the per-thread workspace
// (see gemm_driver.hpp).
//
// Threads split C into a grid of blocks on tile boundaries, along its longer side first: a
// column block packs only its own B panels but reads all of A, a row block reads only its
// rows of A but packs all of B. Tall problems with a narrow B instead hand out many small
// row tasks, each thread packing B once per call. The k reduction is never split and every
// element is summed in an order fixed by k alone, so any grid gives the same bits.
#include "gemm_driver.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>

#include "isa.hpp"
#include "thread_pool.hpp"

namespace fk {
namespace {

struct GemmImpl {
  const char* name;
  int64_t mr, nr;
  int64_t (*workspace)(int64_t, int64_t, int64_t);
  void (*block)(const gemm::Problem&, gemm::Blocking, int64_t, int64_t, int64_t, int64_t,
                float*);
  void (*col_sums)(const float*, int64_t, int64_t, int64_t, int64_t, float*);
  int64_t (*packed_b_floats)(int64_t, int64_t);
  void (*pack_b_all)(const gemm::Problem&, float*);
  void (*rows_packed_b)(const gemm::Problem&, gemm::Blocking, int64_t, int64_t, const float*);
};

#define FK_GEMM_IMPL(ns)                                                                  \
  GemmImpl {                                                                              \
    #ns, gemm::ns::tile_rows(), gemm::ns::tile_cols(), gemm::ns::workspace_floats,        \
        gemm::ns::block, gemm::ns::col_sums, gemm::ns::packed_b_floats,                   \
        gemm::ns::pack_b_all, gemm::ns::rows_packed_b                                     \
  }

GemmImpl choose() {
  switch (kernels::kernel_isa()) {
#if defined(__x86_64__) || defined(_M_X64)
    case kernels::Isa::avx512: return FK_GEMM_IMPL(avx512);
    case kernels::Isa::avx2: return FK_GEMM_IMPL(avx2);
#endif
    default: return FK_GEMM_IMPL(generic);
  }
}
#undef FK_GEMM_IMPL

const GemmImpl& impl() {
  static const GemmImpl chosen = choose();
  return chosen;
}

// Grows-only, 64-byte aligned, one per thread (pool workers each get their own).
float* workspace(int64_t floats) {
  struct Buffer {
    float* p = nullptr;
    int64_t n = 0;
    ~Buffer() { std::free(p); }
  };
  thread_local Buffer buf;
  if (floats > buf.n) {
    std::free(buf.p);
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    buf.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    buf.n = buf.p ? floats : 0;
  }
  return buf.p;
}

// Packing B pays when its panels are reused by many row tiles; for a few row tiles the
// panels are read in place (a transposed B is packed anyway). A is read in place through
// its strides (the micro-kernel's broadcasts cost the same from a strided row) unless many
// column panels reuse a big A block: then a packed copy keeps it in L2 without the set
// conflicts of rows a power-of-two apart, and a transposed A is read contiguously.
gemm::Blocking blocking(const gemm::Problem& p) {
  gemm::Blocking how;
  how.pack_a = p.n >= 512 && p.m >= 256;     // W3: 48 -> 87 GFLOP/s for 2048x512x2048 tA
  // In place, a panel's k rows b_ps apart share few L1 sets when b_ps is a multiple of
  // 1 KB (4 of 64 sets: 32 lines) and thrash it for every row tile: pack it then, even for
  // a few row tiles (W6's dW (2560,64)^T @ (2560,256): 0.65 -> 0.89 of the square rate).
  const bool aliasing_b = p.b_js == 1 && p.b_ps * 4 % 1024 == 0 && p.k > 32;
  how.pack_b = p.m > 16 * impl().mr || (p.m > impl().mr && aliasing_b);  // W1: in place
  how.prefetch_c = p.m * p.ldc * 4 > (256 << 10);
  return how;
}

constexpr int64_t kParallelRowFloats = 1 << 16;
constexpr int kTasksPerThread = 2;

// Tall problems with a narrow B (batch-4096 inference): many small row tasks taken as they
// come, each thread packing all of op(B) once per call into its own workspace. A thread
// that the host deschedules then holds back one small task instead of a quarter of the
// work, and B is packed once per thread instead of once per task.
constexpr int64_t kRowTaskMinRows = 1024;
constexpr int64_t kRowTaskMaxCols = 512;
constexpr int64_t kRowTaskTiles = 16;  // rows per task: this many micro-tiles
constexpr int64_t kRowTaskMaxPackedFloats = 1 << 21;  // 8 MB of packed B per thread

Status no_workspace(int64_t floats) {
  return Status::error("matmul: cannot allocate %lld bytes of workspace",
                       (long long)(floats * 4));
}

std::atomic<uint64_t> g_sgemm_calls{0};
thread_local uint64_t t_packed_call = 0;  // the call whose B this thread's workspace holds

bool row_tasks_pay(const gemm::Problem& p, gemm::Blocking how) {
  return p.m >= kRowTaskMinRows && p.n <= kRowTaskMaxCols && p.k > 0 && how.pack_b &&
         !how.pack_a && impl().packed_b_floats(p.n, p.k) <= kRowTaskMaxPackedFloats;
}

Status sgemm_row_tasks(const gemm::Problem& p, gemm::Blocking how, float* db) {
  const GemmImpl& g = impl();
  const int64_t rows = kRowTaskTiles * g.mr;
  const int64_t tasks = std::min<int64_t>((p.m + rows - 1) / rows, 4096);
  const uint64_t call = g_sgemm_calls.fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t b_floats = g.packed_b_floats(p.n, p.k);
  std::atomic<bool> failed{false};
  threads::parallel_for(static_cast<int>(tasks), [&](int t) {
    float* bp = workspace(b_floats);  // (k, round_up(n, NR)) as k slices of NR-wide panels
    if (!bp) {
      failed.store(true);
      return;
    }
    if (t_packed_call != call) {  // this thread's first task of the call
      g.pack_b_all(p, bp);
      t_packed_call = call;
    }
    int64_t i0, i1;
    threads::split(p.m, g.mr, static_cast<int>(tasks), t, &i0, &i1);
    g.rows_packed_b(p, how, i0, i1, bp);
  });
  if (failed.load()) return no_workspace(b_floats);
  if (db) g.col_sums(p.c, p.ldc, p.m, 0, p.n, db);
  return Status::success();
}

}  // namespace

const char* gemm_path() { return impl().name; }

namespace kernels {

gemm::Problem gemm_problem(int64_t m, int64_t n, int64_t k, const float* a, bool ta,
                           const float* b, bool tb, float* c) {
  gemm::Problem p;
  p.m = m;
  p.n = n;
  p.k = k;
  p.a = a;
  p.a_rs = ta ? 1 : k;  // a (m, k) or (k, m)
  p.a_cs = ta ? m : 1;
  p.b = b;
  p.b_ps = tb ? 1 : n;  // b (k, n) or (n, k)
  p.b_js = tb ? k : 1;
  p.c = c;
  p.ldc = n;
  p.epilogue = gemm::kStore;
  p.act = gemm::kLinear;
  p.bias = nullptr;
  p.y = nullptr;
  p.ldy = 0;
  return p;
}

Status sgemm(const gemm::Problem& p, float* db) {
  if (p.m <= 0 || p.n <= 0) {
    if (db)
      for (int64_t j = 0; j < p.n; ++j) db[j] = 0.f;
    return Status::success();
  }
  const GemmImpl& g = impl();
  const gemm::Blocking how = blocking(p);
  // The grid: tn column blocks x tm row blocks, one task each.
  int tn = 1, tm = 1;
  const int threads = threads::num_threads();
  // One row (batch-1 inference) is bound by streaming B: two cores stream twice as fast and
  // each keeps its half of B in its own L2 from call to call.
  const bool big = p.m == 1 ? p.k * p.n >= kParallelRowFloats
                            : 2.0 * p.m * p.n * p.k >= kParallelFlops;
  // One row: one block per thread, always the same columns on the same thread (affine),
  // so that repeated calls find each thread's slice of B in its own L2.
  const bool affine = threads > 1 && big && p.m == 1 && threads <= 32;
  if (threads > 1 && big && row_tasks_pay(p, how)) return sgemm_row_tasks(p, how, db);
  if (affine) {
    tn = threads;
  } else if (threads > 1 && big) {
    // Up to kTasksPerThread blocks per thread: a thread that is descheduled (a busy VM)
    // then holds back one small block, and the others take the rest.
    // Split the longer side: every column block reads all of A and every row block packs
    // all of B, so the copies go to the smaller operand.
    const int64_t want = static_cast<int64_t>(threads) * kTasksPerThread;
    const int64_t panels = (p.n + g.nr - 1) / g.nr, tiles = (p.m + g.mr - 1) / g.mr;
    int64_t first = p.m > p.n ? tiles : panels, second = p.m > p.n ? panels : tiles;
    first = first < want ? first : want;
    const int64_t rest = (want + first - 1) / first;
    second = second < rest ? second : rest;
    tm = static_cast<int>(p.m > p.n ? first : second);
    tn = static_cast<int>(p.m > p.n ? second : first);
  }
  std::atomic<bool> failed{false};
  auto task = [&](int t) {
    int64_t i0, i1, j0, j1;
    threads::split(p.m, g.mr, tm, t / tn, &i0, &i1);
    threads::split(p.n, g.nr, tn, t % tn, &j0, &j1);
    float* work = workspace(g.workspace(i1 - i0, j1 - j0, p.k));
    if (!work) {
      failed.store(true);
      return;
    }
    g.block(p, how, i0, i1, j0, j1, work);
    if (db && tm == 1) g.col_sums(p.c, p.ldc, p.m, j0, j1, db);  // whole columns here
  };
  if (tn * tm == 1) {
    task(0);
  } else if (affine) {
    threads::parallel_for_affine(tn * tm, task);
  } else {
    threads::parallel_for(tn * tm, task);
  }
  if (failed.load()) return no_workspace(g.workspace(p.m, p.n, p.k));
  if (db && tm > 1) g.col_sums(p.c, p.ldc, p.m, 0, p.n, db);
  return Status::success();
}

}  // namespace kernels
}  // namespace fk
