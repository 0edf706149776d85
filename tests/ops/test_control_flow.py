"""keras.ops control flow: Keras's (JAX backend's) semantics on arrays, the traced forms
(branches selected with where, loops as scans of a fixed length), their errors, gradients
through loops and custom_gradient by finite differences, and a layer using cond, fori_loop
and while_loop trained by fit as NumPy computes it."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.passes import optimize

from ..graph.gradcheck import assert_grad_matches_finite_differences

rng = np.random.default_rng(51)
REF = backends.get("reference")


def test_eager_results_follow_keras_docs():
    # The examples of Keras's docstrings (results as Keras-JAX gives them: arrays, tuples).
    assert ops.fori_loop(0, 10, lambda i, s: s + i, 0) == 45
    assert ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0) == 10
    out = ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y + 1), [0, 1])
    assert isinstance(out, tuple) and [int(v) for v in out] == [10, 11]
    out = ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y * 2.0), (0, 1.0),
                         maximum_iterations=3)
    assert [float(v) for v in out] == [3, 8]
    assert ops.switch(1, [lambda x, y: x + y, lambda x, y: x - y], 2.0, 0.5) == 1.5
    assert ops.switch(7, [lambda x: x + 1, lambda x: x * 10], 2.0) == 20  # clipped
    assert ops.switch(-3, [lambda x: x + 1, lambda x: x * 10], 2.0) == 3
    assert ops.cond(np.array(0), lambda: 1, lambda: 2) == 2
    ys = ops.map(lambda x: {"y1": x ** 2, "y2": x * 10}, np.arange(4))
    assert ys["y1"].tolist() == [0, 1, 4, 9] and ys["y2"].tolist() == [0, 10, 20, 30]
    assert ops.associative_scan(lambda x, y: x + y, np.arange(5)).tolist() == [0, 1, 3, 6, 10]
    ys = ops.associative_scan(lambda x, y: [x[0] + y[0], x[1] + y[1], x[2] + y[2]],
                              [np.array([1, 2])] * 3)
    assert [y.tolist() for y in ys] == [[1, 3]] * 3
    assert ops.associative_scan(lambda a, b: a, np.arange(5), reverse=True).tolist() == [4] * 5
    assert ops.map(lambda x: x * 2.0, np.zeros((0, 3))).shape == (0, 3)


def test_eager_errors_are_keras_types():
    with pytest.raises(TypeError, match="Pred must be a scalar"):
        ops.cond(np.array([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(ValueError, match="Empty branch"):
        ops.switch(0, [], 1.0)
    with pytest.raises(TypeError, match="Index type must be an integer"):
        ops.switch(1.0, [lambda x: x], 1.0)
    with pytest.raises(TypeError, match="boolean scalar"):
        ops.while_loop(lambda x: x < 3, lambda x: x + 1, np.zeros(2))
    with pytest.raises(ValueError, match="different leading axis sizes: 3, 4"):
        ops.map(lambda x: x[0], (np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="same first dimension"):
        ops.associative_scan(lambda a, b: a, [np.zeros(3), np.zeros(4)])
    with pytest.raises(ValueError, match="out of bounds"):
        ops.associative_scan(lambda a, b: a, np.zeros(3), axis=1)


def _graph(*specs):
    g = Graph("control_flow")
    with g:
        return g, [g.placeholder(s, d) for s, d in specs]


def test_traced_errors_name_the_problem():
    g, (x, p, i) = _graph(((3,), "float32"), ((), "bool"), ((), "int32"))
    with g:
        with pytest.raises(TypeError, match="same structure"):
            ops.cond(p, lambda: (x,), lambda: x)
        with pytest.raises(TypeError, match="equal types"):
            ops.cond(p, lambda: x, lambda: ops.concatenate([x, x]))
        with pytest.raises(TypeError, match="scalar"):
            ops.cond(x, lambda: x, lambda: x)
        with pytest.raises(TypeError, match="equal types"):
            ops.switch(i, [lambda v: v, lambda v: ops.sum(v)], x)
        with pytest.raises(TypeError, match="integer"):
            ops.switch(ops.cast(i, "float32"), [lambda v: v], x)
        with pytest.raises(NotImplementedError, match="maximum_iterations"):
            ops.while_loop(lambda s: ops.sum(s) < 3.0, lambda s: s + 1.0, x)
        with pytest.raises(NotImplementedError, match="bounds must be Python"):
            ops.fori_loop(0, i, lambda k, s: s, x)
        with pytest.raises(TypeError, match="equal shapes"):
            ops.fori_loop(0, 2, lambda k, s: ops.sum(s, keepdims=True), x)
        v = keras.Variable(np.zeros(3, np.float32))
        with pytest.raises(NotImplementedError, match="effects .*assign"):
            ops.cond(p, lambda: (v.assign(x), x)[1], lambda: x)


def test_a_concrete_predicate_runs_one_branch_inside_a_trace():
    g, (x,) = _graph(((3,), "float32"))
    calls = []
    with g:
        out = ops.cond(False, lambda: calls.append("t") or x, lambda: calls.append("f") or x * 2.0)
    assert calls == ["f"]
    np.testing.assert_array_equal(evaluate([out], {x: np.ones(3, np.float32)}, REF)[0], [2, 2, 2])


def test_traced_while_loop_stops_where_eager_stops_and_keeps_int_counters():
    g, (x,) = _graph(((2,), "float32"))
    loop = (lambda s, n: ops.sum(s) < 20.0, lambda s, n: (s * 2.0 + 1.0, ops.add(n, 1)))
    with g:
        s, n = ops.while_loop(*loop, (x, 0), maximum_iterations=8)
    assert n.dtype == "int32"
    for v in ([0.5, 1.0], [30.0, 0.0], [0.01, 0.0]):
        v = np.array(v, np.float32)
        want = ops.while_loop(*loop, (v, 0), maximum_iterations=8)
        got = evaluate([s, n], {x: v}, REF)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
        assert int(got[1]) == int(want[1])


def _check_grad(build, shapes, name):
    g = Graph(name)
    with g:
        ph = [g.placeholder(s, "float64") for s in shapes]
        out = build(*ph)
        loss = bind("sum", bind("multiply", out, g.constant(rng.uniform(-1, 1, out.shape))),
                    axes=None)
    values = [rng.uniform(-1, 1, size=s) for s in shapes]
    assert_grad_matches_finite_differences(loss, ph, values, range(len(shapes)), name)


def test_gradients_through_loops_match_finite_differences():
    _check_grad(lambda x, w: ops.fori_loop(0, 5, lambda i, h: ops.tanh(ops.matmul(h, w) + x), x),
                [(2, 3), (3, 3)], "fori_loop rnn")
    _check_grad(lambda x, w: ops.while_loop(
        lambda h, n: ops.sum(h * h) < 6.0, lambda h, n: (ops.sin(ops.matmul(h, w)) + h, n),
        (x, 0.0), maximum_iterations=4)[0], [(2, 3), (3, 3)], "while_loop")
    _check_grad(lambda x, p: ops.switch(ops.cast(ops.sum(p) > 0, "int32"),
                                        [lambda v: v * v, lambda v: ops.exp(v)], x),
                [(3,), (2,)], "switch")


def _clipped_identity():
    @ops.custom_gradient
    def clip_grad(x):
        return x * 1.0, lambda up: ops.clip(up, -0.5, 0.5)
    return clip_grad


def test_custom_gradient_uses_grad_fn_traced_and_lowered():
    g, (x, w) = _graph(((4,), "float32"), ((4,), "float32"))
    with g:
        y = _clipped_identity()(x)
        loss = ops.sum(y * w)
        gx, = grad(loss, [x])
    xv, wv = rng.normal(size=4).astype("float32"), np.array([2.0, -0.2, 0.3, -3.0], "float32")
    want = [np.sum(xv * wv), np.clip(wv, -0.5, 0.5)]  # the clipped gradient, not wv
    for b in ("reference", "cpu"):
        got = evaluate([loss, gx], {x: xv, w: wv}, backends.get(b))
        np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    optimize(g, [loss, gx, x, w])
    assert not any(n.prim is not None and n.prim.name == "custom_gradient" for n in g.nodes)
    got = evaluate([loss, gx], {x: xv, w: wv}, REF)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    assert np.allclose(_clipped_identity()(xv), xv)  # eagerly: the value


def test_custom_gradient_in_a_loop_body_is_refused():
    g, (x,) = _graph(((2, 3), "float32"))
    with g, pytest.raises(NotImplementedError, match="loop body"):
        ops.map(_clipped_identity(), x)


class LoopyLayer(keras.layers.Layer):
    """z = x @ w; three fori_loop steps h = 0.5 h + z; doubled while max|h| < 4 (at most 3
    times); then negated when mean(z) < 0 (cond)."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="glorot_uniform")

    def call(self, x):
        z = ops.matmul(x, self.w)
        h = ops.fori_loop(0, 3, lambda i, h: h * 0.5 + z, ops.zeros_like(z))
        h = ops.while_loop(lambda h: ops.max(ops.abs(h)) < 4.0, lambda h: h * 2.0, h,
                           maximum_iterations=3)
        return ops.cond(ops.mean(z) < 0.0, lambda: -h, lambda: h)


def _numpy_loopy(x, w):
    z = x @ w
    h = np.zeros_like(z)
    for _ in range(3):
        h = h * 0.5 + z
    for _ in range(3):
        if not np.max(np.abs(h)) < 4:
            break
        h = h * 2
    return -h if np.mean(z) < 0 else h


def test_a_layer_with_cond_and_loops_trains_like_numpy():
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")
    model = keras.Sequential([keras.Input(shape=(3,)), LoopyLayer()])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    w = model.get_weights()[0].astype(np.float64)
    np.testing.assert_allclose(model.predict(x, verbose=0), _numpy_loopy(x, w), rtol=1e-5,
                               atol=1e-5)

    def loss(w):
        return np.mean((_numpy_loopy(x.astype(np.float64), w) - y) ** 2)

    eps, dw = 1e-6, np.zeros_like(w)
    for idx in np.ndindex(w.shape):  # piecewise linear in w: central differences are exact
        d = np.zeros_like(w)
        d[idx] = eps
        dw[idx] = (loss(w + d) - loss(w - d)) / (2 * eps)
    model.train_on_batch(x, y)
    np.testing.assert_allclose(model.get_weights()[0], w - 0.01 * dw, rtol=1e-4, atol=1e-5)
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)  # the compiled loop still agrees
    w = model.get_weights()[0].astype(np.float64)
    np.testing.assert_allclose(model.predict(x, verbose=0), _numpy_loopy(x, w), rtol=1e-5,
                               atol=1e-5)
