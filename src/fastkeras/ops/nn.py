"""Neural-network ops (keras.ops.*): activations, normalised exponentials and the
cross-entropies."""

from __future__ import annotations

from ..graph import bind
from ..graph.primitives.losses import EPSILON
from . import numpy as np_ops
from .core import convert, promote, shape_of, unary_op

relu = unary_op("relu", "The relu activation, elementwise.")
sigmoid = unary_op("sigmoid", "The sigmoid activation, elementwise.")


def softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("softmax", a, axis=axis)


def log_softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("log_softmax", a, axis=axis)


def _class_axis_last(target, output, axis):
    """(target, output) with the class axis moved last (the primitives reduce the last)."""
    nd = len(shape_of(output))
    axis = axis % nd if nd else 0
    if axis == nd - 1:
        return target, output
    perm = tuple(i for i in range(nd) if i != axis) + (axis,)
    move = (lambda t: bind("transpose", t, perm=perm))
    return (move(target) if target is not None else None), move(output)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(p)) over `axis`, p = output / sum(output) clipped to [eps, 1 - eps]
    (or log_softmax(output) from logits): one value per sample (Keras's op)."""
    target, output = promote(target, output, float_only=True)
    if shape_of(target) != shape_of(output):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    if len(shape_of(output)) < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    target, output = _class_axis_last(target, output, axis)
    return bind("categorical_crossentropy", target, output, from_logits=bool(from_logits))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """categorical_crossentropy with integer class labels (a trailing axis of 1 is
    squeezed; Keras's op)."""
    (output,) = promote(output, float_only=True)
    st, so = shape_of(target), shape_of(output)
    if len(so) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: "
                         f"output.shape={so}")
    if len(st) == len(so) and st and st[-1] == 1:
        target = bind("reshape", convert(target), shape=st[:-1])
        st = st[:-1]
    if tuple(st) != tuple(so[:-1]):
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={st}, output.shape={so}")
    _, output = _class_axis_last(None, output, axis)
    return bind("sparse_categorical_crossentropy", convert(target, "int32"), output,
                from_logits=bool(from_logits))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t log(p) + (1 - t) log(1 - p)), p clipped to [eps, 1 - eps], or from
    logits through log_sigmoid (Keras's op; the loss function means it over the last
    axis)."""
    target, output = promote(target, output, float_only=True)
    if shape_of(target) != shape_of(output):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    if from_logits:  # log_sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), never overflows
        soft = np_ops.log(np_ops.add(np_ops.exp(np_ops.negative(np_ops.abs(output))), 1.0))
        log_p = np_ops.subtract(np_ops.minimum(output, 0.0), soft)
        log_not_p = np_ops.subtract(np_ops.minimum(np_ops.negative(output), 0.0), soft)
    else:
        p = np_ops.clip(output, EPSILON, 1.0 - EPSILON)
        log_p, log_not_p = np_ops.log(p), np_ops.log(np_ops.subtract(1.0, p))
    return np_ops.negative(np_ops.add(np_ops.multiply(target, log_p),
                                      np_ops.multiply(np_ops.subtract(1.0, target), log_not_p)))
