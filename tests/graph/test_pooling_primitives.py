"""max_pool / max_pool_grad beyond the registry walk (op_cases.py): the tie rule of Keras 3's
JAX backend (XLA's reduce_window max and its select-and-scatter gradient: the first maximum
in the window's row-major order takes the whole gradient), NaN, the threaded native path on
a W4-sized input, a bad argmax index, the gradient given the forward's windows (the cpu
kernel writes disjoint windows once instead of scattering), and relu before a max pool
(ops.max_pool pools first), on every backend."""

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


# Disjoint windows (strides >= pool size): covering the input, leaving rows out, 'same'
# padding, 1-D and 3-D; and one overlapping geometry, which always scatters.
_WINDOWS = [
    ((3, 26, 26, 37), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((2, 11, 11, 64), (2, 2), (2, 2), ((0, 0), (0, 0))),
    ((2, 7, 5, 9), (2, 2), (2, 2), ((0, 1), (0, 1))),
    ((2, 9, 3), (3,), (4,), ((0, 0),)),
    ((1, 4, 6, 5, 3), (2, 3, 1), (2, 3, 2), ((0, 0), (0, 0), (0, 0))),
    ((2, 6, 6, 5), (3, 3), (2, 2), ((1, 1), (1, 1))),
]


@pytest.mark.parametrize("shape, pool, strides, padding", _WINDOWS)
def test_gradient_given_the_windows_is_the_scatter(backend, shape, pool, strides, padding):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, shape).astype(np.float32)  # ties in most windows
    attrs = dict(pool_size=pool, strides=strides, padding=padding)
    y, arg = _run("max_pool", backends.get("reference"), [x], **attrs)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    dy.ravel()[::7] = -0.0  # the scatter adds to +0.0: a routed -0.0 must come out +0.0
    dy.ravel()[3] = np.nan
    want, = _run("max_pool_grad", backends.get("reference"), [dy, arg], spatial=shape[1:-1])
    got, = _run("max_pool_grad", backends.get(backend), [dy, arg], spatial=shape[1:-1], **attrs)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_an_argmax_outside_its_window_is_still_scattered(backend):
    # Windows given, but one argmax names a position of the next window: the kernel must
    # scatter that sample as the primitive says, not drop the value.
    x = np.arange(2 * 4 * 4 * 3, dtype=np.float32).reshape(2, 4, 4, 3)
    attrs = dict(pool_size=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)))
    _, arg = _run("max_pool", backends.get("reference"), [x], **attrs)
    arg = arg.copy()
    arg[1, 0, 0, 2] = 10
    dy = np.arange(1, arg.size + 1, dtype=np.float32).reshape(arg.shape)
    want, = _run("max_pool_grad", backends.get("reference"), [dy, arg], spatial=(4, 4))
    got, = _run("max_pool_grad", backends.get(backend), [dy, arg], spatial=(4, 4), **attrs)
    np.testing.assert_array_equal(got, want)
    arg[0, 1, 1, 0] = 16
    with pytest.raises(IndexError, match="max_pool_grad"):
        _run("max_pool_grad", backends.get(backend), [dy, arg], spatial=(4, 4), **attrs)


def test_windows_that_do_not_give_dy_shape_are_refused():
    dy = np.ones((1, 3, 3, 1), np.float32)
    with pytest.raises(ValueError, match="not dy's"):
        _run("max_pool_grad", backends.get("reference"), [dy, np.zeros(dy.shape, np.int32)],
             spatial=(4, 4), pool_size=(2, 2), strides=(2, 2), padding=((0, 0), (0, 0)))


def _relu_pool(x, pool, strides, padding, backend):
    """max_pool(relu(x)) and its gradient of sum(y * w), traced (where ops.max_pool pools
    before the relu) and composed eagerly in NumPy (relu first)."""
    w = np.random.default_rng(8).standard_normal(
        ops.max_pool(np.maximum(x, 0), pool, strides, padding).shape).astype(np.float32)
    g = Graph("relu_pool")
    with g:
        ph = g.placeholder(x.shape, x.dtype.name)
        y = ops.max_pool(ops.relu(ph), pool, strides, padding)
        (dx,) = grad(bind("sum", bind("multiply", y, w), axes=None), [ph])
        pool = next(n for n in g.nodes if n.prim is not None and n.prim.name == "max_pool")
        return evaluate([y, dx], {ph: x}, backends.get(backend)), w, pool.inputs[0] is ph


@pytest.mark.parametrize("pool, strides, padding", [((2, 2), (2, 2), "valid"),
                                                    ((3, 3), (1, 1), "same")])
def test_relu_then_max_pool_pools_first_with_the_same_numbers(backend, pool, strides, padding):
    rng = np.random.default_rng(9)
    x = rng.integers(-3, 3, (2, 6, 7, 4)).astype(np.float32)  # ties, zeros, all-negative
    x[0, 0, 0, 0] = np.nan
    (y, dx), w, pooled_first = _relu_pool(x, pool, strides, padding, backend)
    assert pooled_first  # the relu runs on the pooled tensor
    relu = np.maximum(x, 0)
    relu[np.isnan(x)] = np.nan
    y_want, arg = _run("max_pool", backends.get("reference"), [relu], pool_size=pool,
                       strides=strides, padding=_padding_pairs(x, pool, strides, padding))
    dx_want, = _run("max_pool_grad", backends.get("reference"),
                    [w * (y_want > 0), arg], spatial=x.shape[1:-1])
    np.testing.assert_array_equal(y, y_want)
    np.testing.assert_allclose(dx, dx_want, rtol=0, atol=0)


def _padding_pairs(x, pool, strides, padding):
    from fastkeras.ops.conv import _pool_geometry
    return _pool_geometry(x, pool, strides, padding, "channels_last")[1][-1]
