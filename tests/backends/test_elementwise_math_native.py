"""The elementwise math primitives in the native fused path: a chain of them traced through
keras.ops becomes one elementwise_program whose values are the unfused kernels' bit for bit
(program_ops.inc holds both), NumPy's within float rounding, and exactly NumPy's for the ops
that round nothing (where, mod, floor_divide, floor, ceil: signed zeros, NaN and inf
included)."""

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras import backends
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.order import live_nodes, schedule
from fastkeras.graph.passes import optimize

pytestmark = pytest.mark.skipif(not backends.available("cpu"),
                                reason=f"cpu backend: {backends.unavailable_reason('cpu')}")

# Both branches' poles and NaNs (log1p below -1, the inf of -1), zeros of both signs.
X = np.array([[-3.0, -1.0, -0.5, -0.0, 0.0, 1e-8], [0.25, 2.0, 7.5, np.inf, -np.inf, np.nan],
              [-1e-30, 30.0, -2.5, 3.0, 1.5, -7.0]])
# Dividends against divisors (broadcast): exact multiples, 7 // 0.1, a zero and an infinite
# divisor, signed zeros and non-finite dividends.
DIVIDENDS = np.array([[-7.0], [-3.0], [-0.0], [0.0], [0.3], [7.0], [np.inf], [np.nan], [1e30]])
DIVISORS = np.array([[2.0, -2.0, 0.1, -0.1, 1.5, 0.0, -0.0, np.inf, -np.inf, np.nan]])


def _bits_equal(got, want):
    np.testing.assert_array_equal(got, want)  # NaN positions equal
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def _ops(g, roots):
    return [n.prim.name for n in schedule(g, live_nodes(g, roots))]


def _chain(dtype, build, *inputs):
    """The chain `build(ops, *placeholders)`: its unfused values on cpu, then its fused
    values on cpu and the ops the optimized graph runs."""
    g = Graph()
    with g:
        ph = [g.placeholder(x.shape, dtype) for x in inputs]
        outs = build(*ph)
    feed = {p: x.astype(dtype) for p, x in zip(ph, inputs)}
    unfused = evaluate(outs, feed, backends.get("cpu"))
    optimize(g, outs + ph)
    fused = evaluate(outs, feed, backends.get("cpu"))
    return unfused, fused, _ops(g, outs)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_where_of_log1p_and_sin_fuses_and_equals_numpy(dtype):
    unfused, fused, ran = _chain(
        dtype, lambda x: [ops.where(ops.greater(x, 0.0), ops.log1p(x), ops.sin(x))], X)
    assert ran == ["elementwise_program"]
    _bits_equal(fused[0], unfused[0])
    x = X.astype(dtype)
    with np.errstate(all="ignore"):
        want = np.where(x > 0, np.log1p(x), np.sin(x))
    assert fused[0].dtype == want.dtype
    np.testing.assert_allclose(fused[0], want, rtol=2e-7 if dtype == "float32" else 1e-15)
    # The branch not taken leaks nothing: log1p's NaN below -1 and -inf at -1 are gone; the
    # NaNs left are sin(-inf)'s and the NaN input's.
    assert np.isnan(fused[0]).sum() == 2 and np.isfinite(fused[0][0]).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_exact_ops_fused_equal_numpy_bit_for_bit(dtype):
    def build(a, b):
        return [ops.mod(a, b), ops.floor_divide(a, b), ops.floor(ops.divide(a, b)),
                ops.ceil(ops.divide(a, b)), ops.where(ops.greater(a, b), a, b),
                ops.where(ops.greater(b, 0.0), -0.0, b)]
    unfused, fused, ran = _chain(dtype, build, DIVIDENDS, DIVISORS)
    assert set(ran) == {"elementwise_program"}  # one per output shape
    a, b = DIVIDENDS.astype(dtype), DIVISORS.astype(dtype)
    with np.errstate(all="ignore"):
        want = [np.mod(a, b), np.floor_divide(a, b), np.floor(a / b), np.ceil(a / b),
                np.where(a > b, a, b), np.where(b > 0, np.asarray(-0.0, dtype), b)]
    for f, u, w in zip(fused, unfused, want):
        assert f.dtype == w.dtype and f.shape == w.shape
        _bits_equal(u, w)
        _bits_equal(f, w)
    assert fused[1][list(DIVIDENDS[:, 0]).index(7.0), 2] == 69.0  # NumPy's 7 // 0.1


def test_where_gradient_through_the_fused_step():
    """d/dx sum(w * where(x > 0, log1p(x), sin(x))): w / (1 + x) or w cos(x), fused; the
    branch not taken contributes -0.0 * its derivative (finite here, as in JAX)."""
    x = np.array([[-3.0, -0.5, 0.25, 2.0], [7.5, -2.5, 1.5, -0.75]])
    w = np.random.default_rng(3).uniform(-1, 1, size=x.shape)
    g = Graph()
    with g:
        ph = g.placeholder(x.shape, "float64")
        y = ops.where(ops.greater(ph, 0.0), ops.log1p(ph), ops.sin(ph))
        loss = bind("sum", bind("multiply", y, g.constant(w)), axes=None)
        dx, = grad(loss, [ph])
    optimize(g, [loss, dx, ph])
    assert "elementwise_program" in _ops(g, [loss, dx])
    got = evaluate([dx], {ph: x}, backends.get("cpu"))[0]
    np.testing.assert_allclose(got, np.where(x > 0, w / (1 + x), w * np.cos(x)), rtol=1e-14)
