"""Losses with Keras 3 names, defaults and reductions.

A loss's per-sample values come from one fused primitive; `__call__` reduces them
("sum_over_batch_size": sum / number of values, the Keras default)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import bind
from ..ops.core import convert, shape_of

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule before a loss or metric function compares targets with predictions:
    where the ranks differ by one and the longer ends in a 1, that axis is squeezed (or, for
    a rank-1 partner, the partner expanded)."""
    r1, r2 = len(shape_of(x1)), len(shape_of(x2))
    if r1 == r2 + 1 and shape_of(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, -1)
        else:
            x1 = ops.squeeze(x1, -1)
    if r2 == r1 + 1 and shape_of(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, -1)
        else:
            x2 = ops.squeeze(x2, -1)
    return x1, x2


def _float_target(y_true, y_pred):
    y_pred = convert(y_pred)
    dtype = y_pred.dtype if not isinstance(y_pred, np.ndarray) else y_pred.dtype.name
    return squeeze_or_expand_to_same_rank(convert(y_true, dtype), y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _float_target(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return bind("binary_crossentropy", y_true, y_pred, from_logits=bool(from_logits))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = _float_target(y_true, y_pred)
    if shape_of(y_true) != shape_of(y_pred):
        raise ValueError(f"categorical_crossentropy: targets of shape {shape_of(y_true)} do not "
                         f"match predictions of shape {shape_of(y_pred)}. For integer class "
                         "labels use sparse_categorical_crossentropy.")
    if label_smoothing:
        n = shape_of(y_pred)[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_labels(y_true, y_pred):
    """int32 labels of shape y_pred.shape[:-1] (a trailing axis of 1 is squeezed)."""
    st, sp = shape_of(y_true), shape_of(y_pred)
    if len(st) == len(sp) and st and st[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return convert(y_true, "int32")


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    if ignore_class is not None:
        raise NotImplementedError("sparse_categorical_crossentropy(ignore_class=...) is not "
                                  "supported yet by fastkeras")
    y_pred = convert(y_pred)
    return ops.sparse_categorical_crossentropy(sparse_labels(y_true, y_pred), y_pred,
                                               from_logits=from_logits, axis=axis)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _float_target(y_true, y_pred)
    return bind("mean_squared_error", y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _float_target(y_true, y_pred)
    return bind("mean_absolute_error", y_true, y_pred)


def reduce_values(values, reduction, sample_weight=None):
    if sample_weight is not None:
        sw = convert(sample_weight, "float32")
        while len(shape_of(sw)) < len(shape_of(values)):
            sw = ops.expand_dims(sw, -1)
        values = ops.multiply(values, sw)
    if reduction in ("none", None):
        return values
    total = ops.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return ops.divide(total, ops.sum(ops.broadcast_to(sw, shape_of(values))))
    n = int(np.prod(shape_of(values)))
    return ops.multiply(total, 1.0 / max(n, 1))


class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` -> per-sample values."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{REDUCTIONS}. Received: reduction={reduction!r}")
        self.name = name or type(self).__name__
        self.reduction = reduction
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_values(self.call(y_true, y_pred), self.reduction, sample_weight)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    def __init__(self, fn, name=None, reduction="sum_over_batch_size", **fn_kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction)
        self.fn = fn
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true), convert(y_pred))
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self.fn_kwargs)
        return config


class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         from_logits=from_logits, ignore_class=ignore_class)


class MeanSquaredError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction)
