"""The matmul-only ceiling: numpy (OpenBLAS) float32 time for exactly one step's matmuls.

Run by the harness as a plain script (`python ceiling.py JSON`), not as part of the
package, so nothing fastkeras does on import (thread settings, native modules) touches
numpy's BLAS; the harness also removes OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from its
environment, which would otherwise pin OpenBLAS to a slower kernel. JSON is a list of
{"id", "batch", "shapes": [[m, k, n, transpose], ...]}; prints one `RESULT {json}` line.

Step time = best over rounds of the mean time of one pass over all shapes, with
preallocated outputs (`np.matmul(..., out=)`), so it is BLAS time plus numpy's call
overhead only. Which kernel ran is read with threadpoolctl when it is importable, else
straight from the loaded OpenBLAS library with ctypes."""

from __future__ import annotations

import json
import sys
import time

import numpy as np

_ROUND_S = 0.25      # each round repeats the step for at least this long
_ROUNDS = 5


def _operands(shapes, rng):
    ops = []
    for m, k, n, t in shapes:
        a = rng.standard_normal((k, m) if t == "a" else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if t == "b" else (k, n), dtype=np.float32)
        # Transposed *views*, as the backward pass passes them: BLAS gets a transpose flag.
        ops.append((a.T if t == "a" else a, b.T if t == "b" else b,
                    np.empty((m, n), np.float32)))
    return ops


def _best_time(ops, round_s=None, rounds=_ROUNDS):
    """Best-of-rounds mean seconds for one pass over ops."""
    round_s = _ROUND_S if round_s is None else round_s
    def once():
        for a, b, c in ops:
            np.matmul(a, b, out=c)

    for _ in range(3):
        once()
    best = float("inf")
    for _ in range(rounds):
        reps, t0 = 0, time.perf_counter()
        while True:
            once()
            reps += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= round_s:
                break
        best = min(best, elapsed / reps)
    return best


def measure(spec):
    rng = np.random.default_rng(0)
    out = {}
    for item in spec:
        ops = _operands(item["shapes"], rng)
        step_s = _best_time(ops)
        flops = sum(2 * m * k * n for m, k, n, _ in item["shapes"])
        per_shape = [{"shape": list(s), "seconds": _best_time([op], _ROUND_S / 5, 3)}
                     for s, op in zip(item["shapes"], ops)]
        out[item["id"]] = {"batch": item["batch"], "step_s": step_s, "flops_per_step": flops,
                           "gflops": flops / step_s / 1e9,
                           "samples_per_s": item["batch"] / step_s, "per_shape": per_shape}
    return out


def blas_info():
    """Which BLAS numpy uses and which kernel (core type) it picked at run time."""
    try:
        import threadpoolctl
        libs = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if libs:
            return dict(libs[0], source=f"threadpoolctl {threadpoolctl.__version__}")
    except ImportError:
        pass
    return _openblas_ctypes()


def _openblas_ctypes():
    """threadpoolctl's own method: ask the loaded OpenBLAS (any symbol prefix/suffix)."""
    import ctypes
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({ln.split()[-1] for ln in f if "openblas" in ln.lower()})
    except OSError:
        paths = []
    for path in paths:
        lib = ctypes.CDLL(path)
        for pre, suf in (("", ""), ("scipy_", "64_"), ("scipy_", ""), ("", "64_")):
            core = getattr(lib, f"{pre}openblas_get_corename{suf}", None)
            if core is None:
                continue
            core.restype = ctypes.c_char_p
            config = getattr(lib, f"{pre}openblas_get_config{suf}")
            config.restype = ctypes.c_char_p
            threads = getattr(lib, f"{pre}openblas_get_num_threads{suf}")
            return {"source": "ctypes (threadpoolctl not importable)",
                    "internal_api": "openblas", "filepath": path,
                    "architecture": core().decode(), "version": config().decode(),
                    "num_threads": threads()}
    return {"source": "unknown (threadpoolctl not importable, no OpenBLAS found)"}


if __name__ == "__main__":
    result = {"numpy": np.__version__, "results": measure(json.loads(sys.argv[1])),
              "blas": blas_info()}
    print("RESULT " + json.dumps(result))
