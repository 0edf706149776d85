"""keras.activations: lookup by name and Keras's config forms."""

import pytest

from fastkeras import activations


def test_deserialize_names_and_keras_dicts():
    assert activations.deserialize("relu") is activations.relu
    config = {"module": "keras.activations", "class_name": "function", "config": "gelu",
              "registered_name": "gelu"}
    assert activations.deserialize(config) is activations.gelu
    assert activations.deserialize(activations.serialize(activations.sparsemax)) is \
        activations.sparsemax
    with pytest.raises(ValueError, match="nope"):
        activations.deserialize("nope")


def test_custom_objects_win():
    def mine(x):
        return x
    assert activations.deserialize("mine", custom_objects={"mine": mine}) is mine
