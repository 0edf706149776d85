"""Activation functions (keras.activations) and `get()` for string identifiers."""

from __future__ import annotations

from .. import ops


def linear(x):
    return x


def relu(x):
    return ops.relu(x)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def exponential(x):
    return ops.exp(x)


_ACTIVATIONS = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax,
                                        exponential)}


def get(identifier):
    """None -> linear; a string -> the named activation; a callable passes through."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _ACTIVATIONS[identifier]
        except KeyError:
            raise ValueError(f"Unknown activation function: {identifier!r}. Known activations: "
                             f"{sorted(_ACTIVATIONS)}") from None
    if isinstance(identifier, dict):  # a Keras config
        from ..saving import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    name = getattr(activation, "__name__", None)
    if _ACTIVATIONS.get(name) is activation:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}")
