"""How much float32 FMA throughput the cores deliver right now: `fastkeras bench` reads it
before every framework's run.

This machine's host sometimes gives its vCPUs less than whole cores (seen: two threads of a
pure FMA loop at 97 GFLOP/s instead of 176-185, for seconds at a time); a measurement taken
then says more about the host than about the framework. One process per core runs ten
independent chains of 256-bit FMAs for about 0.1 s; the sum of their GFLOP/s goes into each
result as `fma_gflops`, and the report names the runs that started well below the run's
best reading."""

from __future__ import annotations

import tempfile

from . import machine

LOW_SHARE = 0.75  # a reading below this share of the run's best is reported

_FMA_C = r"""
#include <immintrin.h>
#include <stdio.h>
#include <time.h>
static double now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec;
}
#define F(x) x = _mm256_fmadd_ps(x, m, a)
int main(void) {
    __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
    __m256 x0 = _mm256_set1_ps(0.f), x1 = _mm256_set1_ps(1.f), x2 = _mm256_set1_ps(2.f),
           x3 = _mm256_set1_ps(3.f), x4 = _mm256_set1_ps(4.f), x5 = _mm256_set1_ps(5.f),
           x6 = _mm256_set1_ps(6.f), x7 = _mm256_set1_ps(7.f), x8 = _mm256_set1_ps(8.f),
           x9 = _mm256_set1_ps(9.f);
    long n = 0; double t0 = now(), t;
    do {  /* ten independent chains: enough to keep two FMA pipes of latency <= 5 busy */
        for (int r = 0; r < 10000; r++) {
            F(x0); F(x1); F(x2); F(x3); F(x4); F(x5); F(x6); F(x7); F(x8); F(x9);
        }
        n += 10000;
    } while ((t = now()) - t0 < 0.1);
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)),
                             _mm256_add_ps(_mm256_add_ps(x4, x5), _mm256_add_ps(x6, x7)));
    s = _mm256_add_ps(s, _mm256_add_ps(x8, x9));
    float out[8];
    _mm256_storeu_ps(out, s);
    printf("%.2f %g\n", n * 10.0 * 16 / (t - t0) / 1e9, out[0]);  /* 16 FLOP per FMA */
    return 0;
}
"""


class FmaProbe:
    """Compiles the probe once (x86-64 with AVX2 and FMA and a C compiler; otherwise
    `available` is False and measure() returns None)."""

    def __init__(self, cores: int, simd_flags):
        self.cores = max(1, int(cores))
        self._tmp = None
        self.exe = None
        if not {"avx2", "fma"} <= set(simd_flags or ()):
            return
        self._tmp = tempfile.TemporaryDirectory()
        self.exe = machine.compile_c(_FMA_C, self._tmp.name, ("-mavx2", "-mfma"))

    @property
    def available(self) -> bool:
        return self.exe is not None

    def measure(self) -> float | None:
        """GFLOP/s of all the cores together, one probe process each, or None."""
        if self.exe is None:
            return None
        values = machine.first_number_per_core(self.exe, self.cores)
        return None if None in values else sum(values)

    def close(self):
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None


def readings(results) -> list[tuple[dict, int | None]]:
    """(run, round number or None) for every run behind these results (with --rounds, a
    result holds its rounds) that has a reading."""
    out = []
    for r in results:
        runs = r.get("rounds")
        for k, x in enumerate(runs or [r]):
            if x.get("fma_gflops"):
                out.append((x, k + 1 if runs else None))
    return out


def low_readings(results) -> list[tuple[dict, int | None, float]]:
    """(run, round or None, its reading as a share of the best) for the runs that started
    with the cores delivering less than LOW_SHARE of the best reading among these runs."""
    runs = readings(results)
    if not runs:
        return []
    best = max(x["fma_gflops"] for x, _ in runs)
    return [(x, k, x["fma_gflops"] / best) for x, k in runs
            if x["fma_gflops"] < LOW_SHARE * best]
