"""Neural-network ops (keras.ops.*): activations and normalised exponentials."""

from __future__ import annotations

from ..graph import bind
from .core import promote


def _activation(name):
    def op(x):
        (a,) = promote(x, float_only=True)
        return bind(name, a)
    op.__name__ = name
    op.__doc__ = f"The {name} activation, elementwise."
    return op


relu = _activation("relu")
sigmoid = _activation("sigmoid")


def softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("softmax", a, axis=axis)


def log_softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("log_softmax", a, axis=axis)
