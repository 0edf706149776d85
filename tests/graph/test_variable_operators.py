"""Keras's operator protocol on Variables: eagerly each operator computes on the current
value (NumPy arrays back, as Keras gives backend arrays); inside a trace it records the
public op on the variable's read; and a custom train_step written with operators on
tensors and variables trains with fit as NumPy computes it."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph, Tensor, Variable
from fastkeras.graph.interpret import evaluate

_rng = np.random.default_rng(410)
_W = _rng.uniform(-2, 2, size=(3, 4)).astype(np.float32)
_B = np.array([[True, False, True, False]] * 3)
_R = _rng.uniform(-2, 2, size=(4, 2)).astype(np.float32)

# name: (fn of the variable, its value, reference of the value)
CASES = {
    "neg": (lambda v: -v, _W, np.negative),
    "pos": (lambda v: +v, _W, lambda w: w),
    "abs": (lambda v: abs(v), _W, np.abs),
    "matmul": (lambda v: v @ _R, _W, lambda w: w @ _R),
    "rmatmul": (lambda v: _R.T @ ops.transpose(v), _W, lambda w: _R.T @ w.T),
    "eq": (lambda v: v == _W[0], _W, lambda w: w == _W[0]),
    "ne": (lambda v: v != 0.5, _W, lambda w: w != 0.5),
    "lt": (lambda v: v < 0, _W, lambda w: w < 0),
    "le": (lambda v: v <= _W[:, :1], _W, lambda w: w <= _W[:, :1]),
    "gt": (lambda v: 1.0 > v, _W, lambda w: w < 1.0),
    "ge": (lambda v: v >= 0, _W, lambda w: w >= 0),
    "and": (lambda v: v & _B[:, ::-1], _B, lambda b: b & _B[:, ::-1]),
    "rand": (lambda v: _B[0] & v, _B, lambda b: _B[0] & b),
    "or": (lambda v: v | False, _B, lambda b: b),
    "ror": (lambda v: True | v, _B, lambda b: np.ones_like(b)),
    "xor": (lambda v: v ^ _B[:, ::-1], _B, lambda b: b ^ _B[:, ::-1]),
    "rxor": (lambda v: True ^ v, _B, np.logical_not),
    "invert": (lambda v: ~v, _B, np.logical_not),
    # An array on the left: NumPy hands the operator to the variable.
    "array_matmul": (lambda v: _R.T[:, :3] @ v, _W, lambda w: _R.T[:, :3] @ w),
    "array_sub": (lambda v: np.float32(1) - v, _W, lambda w: 1 - w),
    "getitem": (lambda v: v[::-1, 1:3], _W, lambda w: w[::-1, 1:3]),
    "getitem_take": (lambda v: v[..., [3, 0]], _W, lambda w: w[..., [3, 0]]),
    "round": (lambda v: round(v), _W, np.round),
    "round_ndigits": (lambda v: round(v, 1), _W, lambda w: np.round(w, 1)),
    "pow": (lambda v: v ** 3, _W, lambda w: w ** 3),
    "rpow": (lambda v: 2.0 ** v, _W, lambda w: 2.0 ** w),
    "floordiv": (lambda v: v // 0.5, _W, lambda w: w // 0.5),
    "rfloordiv": (lambda v: 3.0 // v, _W, lambda w: 3.0 // w),
    "mod": (lambda v: v % 0.75, _W, lambda w: w % 0.75),
    "rmod": (lambda v: 3.0 % v, _W, lambda w: 3.0 % w),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_eagerly_on_the_value(name):
    fn, value, ref = CASES[name]
    got = fn(Variable(value=value, dtype=value.dtype.name))
    assert isinstance(got, np.ndarray), type(got)
    want = ref(value)
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_operator_traced_reads_the_variable(name):
    fn, value, ref = CASES[name]
    v = Variable(value=value, dtype=value.dtype.name)
    with Graph("variable_operators"):
        out = fn(v)
    assert isinstance(out, Tensor)
    v.assign(value[::-1])  # a trace reads the value the step runs with, not the traced one
    got = evaluate([out], {}, backends.get("reference"))[0]
    np.testing.assert_allclose(got, ref(value[::-1]), rtol=1e-6)


def test_eq_is_elementwise_but_variables_stay_hashable_by_identity():
    a, b = Variable(value=np.zeros(2)), Variable(value=np.zeros(2))
    np.testing.assert_array_equal(a == b, [True, True])
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    assert len(layer.weights) == 2 and layer.weights[0] is layer.kernel


def test_boolean_mask_works_on_a_value_and_is_refused_in_a_trace():
    v = Variable(value=_W)
    np.testing.assert_array_equal(v[_W > 0], _W[_W > 0])
    np.testing.assert_array_equal(v[Variable(value=_B, dtype="bool")], _W[_B])
    with Graph("mask"):
        with pytest.raises(IndexError, match="boolean mask"):
            v[_W > 0]


_X = _rng.normal(size=(16, 3)).astype(np.float32)
_Y = np.stack([_rng.normal(size=16), _rng.normal(size=16)], axis=1).astype(np.float32)


class OperatorStep(keras.Model):
    """A regression whose step is written with operators: y[:, 0], abs(...), p @ w and
    comparisons (on tensors and on a variable)."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(2)
        self.head = self.add_weight(shape=(2, 1), initializer="ones", name="head")

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            p = self(x, training=True)
            r = (p @ self.head)[:, 0] - y[:, 0]
            # Rows whose second target is positive and whose error is not huge count twice.
            weight = 1.0 + ops.cast((y[:, 1] > 0) & ~(abs(r) >= 100.0), "float32")
            loss = ops.mean(abs(r) * weight) + 0.1 * ops.sum(abs(self.head[1]))
            loss = loss + 0.01 * ops.sum(ops.cast(self.head < 0, "float32") * self.head)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return {"loss": loss}


def test_train_step_written_with_operators_matches_numpy():
    model = OperatorStep()
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    model(_X[:1])
    k, b = [w.astype(np.float64) for w in model.dense.get_weights()]
    h = np.ones((2, 1))
    model.fit(_X, _Y, batch_size=16, epochs=1, verbose=0, shuffle=False)

    x, y = _X.astype(np.float64), _Y.astype(np.float64)
    p = x @ k + b
    r = (p @ h)[:, 0] - y[:, 0]
    weight = 1.0 + ((y[:, 1] > 0) & ~(np.abs(r) >= 100))
    dr = np.sign(r) * weight / len(r)
    dq = dr[:, None]
    dh = p.T @ dq + np.array([[0.0], [0.1]]) * np.sign(h)  # the head < 0 term is 0 here
    dp = dq @ h.T
    want = {"kernel": k - 0.1 * (x.T @ dp), "bias": b - 0.1 * dp.sum(0), "head": h - 0.1 * dh}
    got = {"kernel": model.dense.kernel.numpy(), "bias": model.dense.bias.numpy(),
           "head": model.head.numpy()}
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-5, atol=1e-6, err_msg=name)
