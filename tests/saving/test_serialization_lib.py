"""keras.saving's registry and object config format, against configs real Keras 3 wrote
(tests/fixtures/keras_configs.json, from make_keras_configs.py)."""

import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving import (custom_object_scope, deserialize_keras_object,
                              get_registered_name, get_registered_object,
                              register_keras_serializable, serialize_keras_object)

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      "keras_configs.json").read_text())
CONFIGS = FIXTURE["configs"]


def _head(config):
    return config["module"], config["class_name"], config["registered_name"]


@pytest.mark.parametrize("key", sorted(CONFIGS))
def test_keras_configs_read_back_and_write_the_same_form(key):
    config = CONFIGS[key]
    obj = deserialize_keras_object(config)
    again = serialize_keras_object(obj)
    assert _head(again) == _head(config)
    if isinstance(config["config"], dict):
        assert set(again["config"]) == set(config["config"])
        for name, value in config["config"].items():  # the values Keras wrote survive
            if isinstance(value, float):
                assert again["config"][name] == pytest.approx(value), name
            else:
                assert again["config"][name] == value, name
    else:
        assert again["config"] == config["config"]


def test_keras_configs_give_the_objects_they_describe():
    get = lambda key: deserialize_keras_object(CONFIGS[key])  # noqa: E731
    adam = get("adam")
    assert isinstance(adam, keras.optimizers.Adam)
    assert adam.learning_rate == pytest.approx(0.01) and adam.beta_1 == pytest.approx(0.8)
    sgd = get("sgd")
    assert sgd.momentum == pytest.approx(0.9) and sgd.nesterov is True
    bce = get("bce")
    assert isinstance(bce, keras.losses.BinaryCrossentropy)
    assert bce.fn_kwargs["from_logits"] is True
    assert bce.fn_kwargs["label_smoothing"] == pytest.approx(0.1)
    assert get("binary_accuracy").get_config()["threshold"] == pytest.approx(0.3)
    assert get("mean").name == "avg"
    w = get("random_uniform")((100, 10))
    assert w.min() >= -0.1 and w.max() <= 0.2 and w.min() < -0.05
    assert get("relu") is keras.activations.relu
    assert get("bce_fn") is keras.losses.binary_crossentropy


def test_get_functions_take_keras_configs():
    assert isinstance(keras.optimizers.get(CONFIGS["rmsprop"]), keras.optimizers.RMSprop)
    assert isinstance(keras.losses.get(CONFIGS["mse"]), keras.losses.MeanSquaredError)
    assert isinstance(keras.initializers.get(CONFIGS["he_normal"]), keras.initializers.HeNormal)
    assert isinstance(keras.metrics.get(CONFIGS["mean"]), keras.metrics.Mean)
    assert keras.activations.get(CONFIGS["relu"]) is keras.activations.relu


def test_registered_custom_class_and_function_round_trip():
    @register_keras_serializable("tests")
    class Scaled(keras.initializers.Initializer):
        def __init__(self, factor=1.0):
            self.factor = factor

        def __call__(self, shape, dtype="float32"):
            return np.full(shape, self.factor, dtype)

        def get_config(self):
            return {"factor": self.factor}

    @register_keras_serializable("tests")
    def halve(x):
        return x * 0.5

    config = serialize_keras_object(Scaled(2.5))
    assert config == {"module": None, "class_name": "Scaled", "config": {"factor": 2.5},
                      "registered_name": "tests>Scaled"}
    assert deserialize_keras_object(config).factor == 2.5
    assert get_registered_name(Scaled) == "tests>Scaled"
    assert get_registered_object("tests>Scaled") is Scaled
    fn_config = serialize_keras_object(halve)
    assert fn_config == {"module": "builtins", "class_name": "function",
                         "config": "tests>halve", "registered_name": "function"}
    assert deserialize_keras_object(fn_config) is halve
    layer = keras.layers.Dense(2, kernel_initializer=Scaled(0.5))
    layer.build((None, 3))
    np.testing.assert_array_equal(layer.kernel.numpy(), np.full((3, 2), 0.5))


def test_unregistered_class_needs_custom_objects():
    class Plain(keras.layers.Layer):
        pass

    config = serialize_keras_object(Plain(name="p"))
    assert config["registered_name"] == "Plain"
    with pytest.raises(TypeError, match="Could not locate class 'Plain'.*register_keras_serializable"):
        deserialize_keras_object(config)
    assert deserialize_keras_object(config, custom_objects={"Plain": Plain}).name == "p"
    with custom_object_scope({"Plain": Plain}):
        assert isinstance(keras.layers.deserialize(config), Plain)


def test_only_fastkeras_modules_and_registered_objects_are_reachable():
    """A config cannot name an arbitrary module or function (nothing is imported by name)."""
    for config in ({"module": "os", "class_name": "system", "config": {}, "registered_name": None},
                   {"module": "builtins", "class_name": "function", "config": "eval",
                    "registered_name": "function"},
                   {"module": "keras.layers", "class_name": "Conv9D", "config": {},
                    "registered_name": None}):
        with pytest.raises(TypeError, match="Could not locate"):
            deserialize_keras_object(config)
    with pytest.raises(ValueError, match="lambdas"):
        serialize_keras_object(lambda x: x)


def test_layer_serialize_round_trip():
    dense = keras.layers.Dense(4, activation="relu", name="d")
    config = keras.layers.serialize(dense)
    assert _head(config) == ("keras.layers", "Dense", None)
    clone = keras.layers.deserialize(config)
    assert isinstance(clone, keras.layers.Dense) and clone.get_config() == dense.get_config()


def test_keras_utils_aliases_are_the_same_objects():
    assert keras.utils.custom_object_scope is custom_object_scope
    assert keras.utils.register_keras_serializable is register_keras_serializable
    assert keras.utils.get_registered_object is get_registered_object


def test_keras_special_values_round_trip():
    x = keras.Input(shape=(3,), name="special_in")
    tensor = serialize_keras_object(x)
    assert tensor == {"class_name": "__keras_tensor__",
                      "config": {"shape": (None, 3), "dtype": "float32",
                                 "keras_history": ["special_in", 0, 0]}}
    revived = deserialize_keras_object(tensor)
    assert revived.shape == (None, 3)
    assert revived._pre_serialization_keras_history == ["special_in", 0, 0]
    array = np.arange(6, dtype="int32").reshape(2, 3)
    config = serialize_keras_object(array)
    assert config["class_name"] == "__numpy__"
    np.testing.assert_array_equal(deserialize_keras_object(config), array)
    assert deserialize_keras_object(serialize_keras_object(slice(1, None, 2))) == slice(1, None, 2)
    assert deserialize_keras_object(serialize_keras_object(Ellipsis)) is Ellipsis
    assert serialize_keras_object((1, [2, 3])) == (1, [2, 3])  # tuples stay tuples, as Keras


def test_layers_are_built_from_their_build_config():
    dense = keras.layers.Dense(3)
    dense.build((None, 4))
    config = serialize_keras_object(dense)
    assert config["build_config"] == {"input_shape": (None, 4)}
    again = deserialize_keras_object(config)
    assert again.built and again.kernel.shape == (4, 3)
    assert "build_config" not in serialize_keras_object(keras.layers.Dense(3))


def test_from_config_type_errors_say_the_object_could_not_be_deserialized():
    @register_keras_serializable("tests")
    class Needs(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def get_config(self):
            return super().get_config()  # forgets units

    with pytest.raises(TypeError, match="could not be deserialized properly"):
        deserialize_keras_object(serialize_keras_object(Needs(3)))
