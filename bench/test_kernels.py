"""The non-GEMM hot kernels of a training step at workload sizes: the fused Dense forward
and backward (GEMM + epilogue), the loss gradient through the output activation, and the
multi-tensor Adam update. Reported as time per call (and GFLOP/s for the GEMM-based ones).

Run: `pytest bench/test_kernels.py --benchmark-only`."""

import numpy as np
import pytest

from conftest import record

CODES = None


def _run(name, ins, outs, ints=(), floats=()):
    global CODES
    from fastkeras import _cpu
    CODES = CODES or _cpu.op_codes()
    run, code, ins, outs, ints, floats = (_cpu.run_op, CODES[name], list(ins), list(outs),
                                          list(ints), list(floats))
    return lambda: run(code, ins, outs, ints, floats)


def _f(rng, *shape):
    return rng.standard_normal(shape, dtype=np.float32)


RELU, SIGMOID = 1, 2
DENSE = [("W1", 32, 32, 64, RELU), ("W1", 32, 64, 64, RELU), ("W1", 32, 64, 1, SIGMOID),
         ("W2", 128, 784, 256, RELU), ("W2", 128, 256, 256, RELU), ("W2", 128, 256, 10, 0)]


@pytest.mark.parametrize("wl,m,k,n,act", DENSE, ids=[f"{d[0]}-{d[1]}x{d[2]}x{d[3]}" for d in DENSE])
def test_dense(benchmark, rng, wl, m, k, n, act):
    x, w, b, y = _f(rng, m, k), _f(rng, k, n), _f(rng, n), np.empty((m, n), np.float32)
    fn = _run("dense", [x, w, b], [y], [act])
    benchmark.group = "dense"
    benchmark(fn)
    record(benchmark, wl, f"dense {m}x{k}x{n}", "fastkeras", 2 * m * k * n)


# Backward through a hidden Dense: dZ_prev = relu_grad(h_prev, dZ @ W^T), db = sum(dZ_prev, 0).
GRAD = [("W1", 32, 64, 64), ("W1", 32, 1, 64), ("W2", 128, 256, 256), ("W2", 128, 10, 256)]


@pytest.mark.parametrize("wl,m,k,n", GRAD, ids=[f"{g[0]}-{g[1]}x{g[2]}x{g[3]}" for g in GRAD])
def test_matmul_act_grad(benchmark, rng, wl, m, k, n):
    dz, w, h = _f(rng, m, k), _f(rng, n, k), _f(rng, m, n)
    out, db = np.empty((m, n), np.float32), np.empty(n, np.float32)
    fn = _run("matmul_act_grad", [dz, w, h], [out, db], [0, 1, RELU])
    benchmark.group = "matmul_act_grad"
    benchmark(fn)
    record(benchmark, wl, f"matmul_act_grad {m}x{k}x{n} tB", "fastkeras", 2 * m * k * n)


def test_scce_softmax_grad(benchmark, rng):
    logits = _f(rng, 128, 10)
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    t = rng.integers(0, 10, 128).astype(np.int32)
    g, out = np.full(128, 1 / 128, np.float32), np.empty((128, 10), np.float32)
    benchmark.group = "loss"
    benchmark(_run("sparse_categorical_crossentropy_softmax_grad",
                   [t, p.astype(np.float32), g], [out]))


@pytest.mark.parametrize("wl,n", [("W1", 6337), ("W2", 269322), ("W3", 6338570)])
def test_adam(benchmark, rng, wl, n):
    # var, m, v and g laid out one after another (64-byte aligned), as the planner's state
    # block does. Separate numpy allocations can land at relative offsets that alias in
    # Zen 3's L1 (arrays 1 MiB + 32 KiB apart run Adam 5x slower), which plans never see.
    stride = (n + 15) // 16 * 16
    block = _f(rng, 4 * stride)
    var, g, m, v = (block[i * stride:i * stride + n] for i in range(4))
    v[:] = np.abs(v)
    lr, it = np.array(1e-3, np.float32), np.array(3, np.int64)
    benchmark.group = "adam"
    benchmark(_run("adam_update", [var, g, m, v, lr, it], [], [], [0.9, 0.999, 1e-7]))
    benchmark.extra_info["ns_per_param"] = round(benchmark.stats.stats.median / n * 1e9, 3) \
        if benchmark.stats else None


@pytest.mark.parametrize("threads", [1, 2])
def test_pool_dispatch(benchmark, threads):
    """One empty parallel job (the pool's synchronisation alone): median ns over 10,000."""
    from fastkeras import _cpu
    before = _cpu.get_num_threads()
    _cpu.set_num_threads(threads)
    try:
        benchmark.group = "thread pool"
        ns = benchmark.pedantic(lambda: _cpu.pool_dispatch_ns(10000), rounds=5, iterations=1)
        benchmark.extra_info["dispatch_ns"] = round(ns)
    finally:
        _cpu.set_num_threads(before)
