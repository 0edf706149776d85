"""What every runner process reports besides its own timings: a throughput measurement of
a repeated call, and how many threads its framework computes with."""

from __future__ import annotations

import statistics
import sys
import time

_MIN_REPEAT_S = 1.0   # throughput: repeat the batch call for at least this long ...
_MIN_REPEATS = 5      # ... and at least this many times


def throughput(fn, rows):
    """Median rows per second of fn() after two warm-up calls, repeated at least
    _MIN_REPEATS times and _MIN_REPEAT_S seconds."""
    for _ in range(2):  # warm-up: compilation, plan creation, allocator
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < _MIN_REPEATS or time.perf_counter() - start < _MIN_REPEAT_S:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"rows": rows, "times": times, "samples_per_s": rows / statistics.median(times)}


def thread_info(framework):
    """How many threads the framework computes with (read after it ran, in its process)."""
    import os
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "MKL_NUM_THREADS",
             "XLA_FLAGS")
    info = {k: os.environ[k] for k in names if k in os.environ}
    if hasattr(os, "sched_getaffinity"):
        info["cpus"] = len(os.sched_getaffinity(0))
    if framework == "torch":
        import torch
        info["intra_op"] = torch.get_num_threads()
        info["inter_op"] = torch.get_num_interop_threads()
    elif framework in ("jax", "keras") and "jax" in sys.modules:
        import jax
        info["jax_devices"] = [str(d) for d in jax.devices()]
    elif framework.startswith("fastkeras:"):
        from .. import config
        if hasattr(config, "get_num_threads"):
            info["fastkeras"] = config.get_num_threads()
        if framework.endswith(":numba"):
            import numba
            info["numba"] = numba.get_num_threads()
    return info
