// FMA throughput of one and of two threads: 12 independent AVX2 FMA chains per thread, no
// memory traffic. Tells whether the machine's two CPUs are two cores' worth of arithmetic
// (a GEMM that scales worse than this is limited by something they share); see
// docs/perf-notes.md, v0.3.
//
// Build and run: g++ -O3 -funroll-loops -mavx2 -mfma -pthread bench/native/fma_peak.cpp -o /tmp/fma && /tmp/fma
#include <immintrin.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <thread>
#include <vector>

static float chains(long iters) {
  __m256 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(1.0f + i * 1e-3f);
  const __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-7f);
  for (long t = 0; t < iters; ++t)
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  float sum = 0;
  for (int i = 0; i < 12; ++i) sum += acc[i][0];
  return sum;
}

int main() {
  const long iters = 200000000;
  for (int threads : {1, 2}) {
    std::vector<std::thread> pool;
    std::atomic<float> sink{0};  // keeps the results live
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < threads; ++i)
      pool.emplace_back([&] { sink.store(sink.load() + chains(iters)); });
    for (auto& t : pool) t.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gflops = 2.0 * 8 * 12 * iters * threads / s / 1e9;
    std::printf("%d thread(s): %.1f GFLOP/s (%.1f per thread)  [%g]\n", threads, gflops,
                gflops / threads, sink.load());
  }
}
