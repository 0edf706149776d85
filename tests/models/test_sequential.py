"""Sequential: add/pop, building, and its config in Keras 3's format (the Keras-written
fixture itself is checked in test_keras_models.py)."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense, Dropout


@pytest.mark.parametrize("first", ["input", "input_shape", "none"])
def test_config_round_trip_in_keras_layout(first):
    layers = [Dense(4, activation="relu"), Dense(1, activation="sigmoid")]
    if first == "input":
        layers.insert(0, keras.Input(shape=(5,)))
    elif first == "input_shape":
        layers[0] = Dense(4, activation="relu", input_shape=(5,))
    model = keras.Sequential(layers, name="stack")
    if first == "none":
        model.build((None, 5))
    config = model.get_config()
    assert list(config) == ["name", "trainable", "dtype", "layers", "build_input_shape"]
    assert config["dtype"]["config"] == {"name": "float32"}
    assert config["build_input_shape"] == (None, 5)
    # Keras: every layer serialized in full, the InputLayer first, built layers with their
    # build_config.
    assert [c["class_name"] for c in config["layers"]] == ["InputLayer", "Dense", "Dense"]
    assert config["layers"][0]["config"]["batch_shape"] == (None, 5)
    assert config["layers"][1]["module"] == "keras.layers"
    assert config["layers"][1]["build_config"] == {"input_shape": (None, 5)}
    clone = keras.Sequential.from_config(config)
    assert clone.name == "stack"
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert [type(layer).__name__ for layer in clone.layers] == ["Dense", "Dense"]
    assert clone.layers[0].get_config()["activation"] == "relu"
    assert clone.get_config()["layers"] == config["layers"]


def test_unbuilt_config_has_no_input_and_builds_later():
    model = keras.Sequential([Dense(3), Dense(1)], name="later")
    config = model.get_config()
    assert "build_input_shape" not in config
    assert all("build_config" not in c for c in config["layers"])
    clone = keras.Sequential.from_config(config)
    assert not clone.built
    clone.build((None, 7))
    assert [w.shape for w in clone.get_weights()] == [(7, 3), (3,), (3, 1), (1,)]


def test_from_config_needs_a_name():
    with pytest.raises(ValueError, match="must be a dictionary containing the 'name'"):
        keras.Sequential.from_config({"layers": []})


def test_add_and_pop_rebuild_the_stack(backend):
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(4), Dense(2)])
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert isinstance(popped, Dense) and popped.units == 2
    assert model.output_shape == (None, 4) and len(model.weights) == 2
    model.add(Dropout(0.5))
    model.add(Dense(1))
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    x = np.ones((5, 3), "float32")
    k, b, k2, b2 = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), (x @ k + b) @ k2 + b2, rtol=1e-5)
    with pytest.raises(ValueError, match="unique names"):
        model.add(Dense(1, name=model.layers[0].name))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        model.add("dense")


def test_pop_of_an_empty_model_and_a_second_input_are_errors():
    with pytest.raises(IndexError):
        keras.Sequential().pop()
    model = keras.Sequential([keras.Input(shape=(3,)), Dense(2)])
    with pytest.raises(ValueError, match="Input"):
        model.add(keras.Input(shape=(3,)))


def test_a_model_built_from_a_shape_lists_an_input_layer_in_its_config():
    """Keras: build((None, 5)) puts an InputLayer under the stack (first in the config),
    not among `layers`."""
    model = keras.Sequential([Dense(2)])
    model.build((None, 5))
    config = model.get_config()
    assert [c["class_name"] for c in config["layers"]] == ["InputLayer", "Dense"]
    assert config["layers"][0] == model.get_config()["layers"][0]  # the same one each time
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]
    clone = keras.Sequential.from_config(config)
    assert clone.input_shape == (None, 5) and clone.get_config() == config
