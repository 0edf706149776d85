"""Regression losses (Keras 3.15's formulas): mean squared / absolute / absolute percentage
/ squared logarithmic error, cosine similarity, Huber and log-cosh."""

from __future__ import annotations

import math

from .. import ops
from ..config import epsilon
from ..graph import bind
from ._common import as_pred_dtype, select
from .loss import BuiltinLoss


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    return bind("mean_squared_error", y_true, y_pred)  # the fused mean over the last axis


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    return bind("mean_absolute_error", y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    scale = ops.maximum(ops.abs(y_true), epsilon())
    diff = ops.abs(ops.divide(ops.subtract(y_true, y_pred), scale))
    return ops.multiply(ops.mean(diff, axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    first = ops.log(ops.add(ops.maximum(y_pred, epsilon()), 1.0))
    second = ops.log(ops.add(ops.maximum(y_true, epsilon()), 1.0))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-(cosine of the angle between y_true and y_pred along `axis`): -1 when aligned."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    y_pred = ops.normalize(y_pred, axis=axis)
    y_true = ops.normalize(y_true, axis=axis)
    return ops.negative(ops.sum(ops.multiply(y_true, y_pred), axis=axis))


def huber(y_true, y_pred, delta=1.0):
    """0.5 * e**2 where |e| <= delta, else delta * |e| - 0.5 * delta**2; mean over the last
    axis (e = y_pred - y_true)."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    delta = float(delta)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, delta), 0.5 * delta * delta)
    return ops.mean(select(ops.less_equal(abs_error, delta), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean of log(cosh(y_pred - y_true)) over the last axis, as x + softplus(-2x) - log 2
    (no overflow for a large x)."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred, same_rank=True)
    x = ops.subtract(y_pred, y_true)
    value = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), math.log(2.0))
    return ops.mean(value, axis=-1)


_REDUCTION = "sum_over_batch_size"


class MeanSquaredError(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class CosineSimilarity(BuiltinLoss):
    # Keras 3.15's config is Loss's alone: `axis` is not saved.
    def __init__(self, axis=-1, reduction=_REDUCTION, name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)


class Huber(BuiltinLoss):
    # Keras 3.15's config is Loss's alone: `delta` is not saved.
    def __init__(self, delta=1.0, reduction=_REDUCTION, name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)


class LogCosh(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)
