"""keras.backend: Keras 3's names there, and clear_session / get_uid / standardize_dtype."""

import numpy as np
import pytest

import fastkeras as keras


def test_backend_names_itself_fastkeras():
    # Not "jax"/"tensorflow": scripts branch on it to use that framework's own API.
    assert keras.backend.backend() == "fastkeras"
    assert keras.backend.floatx() == "float32" and keras.backend.epsilon() == 1e-7
    assert keras.backend.image_data_format() == "channels_last"


def test_clear_session_restarts_names():
    keras.backend.clear_session()
    first = keras.layers.Dense(1).name
    assert keras.layers.Dense(1).name == f"{first}_1"
    keras.utils.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == first == "dense"
    assert keras.backend.get_uid("dense") == 2  # shares the counters of layer names
    assert keras.layers.Dense(1).name == "dense_2"


def test_standardize_dtype():
    s = keras.utils.standardize_dtype
    assert s(None) == "float32" and s(float) == "float32" and s(int) == "int32"
    assert s(np.float64) == "float64" and s(np.dtype("int64")) == "int64"
    assert s("uint8") == "uint8" and s(bool) == "bool" and s("int") == "int32"
    assert keras.backend.is_float_dtype("bfloat16") and keras.backend.is_int_dtype("uint16")
    with pytest.raises(ValueError, match="Invalid dtype: float"):
        s("float")


def test_source_inputs_and_keras_tensors():
    a, b = keras.Input((3,)), keras.Input((3,))
    c = keras.layers.Dense(2)(keras.layers.Add()([a, b]))
    d = keras.layers.Dense(2)(keras.layers.Concatenate()([c, a]))
    sources = keras.utils.get_source_inputs(d)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.get_source_inputs(a) == [a]
    assert keras.utils.is_keras_tensor(d) and not keras.backend.is_keras_tensor(np.ones(2))
    assert keras.utils.get_source_inputs(5) == 5


def test_serialization_aliases():
    layer = keras.layers.Dense(3, name="d")
    config = keras.utils.serialize_keras_object(layer)
    assert keras.utils.deserialize_keras_object(config).units == 3
