"""keras.ops.scan: Keras's semantics on arrays; one graph node whatever the length; a tanh
RNN cell over 20 steps (forward and gradient) equal to NumPy on every backend, run as the
traced node and as the written-out plan; and a layer built on it trained by fit."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph, bind
from fastkeras.graph.autodiff import grad
from fastkeras.graph.interpret import evaluate
from fastkeras.graph.passes import optimize

BACKENDS = ["reference"] + [b for b in ("cpu", "numba") if backends.available(b)]
rng = np.random.default_rng(3)
T, B, D, H = 20, 3, 4, 5


def test_eager_scan_follows_keras():
    xs = np.arange(5, dtype=np.float32)
    carry, ys = ops.scan(lambda c, x: (c + x, c * 2), np.float32(0), xs)
    assert carry == 10 and ys.tolist() == [0, 0, 2, 6, 12]
    carry, ys = ops.scan(lambda c, x: (c + x, c * 2), np.float32(0), xs, reverse=True)
    assert carry == 10 and ys.tolist() == [20, 18, 14, 8, 0]  # ys[t] still belongs to xs[t]
    (a, b), none = ops.scan(lambda c, _: ((c[0] + 1, c[1] * 2), None), (0, 1), length=3)
    assert (a, b, none) == (3, 8, None)


def _rnn_graph(steps, reverse=False):
    g = Graph()
    with g:
        xs = g.placeholder((steps, B, D))
        w, u, b, h0 = (g.placeholder(s) for s in ((D, H), (H, H), (H,), (B, H)))

        def cell(h, x):
            h2 = ops.tanh(ops.matmul(x, w) + ops.matmul(h, u) + b)
            return h2, {"h": h2}["h"] * 2.0

        h_last, ys = ops.scan(cell, h0, xs, reverse=reverse)
        loss = bind("sum", bind("multiply", ys, ys), axes=None) + bind("sum", h_last, axes=None)
        grads = grad(loss, [xs, w, u, b, h0])
    return g, (xs, w, u, b, h0), [loss, h_last, ys] + grads


def _numpy_rnn(x, w, u, b, h0, reverse=False):
    """Forward and backward by hand (backpropagation through time)."""
    steps = range(len(x) - 1, -1, -1) if reverse else range(len(x))
    h, hs, h_in = h0, np.zeros((len(x),) + h0.shape), {}
    for t in steps:
        h_in[t] = h
        h = np.tanh(x[t] @ w + h @ u + b)
        hs[t] = h
    ys = hs * 2
    loss = np.sum(ys * ys) + np.sum(h)
    dx, dw, du, db = np.zeros_like(x), np.zeros_like(w), np.zeros_like(u), np.zeros_like(b)
    dh = np.ones_like(h0)  # d loss / d h_last
    for t in reversed(list(steps)):
        dh = dh + 2 * ys[t] * 2  # through y = 2 h
        dz = dh * (1 - hs[t] ** 2)
        dx[t], dw, du, db = dz @ w.T, dw + x[t].T @ dz, du + h_in[t].T @ dz, db + dz.sum(0)
        dh = dz @ u.T
    return [loss, h, ys, dx, dw, du, db, dh]


def _feed(inputs):
    xs, w, u, b, h0 = inputs
    values = [rng.normal(size=xs.shape), rng.normal(size=w.shape) * 0.5,
              rng.normal(size=u.shape) * 0.5, rng.normal(size=b.shape), rng.normal(size=h0.shape)]
    return dict(zip(inputs, [v.astype("float32") for v in values])), values


def test_graph_size_does_not_grow_with_the_steps():
    sizes = {steps: len(_rnn_graph(steps)[0].nodes) for steps in (5, 20, 80)}
    assert len(set(sizes.values())) == 1, sizes


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lowered", [False, True])
def test_rnn_cell_forward_and_gradient_equal_numpy(lowered, reverse):
    g, inputs, roots = _rnn_graph(T, reverse)
    feed, values = _feed(inputs)
    want = _numpy_rnn(*values, reverse=reverse)
    if lowered:
        optimize(g, roots + list(inputs))
        assert not any(n.prim is not None and n.prim.name == "scan" for n in g.nodes)
    for b in BACKENDS:
        got = evaluate(roots, feed, backends.get(b))
        for name, v, w in zip(["loss", "h", "ys", "dx", "dw", "du", "db", "dh0"], got, want):
            np.testing.assert_allclose(v, w, rtol=2e-4, atol=2e-4, err_msg=f"{name} on {b}")


def test_rnn_cell_gradient_matches_finite_differences():
    from ..graph.gradcheck import assert_grad_matches_finite_differences
    g = Graph()
    with g:
        xs = g.placeholder((6, 2, 3), "float64")
        w, u, h0 = g.placeholder((3, 2), "float64"), g.placeholder((2, 2), "float64"), \
            g.placeholder((2, 2), "float64")
        h_last, ys = ops.scan(lambda h, x: (ops.tanh(ops.matmul(x, w) + ops.matmul(h, u)),
                                            ops.sigmoid(h)), h0, xs)
        loss = bind("sum", bind("multiply", ys, ys), axes=None) + \
            bind("sum", bind("square", h_last), axes=None)
    values = [rng.normal(size=(6, 2, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2, 2)),
              rng.normal(size=(2, 2))]
    assert_grad_matches_finite_differences(loss, [xs, w, u, h0], values, [0, 1, 2, 3], "scan rnn")


def test_body_errors_are_value_errors():
    g = Graph()
    with g:
        h0 = g.placeholder((2, 3))
        with pytest.raises(ValueError, match="shape and dtype"):
            ops.scan(lambda h, x: (ops.sum(h, axis=0), x), h0, length=2)
        with pytest.raises(ValueError, match="length"):
            ops.scan(lambda h, x: (h, h), h0, g.placeholder((4, 2)), length=3)


class TanhRNN(keras.layers.Layer):
    """A minimal recurrent layer written with ops.scan (what issue [8]'s layers build on)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.u = self.add_weight(shape=(self.units, self.units), initializer="glorot_uniform")  # orthogonal: issue [8]
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        xs = ops.transpose(x, (1, 0, 2))  # (steps, batch, features)
        h0 = ops.zeros((ops.shape(x)[0], self.units), dtype=x.dtype)

        def cell(h, x_t):
            h = ops.tanh(ops.matmul(x_t, self.w) + ops.matmul(h, self.u) + self.b)
            return h, h

        h_last, _ = ops.scan(cell, h0, xs)
        return h_last


def test_a_scan_layer_trains_with_fit_and_predicts_like_numpy():
    x = rng.normal(size=(64, 7, 3)).astype("float32")
    y = (x[:, :, 0].sum(1) > 0).astype("float32")[:, None]
    model = keras.Sequential([keras.Input(shape=(7, 3)), TanhRNN(8),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=16, epochs=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < first
    w, u, b, w2, b2 = model.get_weights()
    h = np.zeros((64, 8))
    for t in range(7):
        h = np.tanh(x[:, t] @ w + h @ u + b)
    want = 1 / (1 + np.exp(-(h @ w2 + b2)))
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-4, atol=1e-5)


def test_a_variable_read_only_inside_a_loop_is_in_the_state():
    # The loop body reads `decay`, which no layer owns: the step's state must still hold it.
    decay = keras.Variable(np.float32(0.5))

    class Decayed(keras.layers.Layer):
        def call(self, x):
            xs = ops.transpose(x, (1, 0, 2))
            h0 = ops.zeros((ops.shape(x)[0], 3), dtype=x.dtype)
            h, _ = ops.scan(lambda h, x_t: (h * decay + x_t, h), h0, xs)
            return h

    model = keras.Sequential([keras.Input(shape=(4, 3)), Decayed()])
    x = rng.normal(size=(5, 4, 3)).astype("float32")
    want = np.zeros((5, 3))
    for t in range(4):
        want = want * 0.5 + x[:, t]
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_one_sgd_step_through_a_scan_layer_equals_numpy_bptt():
    # The layer's weights are Variables read inside the loop body: their gradient must flow
    # through the scan's VJP (real Keras gives the same step: tests/fixtures, scan_loops).
    x = rng.normal(size=(8, 5, 3)).astype("float32")
    y = (x[:, :, 0].sum(1) > 0).astype("float32")[:, None]
    model = keras.Sequential([keras.Input(shape=(5, 3)), TanhRNN(4),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.2), loss="binary_crossentropy")
    w, u, b, k, kb = [v.astype(np.float64) for v in model.get_weights()]
    model.train_on_batch(x, y)
    xb, yb = x.astype(np.float64), y.astype(np.float64)
    hs = [np.zeros((8, 4))]
    for t in range(5):
        hs.append(np.tanh(xb[:, t] @ w + hs[-1] @ u + b))
    p = 1 / (1 + np.exp(-(hs[-1] @ k + kb)))
    dz = (p - yb) / 8
    grads = {"k": hs[-1].T @ dz, "kb": dz.sum(0)}
    dh, dw, du, db = dz @ k.T, np.zeros_like(w), np.zeros_like(u), np.zeros_like(b)
    for t in range(4, -1, -1):
        da = dh * (1 - hs[t + 1] ** 2)
        dw, du, db, dh = dw + xb[:, t].T @ da, du + hs[t].T @ da, db + da.sum(0), da @ u.T
    want = [w - 0.2 * dw, u - 0.2 * du, b - 0.2 * db, k - 0.2 * grads["k"], kb - 0.2 * grads["kb"]]
    for got, w_ in zip(model.get_weights(), want):
        np.testing.assert_allclose(got, w_, rtol=1e-4, atol=1e-6)


def test_nested_loops_forward_and_gradient():
    from ..graph.gradcheck import assert_grad_matches_finite_differences
    g = Graph()
    with g:
        xs = g.placeholder((3, 2, 2), "float64")
        w = g.placeholder((2, 2), "float64")

        def outer(c, x):  # an inner loop over the rows of x inside every outer step
            inner_c, _ = ops.scan(lambda a, r: (ops.tanh(a * r + ops.matmul(a, w)), a), c, x)
            return inner_c, ops.sum(inner_c)

        c_last, ys = ops.scan(outer, ops.ones((2,), dtype="float64"), xs)
        loss = bind("sum", bind("square", c_last), axes=None) + bind("sum", ys, axes=None)
    values = [rng.normal(size=(3, 2, 2)), rng.normal(size=(2, 2)) * 0.5]
    c = np.ones(2)
    want = 0.0
    for x in values[0]:
        for r in x:
            c = np.tanh(c * r + c @ values[1])
        want += c.sum()
    want += np.sum(c * c)
    for b in BACKENDS:
        got = evaluate([loss], dict(zip([xs, w], values)), backends.get(b))[0]
        np.testing.assert_allclose(got, want, rtol=1e-10)
    assert_grad_matches_finite_differences(loss, [xs, w], values, [0, 1], "nested scan")
    optimize(g, [loss, xs, w])  # written out, the inner loops too
    assert not any(n.prim is not None and n.prim.name == "scan" for n in g.nodes)
    np.testing.assert_allclose(evaluate([loss], dict(zip([xs, w], values)),
                                        backends.get("reference"))[0], want, rtol=1e-10)
