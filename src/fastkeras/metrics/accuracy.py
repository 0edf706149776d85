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
        raise ValueError(f"accuracy: y_true {shape_of(y_true)} and y_pred "
                         f"{shape_of(y_pred)} differ")
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


def _top_k_matches(labels, y_pred, k):
    """in_top_k over the flattened leading axes, shaped as `labels` again."""
    y_pred = convert(y_pred, "float32")
    shape = shape_of(labels)
    flat_pred = ops.reshape(y_pred, (-1, shape_of(y_pred)[-1]))
    matches = ops.cast(ops.in_top_k(ops.reshape(labels, (-1,)), flat_pred, k), "float32")
    return ops.reshape(matches, shape) if len(shape) != 1 else matches


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = convert(y_pred, "float32")
    labels = ops.cast(ops.argmax(convert(y_true, "float32"), axis=-1), "int32")
    return _top_k_matches(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    y_pred = convert(y_pred, "float32")
    if from_sorted_ids:  # y_pred holds the top category ids, best first
        ids = ops.reshape(y_pred, (-1, shape_of(y_pred)[-1]))
        ids = ops.take(ids, list(range(min(k, shape_of(ids)[-1]))), axis=-1)
        labels = ops.reshape(convert(y_true, "float32"), (-1, 1))
        hit = ops.amax(ops.cast(ops.equal(ids, labels), "float32"), axis=-1)
        shape = shape_of(y_true)
        return ops.reshape(hit, shape) if len(shape) > 1 else hit
    return _top_k_matches(convert(y_true, "int32"), y_pred, k)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        kwargs = {"from_sorted_ids": True} if from_sorted_ids else {}
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         **kwargs)
