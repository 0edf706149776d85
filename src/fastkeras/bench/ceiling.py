"""The matmul-only ceiling: numpy (OpenBLAS) float32 time for exactly one step's matmuls.

Run by the harness as a plain script (`python ceiling.py JSON`), not as part of the
package, so nothing fastkeras does on import (thread settings, native modules) touches
numpy's BLAS; the harness also removes OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE from its
environment, which would otherwise pin OpenBLAS to a slower kernel. JSON is a list of
{"id", "batch", "shapes": [[m, k, n, transpose(, calls, heads)], ...]}; prints one
`RESULT {json}` line. `calls` (default 1): the product is repeated that many times in
sequence (a recurrent layer's timesteps); `heads` (default 1): one batched matmul over that
many independent (m, k) @ (k, n) products (attention's per-sample, per-head products).

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


def _unpack(shape):
    """(m, k, n, transpose, calls, heads) of a 4- or 6-element shape."""
    m, k, n, t, *rest = shape
    calls, heads = rest if rest else (1, 1)
    return m, k, n, t, calls, heads


def shape_flops(shape) -> int:
    m, k, n, _, calls, heads = _unpack(shape)
    return 2 * m * k * n * calls * heads


def _operands(shapes, rng):
    ops = []
    for shape in shapes:
        m, k, n, t, calls, heads = _unpack(shape)
        lead = (heads,) if heads > 1 else ()
        a = rng.standard_normal(lead + ((k, m) if t == "a" else (m, k)), dtype=np.float32)
        b = rng.standard_normal(lead + ((n, k) if t == "b" else (k, n)), dtype=np.float32)
        # Transposed *views*, as the backward pass passes them: BLAS gets a transpose flag.
        a, b = (np.swapaxes(a, -1, -2) if t == "a" else a,
                np.swapaxes(b, -1, -2) if t == "b" else b)
        ops.extend([(a, b, np.empty(lead + (m, n), np.float32))] * calls)
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


def _offsets(shapes):
    """Index of each shape's first operand triple in _operands's list."""
    at, out = 0, []
    for s in shapes:
        out.append(at)
        at += _unpack(s)[4]
    return out


def measure(spec):
    rng = np.random.default_rng(0)
    out = {}
    for item in spec:
        ops = _operands(item["shapes"], rng)
        step_s = _best_time(ops)
        flops = sum(shape_flops(s) for s in item["shapes"])
        per_shape = [{"shape": list(s), "seconds": _best_time(
            ops[at:at + _unpack(s)[4]], _ROUND_S / 5, 3)}
            for s, at in zip(item["shapes"], _offsets(item["shapes"]))]
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
