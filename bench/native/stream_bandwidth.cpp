// Streaming read bandwidth of this machine's caches: one and two threads each sum their
// half of a buffer (8 AVX2 accumulators) many times. The limit of memory-bound kernels such
// as the 1-row forward of W5 (1.07 MB of weights per call); see docs/perf-notes.md.
//
// Build and run: g++ -O2 -mavx2 -mfma -pthread bench/native/stream_bandwidth.cpp -o /tmp/bw && /tmp/bw
#include <immintrin.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <thread>
static float sum_half(const float* a, long n, long reps) {
  __m256 s[8];
  for (auto& x : s) x = _mm256_setzero_ps();
  for (long r = 0; r < reps; ++r)
    for (long i = 0; i < n; i += 64)
      for (int k = 0; k < 8; ++k) s[k] = _mm256_add_ps(s[k], _mm256_load_ps(a + i + 8 * k));
  for (int k = 1; k < 8; ++k) s[0] = _mm256_add_ps(s[0], s[k]);
  float o[8]; _mm256_storeu_ps(o, s[0]); return o[0];
}
int main() {
  for (long kb : {256, 535, 802, 1070, 2048, 8192}) {
    long n = kb * 1024 / 4 / 64 * 64;
    float* a = (float*)aligned_alloc(64, n * 4 + 64);
    for (long i = 0; i < n; ++i) a[i] = 1.0f;
    long reps = (1L << 32) / (n * 4) + 1;
    for (int th : {1, 2}) {
      long per = n / th / 64 * 64;
      auto t0 = std::chrono::steady_clock::now();
      float r0 = 0, r1 = 0;
      if (th == 1) r0 = sum_half(a, n, reps);
      else {
        std::thread t([&] { r1 = sum_half(a + per, per, reps); });
        r0 = sum_half(a, per, reps);
        t.join();
      }
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      printf("%5ld KB, %d thread(s): %6.1f GB/s (%g)\n", kb, th, reps * (per * th) * 4 / dt / 1e9, r0 + r1);
    }
    free(a);
  }
}
