"""fastkeras GEMM (`_cpu.run_op(matmul)`) against numpy.matmul at every matmul of W1-W3
training and of the W5 predicts (batch 4096 and 1), in the same run. GFLOP/s lands in
extra_info and in the table printed at the end (bench/conftest.py).

Per Dense layer (in -> out) at batch B: forward X @ W is (B, in, out); backward dX = dZ @ W^T
is (B, out, in) with transpose_b (not for the first layer: its input is data); dW = X^T @ dZ
is (in, B, out) with transpose_a. Shapes are written (m, k, n)."""

import time

import numpy as np
import pytest

from conftest import record

LAYERS = {  # workload: (batch, [units...])
    "W1": (32, [32, 64, 64, 1]),
    "W2": (128, [784, 256, 256, 10]),
    "W3": (512, [1024, 2048, 2048, 10]),
}


def _shapes():
    out = []
    for wl, (b, units) in LAYERS.items():
        for i, (fin, fout) in enumerate(zip(units, units[1:])):
            out.append((wl, f"fwd{i + 1}", b, fin, fout, False, False))
            if i > 0:
                out.append((wl, f"dX{i + 1}", b, fout, fin, False, True))
            out.append((wl, f"dW{i + 1}", fin, b, fout, True, False))
    units = LAYERS["W2"][1]  # W5: predict on the W2 model, batch 4096 and batch 1
    for wl, b in (("W5", 4096), ("W5b1", 1)):
        for i, (fin, fout) in enumerate(zip(units, units[1:])):
            out.append((wl, f"fwd{i + 1}", b, fin, fout, False, False))
    return out


SHAPES = _shapes()


def _operands(rng, m, k, n, ta, tb):
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    return a, b, np.empty((m, n), np.float32)


def _fastkeras(a, b, c, ta, tb):
    from fastkeras import _cpu
    run, code = _cpu.run_op, _cpu.op_codes()["matmul"]
    ins, outs, ints = [a, b], [c], [int(ta), int(tb)]
    return lambda: run(code, ins, outs, ints, [])


def _numpy(a, b, c, ta, tb):
    a_, b_ = (a.T if ta else a), (b.T if tb else b)  # views: BLAS gets the transpose flags
    return lambda: np.matmul(a_, b_, out=c)


@pytest.mark.parametrize("impl", ["fastkeras", "numpy"])
@pytest.mark.parametrize("wl,role,m,k,n,ta,tb", SHAPES,
                         ids=[f"{s[0]}-{s[1]}-{s[2]}x{s[3]}x{s[4]}" for s in SHAPES])
def test_matmul(benchmark, rng, impl, wl, role, m, k, n, ta, tb):
    a, b, c = _operands(rng, m, k, n, ta, tb)
    fn = (_fastkeras if impl == "fastkeras" else _numpy)(a, b, c, ta, tb)
    benchmark.group = f"{wl}-{role}"
    fn()
    np.testing.assert_allclose(c, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-3, atol=1e-3)
    flops = 2 * m * k * n
    # Large shapes take ~10-100 ms a call: a few rounds are enough.
    if flops > 1e9:
        benchmark.pedantic(fn, rounds=10, iterations=1, warmup_rounds=1)
    else:
        benchmark(fn)
    label = f"{role} {m}x{k}x{n}" + (" tA" if ta else "") + (" tB" if tb else "")
    record(benchmark, wl, label, impl, flops)
    if impl == "numpy":
        # OpenBLAS's threads spin ~0.1 s after a call before they sleep; let them, so they
        # do not take the second core from the next shape's fastkeras benchmark.
        time.sleep(0.3)
