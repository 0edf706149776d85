"""Keras layers."""

from .activation import Activation
from .dense import Dense
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .layer import Layer
from . import op_layer  # noqa: F401  (registers keras.ops on KerasTensors)



def deserialize(config, custom_objects=None):
    """A layer from its Keras config ({"module", "class_name", "config", ...}, or the older
    {"class_name", "config"}): fastkeras's layers, registered ones, or `custom_objects`."""
    from ..saving import deserialize_keras_object
    layers = {k: v for k, v in globals().items() if isinstance(v, type) and issubclass(v, Layer)}
    obj = deserialize_keras_object(config, custom_objects, module_objects=layers)
    if not isinstance(obj, Layer):
        raise ValueError(f"`keras.layers.deserialize` was passed a `config` object that is not "
                         f"a `keras.layers.Layer`. Received: {config}")
    return obj


def serialize(layer):
    from ..saving import serialize_keras_object
    return serialize_keras_object(layer)


__all__ = ["Activation", "Dense", "Input", "InputLayer", "KerasTensor", "Layer", "deserialize", "serialize"]
