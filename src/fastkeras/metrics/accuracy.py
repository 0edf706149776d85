"""Accuracy metrics with Keras 3 semantics (per-sample values, then a mean)."""

from __future__ import annotations

from .. import ops
from ..losses.losses import sparse_labels, squeeze_or_expand_to_same_rank
from ..ops.core import convert, shape_of
from .metric import MeanMetricWrapper


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true, "float32"), convert(y_pred))
    hits = ops.equal(y_true, ops.cast(ops.greater(y_pred, threshold), "float32"))
    return ops.mean(ops.cast(hits, "float32"), axis=-1)


def categorical_accuracy(y_true, y_pred):
    hits = ops.equal(ops.argmax(convert(y_true, "float32"), axis=-1), ops.argmax(y_pred, axis=-1))
    return ops.cast(hits, "float32")


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = convert(y_pred)
    labels = sparse_labels(y_true, y_pred)
    return ops.cast(ops.equal(labels, ops.argmax(y_pred, axis=-1)), "float32")


def accuracy(y_true, y_pred):
    y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true, "float32"),
                                                     convert(y_pred))
    if shape_of(y_true) != shape_of(y_pred):
        raise ValueError(f"accuracy: y_true {shape_of(y_true)} and y_pred {shape_of(y_pred)} differ")
    return ops.mean(ops.cast(ops.equal(y_true, y_pred), "float32"), axis=-1)


class BinaryAccuracy(MeanMetricWrapper):
    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
