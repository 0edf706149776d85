// The kernels' persistent thread pool (thread_pool.hpp).
//
// Dispatch: the caller publishes the task function, then one 64-bit "ticket" holding the
// job's generation (32 bits), task count (16) and next unclaimed index (16), then bumps
// `gen`, the workers' wake-up word. Everyone, caller included, claims indices with a CAS on
// the ticket; a claim carrying an old generation fails, so a worker that wakes late can
// never run a task of a finished job. The caller returns once `finished` reaches the task
// count; it never waits for workers that did not take part.
//
// Affine jobs (parallel_for_affine) leave the ticket empty and claim task i by setting bit
// i of `affine`, whose high half is the job's generation, the same way: worker w claims only
// task w, the caller takes task 0 and then whatever no worker has claimed yet.
//
// Waiting: a worker spins on `gen` (with pause) for kSpin after its last job, then sleeps
// on a condition variable. The caller only takes the mutex to notify when some worker
// sleeps (`sleepers`), so a dispatch to spinning workers is a few cache-line transfers.
#include "thread_pool.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

namespace fk::threads {
namespace {

constexpr auto kSpin = std::chrono::microseconds(200);
constexpr int kMaxTasks = 0xffff;
constexpr int kMaxAffine = 32;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(_M_X64)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

struct Pool {
  std::atomic<uint64_t> ticket{0};
  std::atomic<uint64_t> affine{0};  // affine jobs: generation << 32 | claimed tasks
  std::atomic<uint32_t> gen{0};
  std::atomic<int> finished{0};
  std::atomic<int> sleepers{0};
  std::atomic<bool> stop{false};
  TaskFn fn = nullptr;  // read only by the holder of an unfinished task of the current job
  void* ctx = nullptr;
  std::mutex sleep_mu;
  std::condition_variable wake;
  std::mutex dispatch_mu;  // one job at a time
  std::vector<std::thread> workers;
};

// Never destroyed: workers may still be parked in it at process exit. A forked child gets a
// fresh one (its parent's workers do not exist there).
Pool* g_pool = new Pool;
std::atomic<int> g_threads{0};  // 0: not configured yet
thread_local bool t_in_pool = false;

int default_threads() {
  if (const char* env = std::getenv("FASTKERAS_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
  const unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

// Claims and runs tasks of generation g until none is left.
void run_tasks(Pool* p, uint32_t g) {
  uint64_t t = p->ticket.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<uint32_t>(t >> 32) != g) return;
    const int n = static_cast<int>((t >> 16) & kMaxTasks), i = static_cast<int>(t & kMaxTasks);
    if (i >= n) return;
    if (!p->ticket.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel,
                                         std::memory_order_acquire))
      continue;
    p->fn(p->ctx, i);
    p->finished.fetch_add(1, std::memory_order_release);
    t = p->ticket.load(std::memory_order_acquire);
  }
}

// Claims task i of affine job g; false if it is taken or the job is over.
bool claim_affine(Pool* p, uint32_t g, int i) {
  const uint64_t bit = uint64_t{1} << i;
  uint64_t w = p->affine.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<uint32_t>(w >> 32) != g || (w & bit)) return false;
    if (p->affine.compare_exchange_weak(w, w | bit, std::memory_order_acq_rel,
                                        std::memory_order_acquire))
      return true;
  }
}

void run_affine(Pool* p, uint32_t g, int i) {
  if (!claim_affine(p, g, i)) return;
  p->fn(p->ctx, i);
  p->finished.fetch_add(1, std::memory_order_release);
}

// `id` is the worker's thread number (1 .. threads - 1): its task in affine jobs.
void worker_main(Pool* p, uint32_t seen, int id) {
  t_in_pool = true;  // a kernel called from a task runs serially
  for (;;) {
    auto since = std::chrono::steady_clock::now();
    for (unsigned spins = 1; p->gen.load(std::memory_order_acquire) == seen; ++spins) {
      cpu_relax();
      if (spins % 256 == 0 && std::chrono::steady_clock::now() - since > kSpin) {
        std::unique_lock<std::mutex> lock(p->sleep_mu);
        p->sleepers.fetch_add(1);
        p->wake.wait(lock, [&] { return p->gen.load() != seen; });
        p->sleepers.fetch_sub(1);
      }
    }
    seen = p->gen.load(std::memory_order_acquire);
    if (p->stop.load()) return;
    run_tasks(p, seen);
    if (id < kMaxAffine) run_affine(p, seen, id);
  }
}

void notify_sleepers(Pool* p) {
  if (p->sleepers.load() > 0) {
    std::lock_guard<std::mutex> lock(p->sleep_mu);
    p->wake.notify_all();
  }
}

// Makes the pool have exactly `n` workers. Called with dispatch_mu held.
void resize(Pool* p, size_t n) {
  if (p->workers.size() > n) {  // stop them all, respawn below
    p->stop.store(true);
    p->gen.fetch_add(1);
    notify_sleepers(p);
    for (std::thread& w : p->workers) w.join();
    p->workers.clear();
    p->stop.store(false);
  }
  while (p->workers.size() < n)
    p->workers.emplace_back(worker_main, p, p->gen.load(), static_cast<int>(p->workers.size()) + 1);
}

#if defined(__linux__)
void reset_after_fork() { g_pool = new Pool; }  // the old one is leaked on purpose
[[maybe_unused]] const bool g_atfork = pthread_atfork(nullptr, nullptr, reset_after_fork) == 0;
#endif

}  // namespace

int num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    g_threads.store(n, std::memory_order_relaxed);
  }
  return n;
}

void set_num_threads(int n) { g_threads.store(n > 0 ? n : default_threads()); }

namespace {

// Publishes job g (ticket and affine word already set) and wakes the workers.
void publish(Pool* p, TaskFn fn, void* ctx, uint32_t g) {
  p->fn = fn;
  p->ctx = ctx;
  p->gen.store(g);  // seq_cst: ordered before the sleepers check (no lost wake-up)
  notify_sleepers(p);
}

void wait_finished(Pool* p, int n) {
  for (unsigned spins = 1; p->finished.load(std::memory_order_acquire) < n; ++spins)
    if (spins % 4096 == 0) std::this_thread::yield(); else cpu_relax();
}

// Takes the dispatch lock and sizes the pool; false: run serially on the caller.
bool begin_job(Pool* p, int n, int max_tasks) {
  const int threads = num_threads();
  if (n == 1 || n > max_tasks || threads <= 1 || t_in_pool || !p->dispatch_mu.try_lock())
    return false;
  resize(p, static_cast<size_t>(threads - 1));
  p->finished.store(0, std::memory_order_relaxed);
  return true;
}

}  // namespace

void parallel_for(int n, TaskFn fn, void* ctx) {
  if (n <= 0) return;
  Pool* p = g_pool;
  if (!begin_job(p, n, kMaxTasks)) {
    for (int i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
  const uint32_t g = p->gen.load(std::memory_order_relaxed) + 1;
  p->ticket.store(static_cast<uint64_t>(g) << 32 | static_cast<uint64_t>(n) << 16,
                  std::memory_order_release);
  publish(p, fn, ctx, g);
  t_in_pool = true;
  run_tasks(p, g);
  t_in_pool = false;
  wait_finished(p, n);
  p->dispatch_mu.unlock();
}

void parallel_for_affine(int n, TaskFn fn, void* ctx) {
  if (n <= 0) return;
  Pool* p = g_pool;
  if (n > num_threads() || !begin_job(p, n, kMaxAffine)) {
    for (int i = 0; i < n; ++i) fn(ctx, i);
    return;
  }
  const uint32_t g = p->gen.load(std::memory_order_relaxed) + 1;
  // An empty ticket (next == n): no dynamic claims in this job.
  p->ticket.store(static_cast<uint64_t>(g) << 32 | static_cast<uint64_t>(n) << 16 |
                      static_cast<uint64_t>(n),
                  std::memory_order_release);
  // Tasks n .. 31 do not exist: marked claimed, so that workers numbered n and up skip.
  const uint64_t absent = ~((uint64_t{1} << n) - 1) & 0xffffffffu;
  p->affine.store(static_cast<uint64_t>(g) << 32 | absent, std::memory_order_release);
  publish(p, fn, ctx, g);
  t_in_pool = true;
  for (int i = 0; i < n; ++i) run_affine(p, g, i);  // own task first, then the unclaimed
  t_in_pool = false;
  wait_finished(p, n);
  p->dispatch_mu.unlock();
}

void split(int64_t total, int64_t align, int parts, int part, int64_t* lo, int64_t* hi) {
  const int64_t units = (total + align - 1) / align;
  const int64_t per = units / parts, extra = units % parts;
  const int64_t first = part * per + (part < extra ? part : extra);
  const int64_t count = per + (part < extra ? 1 : 0);
  *lo = first * align < total ? first * align : total;
  *hi = (first + count) * align < total ? (first + count) * align : total;
}

}  // namespace fk::threads
