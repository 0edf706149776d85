"""Keras layers."""

from .activation import Activation
from .dense import Dense
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .layer import Layer
from . import op_layer  # noqa: F401  (registers keras.ops on KerasTensors)



def deserialize(config, custom_objects=None):
    """A layer from {"class_name": ..., "config": {...}}: fastkeras's layers by name, or a
    class given in `custom_objects`."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize layer: expected a dict with 'class_name' and "
                         f"'config', received {config!r}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or globals().get(name)
    if not (isinstance(cls, type) and issubclass(cls, Layer)):
        raise ValueError(f"Unknown layer: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included "
                         "in the scope, or pass it in `custom_objects`.")
    return cls.from_config(config.get("config", {}))


__all__ = ["Activation", "Dense", "Input", "InputLayer", "KerasTensor", "Layer", "deserialize"]
