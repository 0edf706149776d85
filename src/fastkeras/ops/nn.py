"""Neural-network ops (keras.ops.*): activations and normalised exponentials."""

from __future__ import annotations

from ..graph import bind
from .core import promote, unary_op

relu = unary_op("relu", "The relu activation, elementwise.")
sigmoid = unary_op("sigmoid", "The sigmoid activation, elementwise.")


def softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("softmax", a, axis=axis)


def log_softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("log_softmax", a, axis=axis)
