"""keras.ops.stop_gradient: the value of its argument, eagerly (arrays, Python values,
Variables: a snapshot, as Keras's JAX backend returns) and in the functional API; in a
fit, the weights read only through it stay as they were while the rest trains as real
Keras 3.15.1 trains it (tests/fixtures/stop_gradient_cases.py), on every backend."""

import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops

from ..fixtures import stop_gradient_cases as cases

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_stop_gradient.npz")


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.float32).reshape(2, 3),
                                   np.arange(-2, 2, dtype=np.int32), np.array([True, False]),
                                   np.float64(2.5)])
def test_eager_gives_the_value_as_a_new_array(backend, value):
    got = ops.stop_gradient(value)
    assert isinstance(got, np.ndarray) and got is not value
    assert got.dtype == np.asarray(value).dtype and got.shape == np.shape(value)
    np.testing.assert_array_equal(got, value)


@pytest.mark.parametrize("value", [[1.5, 2.0], 3, 2.5, [[1, 2]]])
def test_python_values_convert_as_convert_to_tensor_does(value):
    got, want = ops.stop_gradient(value), ops.convert_to_tensor(value)
    assert isinstance(got, np.ndarray) and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_a_variable_gives_its_current_value_not_a_live_view():
    v = keras.Variable(np.ones((2, 2), "float32"))
    got = ops.stop_gradient(v)
    v.assign(np.zeros((2, 2), "float32"))
    assert isinstance(got, np.ndarray) and not isinstance(got, keras.Variable)
    np.testing.assert_array_equal(got, np.ones((2, 2)))


def test_keras_signature_and_functional_use():
    with pytest.raises(TypeError):
        ops.stop_gradient()
    np.testing.assert_array_equal(ops.stop_gradient(variable=np.ones(2, "float32")), [1, 1])
    x = keras.Input((3,), dtype="int32")
    y = ops.stop_gradient(x)
    assert (y.shape, y.dtype) == ((None, 3), "int32")
    model = keras.Model(x, y)
    data = np.arange(6, dtype=np.int32).reshape(2, 3)
    np.testing.assert_array_equal(model.predict(data, verbose=0), data)


def test_fit_leaves_the_stopped_weights_and_trains_the_rest_as_keras(backend):
    want = np.load(FIXTURE)
    model = cases.build(keras)
    x, y = cases.data()
    history = model.fit(x, y, batch_size=cases.BATCH, epochs=cases.EPOCHS, shuffle=False,
                        verbose=0)
    np.testing.assert_allclose(history.history["loss"], want["loss"], rtol=1e-5)
    initial = cases.initial_weights()
    for name in cases.SHAPES:
        for i, w in enumerate(model.get_layer(name).get_weights()):
            if name in cases.UNTOUCHED or f"{name}/{i}" in cases.UNTOUCHED:
                np.testing.assert_array_equal(w, initial[name][i], err_msg=f"{name}/{i}")
            else:
                assert not np.array_equal(w, initial[name][i]), f"{name}/{i} did not train"
            np.testing.assert_allclose(w, want[f"{name}/{i}"], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{name}/{i}")
    plans = [e.plan for e in model._steps._executors.values()]
    assert plans and not any(i.prim.name == "stop_gradient" for p in plans for i in p.instrs)


def test_python_values_convert_to_32_bit_types_as_in_keras():
    assert ops.convert_to_tensor([1, 2]).dtype == np.int32
    assert ops.convert_to_tensor(3).dtype == np.int32
    assert ops.convert_to_tensor([[1.5], [2.0]]).dtype == np.float32
    assert ops.add(np.ones(2, "float32"), [1.0, 2.0]).dtype == np.float32
    # NumPy arrays keep their dtype; ints past int32 keep 64 bits instead of wrapping
    assert ops.convert_to_tensor(np.ones(2)).dtype == np.float64
    assert ops.convert_to_tensor([2 ** 40]).dtype == np.int64
    assert ops.convert_to_tensor(np.array([2 ** 40], "uint64"))[0] == 2 ** 40
