"""max_pool / max_pool_grad beyond the registry walk (op_cases.py): the tie rule of Keras 3's
JAX backend (XLA's reduce_window max and its select-and-scatter gradient: the first maximum
in the window's row-major order takes the whole gradient), NaN, the threaded native path on
a W4-sized input, and a bad argmax index, on every backend."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.eager import run_eager
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.primitive import canonical_attrs, get


def _pool_and_grad(x, pool, strides, padding, backend):
    """(max_pool(x), d sum(max_pool(x)) / dx) through ops.max_pool, traced and run on backend."""
    g = Graph("pool")
    with g:
        ph = g.placeholder(x.shape, x.dtype.name)
        y = ops.max_pool(ph, pool, strides, padding)
        (dx,) = grad(bind("sum", y, axes=None), [ph])
        return evaluate([y, dx], {ph: x}, backends.get(backend))


def _first_max_grad(x, pool, strides):
    """The tie rule written out for 1-D 'valid' windows: each window's first maximum gets 1."""
    dx = np.zeros_like(x)
    for start in range(0, x.shape[1] - pool + 1, strides):
        window = x[0, start:start + pool, 0]
        dx[0, start + int(np.argmax(window)), 0] += 1  # np.argmax: the first maximum
    return dx


@pytest.mark.parametrize("pool, strides", [(2, 2), (3, 1), (2, 1)])
def test_ties_send_the_gradient_to_the_first_maximum(backend, pool, strides):
    x = np.array([1, 3, 3, 2, 5, 5, 5, 0], np.float32).reshape(1, 8, 1)
    y, dx = _pool_and_grad(x, pool, strides, "valid", backend)
    np.testing.assert_array_equal(dx, _first_max_grad(x, pool, strides))
    assert dx.sum() == y.size  # one unit of gradient per window, never split


def test_same_padding_ties_skip_the_padding(backend):
    # All ones, 3x3 windows, stride 1, 'same': each window's first real position wins
    # (what jax.grad of lax.reduce_window max gives: row 0 and column 0 collect the most).
    x = np.ones((1, 4, 4, 1), np.float32)
    y, dx = _pool_and_grad(x, (3, 3), (1, 1), "same", backend)
    first = np.array([0, 0, 1, 2])  # first real row/column of the window at each output
    want = np.zeros((4, 4), np.float32)
    for i in range(4):
        for j in range(4):
            want[first[i], first[j]] += 1
    np.testing.assert_array_equal(y, np.ones_like(y))
    np.testing.assert_array_equal(dx[0, :, :, 0], want)


def test_nan_wins_its_window(backend):
    x = np.array([1, np.nan, 4, 2, 3, 0], np.float32).reshape(1, 6, 1)
    y, dx = _pool_and_grad(x, 2, 2, "valid", backend)
    assert np.isnan(y[0, 0, 0]) and y[0, 1:, 0].tolist() == [4, 3]
    np.testing.assert_array_equal(dx.ravel(), [0, 1, 1, 0, 1, 0])


def _run(name, backend, ins, **attrs):
    prim = get(name)
    return run_eager(prim, ins, canonical_attrs(prim, attrs), backend)


@pytest.mark.parametrize("shape, pool, strides, padding", [
    ((16, 26, 26, 32), (2, 2), (2, 2), ((0, 0), (0, 0))),   # W4's first pooling, threaded
    ((3, 30, 20, 24), (3, 3), (2, 2), ((1, 1), (0, 1))),    # overlapping windows
])
def test_native_kernels_match_the_reference_on_large_inputs(shape, pool, strides, padding):
    # Few distinct values: most windows hold ties, which every backend must break alike.
    x = np.random.default_rng(3).integers(0, 4, shape).astype(np.float32)
    attrs = dict(pool_size=pool, strides=strides, padding=padding)
    ref = backends.get("reference")
    y_ref, arg_ref = _run("max_pool", ref, [x], **attrs)
    dy = np.random.default_rng(4).standard_normal(y_ref.shape).astype(np.float32)
    dx_ref, = _run("max_pool_grad", ref, [dy, arg_ref], spatial=shape[1:-1])
    for name in ("cpu", "numba"):
        if not backends.available(name):
            continue
        b = backends.get(name)
        y, arg = _run("max_pool", b, [x], **attrs)
        np.testing.assert_array_equal(y, y_ref)
        np.testing.assert_array_equal(arg, arg_ref)
        dx, = _run("max_pool_grad", b, [dy, arg], spatial=shape[1:-1])
        np.testing.assert_allclose(dx, dx_ref, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("bad", [-1, 12])
def test_argmax_outside_the_input_is_an_index_error(backend, bad):
    dy = np.ones((2, 2, 2, 1), np.float32)
    arg = np.zeros((2, 2, 2, 1), np.int32)
    arg[1, 1, 0, 0] = bad
    with pytest.raises(IndexError, match="max_pool_grad"):
        _run("max_pool_grad", backends.get(backend), [dy, arg], spatial=(3, 4))
