"""A trainable weight the loss does not reach (never read, or read only through
stop_gradient) gets a zero gradient in the built-in train step, as in Keras's trainer: weight
decay still shrinks it, and an optimizer without decay leaves it as it was. Final weights
against real Keras 3 (tests/fixtures/make_keras_unreached_weights.py)."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from tests.fixtures.unreached_weights_cases import CASES, make_data

with open(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                       "keras_unreached_weights.json")) as f:
    EXPECTED = json.load(f)["cases"]


class Frozen(keras.layers.Layer):
    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], 2), initializer="ones", name="w")
        self.unused = self.add_weight(shape=(2,), initializer="ones", name="unused")

    def call(self, x):
        return ops.matmul(x, ops.stop_gradient(self.w))


@pytest.mark.parametrize("case", sorted(CASES))
def test_unreached_weights_update_as_keras(backend, case):
    inp = keras.Input((3,))
    out = keras.layers.Dense(1, kernel_initializer="ones")(Frozen()(inp))
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.get(CASES[case]), loss="mse")
    x, y = make_data()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False)
    got = model.get_weights()
    assert len(got) == len(EXPECTED[case])
    for g, e in zip(got, EXPECTED[case]):
        np.testing.assert_allclose(g, np.asarray(e, np.float32), rtol=1e-5, atol=1e-6)
    if case == "adam":  # no decay: a zero gradient from zero moments moves nothing
        np.testing.assert_array_equal(got[0], np.ones((3, 2), np.float32))
    else:
        assert np.all(got[0] < 1) and np.all(got[1] < 1)
