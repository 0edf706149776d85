"""Keras's operator protocol on KerasTensors: each operator becomes an op layer of the
functional model, with Keras's output shape, and the model computes what NumPy does."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from fastkeras.layers.keras_tensor import KerasTensor

_rng = np.random.default_rng(4141)
_X = _rng.uniform(-2, 2, size=(5, 4)).astype(np.float32)
_W = _rng.uniform(-1, 1, size=(4, 3)).astype(np.float32)
_L = _rng.uniform(-1, 1, size=(2, 4)).astype(np.float32)

# name: (fn of the input, Keras's output shape, reference on the batch)
CASES = {
    "slice_scale_compare": (lambda x: x[:, 1:3] * 2 > 0, (None, 2),
                            lambda x: x[:, 1:3] * 2 > 0),
    "and_invert": (lambda x: (x > 0) & ~(x[:, :1] < -1.0), (None, 4),
                   lambda x: (x > 0) & ~(x[:, :1] < -1.0)),
    "or_xor": (lambda x: (x >= 1) | (x <= -1) ^ (x != 0.5), (None, 4),
               lambda x: (x >= 1) | (x <= -1) ^ (x != 0.5)),
    "abs_matmul": (lambda x: abs(x) @ _W, (None, 3), lambda x: np.abs(x) @ _W),
    "array_matmul": (lambda x: _L @ x[..., None], (None, 2, 1), lambda x: _L @ x[..., None]),
    "newaxis_reverse": (lambda x: x[:, None, ::-1][..., 0], (None, 1),
                        lambda x: x[:, None, ::-1][..., 0]),
    "take_columns": (lambda x: x[:, [3, 0, 3]], (None, 3), lambda x: x[:, [3, 0, 3]]),
    "int_index": (lambda x: x[:, -1], (None,), lambda x: x[:, -1]),
    "round_neg": (lambda x: -round(x * 3), (None, 4), lambda x: -np.round(x * 3)),
    "array_on_the_left": (lambda x: 1.0 - x / 2, (None, 4), lambda x: 1.0 - x / 2),
    "pow_floordiv_mod": (lambda x: (x ** 2) // 0.5 + 3.0 % (2.0 ** x), (None, 4),
                         lambda x: (x ** 2) // 0.5 + 3.0 % (2.0 ** x)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_model_of_operators_matches_numpy(name):
    fn, shape, ref = CASES[name]
    inputs = keras.Input((4,))
    out = fn(inputs)
    assert isinstance(out, KerasTensor) and out.shape == shape
    got = keras.Model(inputs, out).predict(_X, verbose=0)
    want = ref(_X)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_a_model_with_operator_layers_trains():
    inputs = keras.Input((4,))
    gate = ops.cast(inputs[:, :2] > 0, "float32")
    hidden = keras.layers.Dense(2)(abs(inputs) @ _W)
    model = keras.Model(inputs, hidden * gate + inputs[:, 2:])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(_X, _X[:, :2], epochs=3, batch_size=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_keras_tensors_stay_hashable_and_refuse_iteration():
    x = keras.Input((3,))
    assert x == x and len({x, x}) == 1
    assert isinstance(x != 1.0, KerasTensor)
    with pytest.raises(NotImplementedError, match="Iterating"):
        iter(x)
