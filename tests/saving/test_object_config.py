"""What a layer's config holds beyond what its class writes (saving/object_config.py):
Keras's automatic config, the build config, the DTypePolicy form of the dtype."""

import pytest

import fastkeras as keras
from fastkeras.layers import Dense


class Auto(keras.layers.Layer):
    def __init__(self, units=3, mode="a", sizes=(1, 2), **kwargs):
        super().__init__(**kwargs)
        self.units = units


class NoName(keras.layers.Layer):
    def __init__(self, units=3):
        super().__init__()


class Opaque(keras.layers.Layer):
    def __init__(self, fn):
        super().__init__()


def test_automatic_config_records_the_constructor_arguments():
    config = Auto(5, sizes=[3], name="auto", trainable=False).get_config()
    assert config == {"name": "auto", "units": 5, "mode": "a", "sizes": [3],
                      "trainable": False, "dtype": config["dtype"]}
    again = Auto.from_config(config)
    assert (again.units, again.name, again.trainable) == (5, "auto", False)
    assert "name" not in NoName(units=4).get_config()  # __init__ could not take it back
    with pytest.raises(NotImplementedError, match="non-serializable argument values"):
        Opaque(lambda x: x).get_config()


def test_dtype_is_written_as_a_dtype_policy_and_read_from_one():
    config = Dense(2).get_config()
    assert config["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                               "config": {"name": "float32"}, "registered_name": None}
    assert Dense.from_config(config).dtype == "float32"
    assert Dense(2, dtype=config["dtype"]).dtype == "float32"


def test_build_config_is_the_shape_a_layer_was_built_with():
    dense = Dense(2)
    assert dense.get_build_config() is None
    dense.build((None, 7))
    assert dense.get_build_config() == {"input_shape": (None, 7)}
    fresh = Dense(2)
    fresh.build_from_config(dense.get_build_config())
    assert fresh.built and fresh.kernel.shape == (7, 2)
    flatten = keras.layers.Flatten()
    flatten(keras.Input(shape=(2, 3)))
    assert flatten.get_build_config() == {"input_shape": (None, 2, 3)}  # as Keras
    dropout = keras.layers.Dropout(0.5)
    dropout(keras.Input(shape=(3,)))
    assert dropout.get_build_config() is None  # Keras builds Dropout when made
