"""The cpu GEMM's blocked paths against float64 NumPy, and bit-identical for any thread
count: k deeper than one slice, packed A, the row tasks of tall problems (B packed once
per thread),
transposes, and the fused epilogues (dense: bias + activation; matmul_act_grad: activation
gradient + column sums). The op harness (test_op_backends.py) covers the small shapes."""

import numpy as np
import pytest

from fastkeras import backends

pytestmark = pytest.mark.skipif(not backends.available("cpu"), reason="cpu backend not built")

SHAPES = [  # m, k, n, transpose_a, transpose_b
    (4096, 784, 256, False, False),   # W5's first layer: row tasks, 3 k slices
    (1031, 1000, 40, False, True),    # row tasks: ragged rows and panels, transposed B
    (1500, 300, 70, True, False),     # row tasks: transposed A
    (600, 800, 520, False, False),    # packed A (n >= 512), column split
    (96, 2049, 33, True, True),       # deep k, both transposed, below the parallel split
    (200, 500, 1030, False, False),   # column blocks from j0 > 0, the last with a ragged panel
]


@pytest.fixture
def cpu():
    from fastkeras import _cpu
    previous = _cpu.get_num_threads()
    yield _cpu
    _cpu.set_num_threads(previous)


def run(cpu, op, inputs, outputs, ints, threads):
    cpu.set_num_threads(threads)
    outs = [np.full_like(o, np.nan) for o in outputs]
    cpu.run_op(cpu.op_codes()[op], inputs, outs, ints, [])
    return outs


def operands(m, k, n, ta, tb, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    return a, b, (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)


def close(got, want, k):
    scale = np.sqrt(k) * np.abs(want).max() * 1e-6  # float32 sums of k terms
    np.testing.assert_allclose(got, want, rtol=0, atol=scale)


@pytest.mark.parametrize("m,k,n,ta,tb", SHAPES)
def test_matmul(cpu, m, k, n, ta, tb):
    a, b, want = operands(m, k, n, ta, tb)
    runs = [run(cpu, "matmul", [a, b], [np.empty((m, n), np.float32)], [ta, tb], t)[0]
            for t in (1, 2, 3)]
    close(runs[0], want, k)
    for other in runs[1:]:
        np.testing.assert_array_equal(other, runs[0])


@pytest.mark.parametrize("m,k,n", [(4096, 784, 256), (600, 800, 520)])
def test_dense_bias_relu(cpu, m, k, n):
    a, w, prod = operands(m, k, n, False, False, seed=1)
    bias = np.linspace(-1, 1, n, dtype=np.float32)
    runs = [run(cpu, "dense", [a, w, bias], [np.empty((m, n), np.float32)], [1], t)[0]
            for t in (1, 2)]
    close(runs[0], np.maximum(prod + bias, 0), k)
    np.testing.assert_array_equal(runs[1], runs[0])


def test_matmul_act_grad_with_column_sums(cpu):
    # dX = relu'(y) * (g @ W^T), plus db = column sums of dX: the backward of a Dense layer
    m, k, n = 2048, 400, 300
    g, w, prod = operands(m, k, n, False, True, seed=2)
    y = np.random.default_rng(3).standard_normal((m, n), dtype=np.float32)
    outs = [np.empty((m, n), np.float32), np.empty(n, np.float32)]
    runs = [run(cpu, "matmul_act_grad", [g, w, y], outs, [0, 1, 1], t) for t in (1, 2)]
    dx = np.where(y > 0, prod, 0.0)
    close(runs[0][0], dx, k)
    close(runs[0][1], dx.sum(axis=0), k * m)
    for got, ref in zip(runs[1], runs[0]):
        np.testing.assert_array_equal(got, ref)
