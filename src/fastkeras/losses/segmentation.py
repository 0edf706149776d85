"""Image segmentation losses (Keras 3.15's formulas): Dice and Tversky. With `axis=None`
(the default) each is one number for the whole batch."""

from __future__ import annotations

from .. import ops
from ..config import epsilon
from ._common import as_pred_dtype
from .loss import BuiltinLoss


def dice(y_true, y_pred, axis=None):
    """1 - 2 |y_true . y_pred| / (|y_true| + |y_pred|), sums over `axis`."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha FP + beta FN), with Keras 3.15's roles: FP = sum((1 - y_pred)
    * y_true), FN = sum(y_pred * (1 - y_true))."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    fp = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    fn = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(ops.add(intersection, ops.multiply(fp, alpha)), ops.multiply(fn, beta))
    return ops.subtract(1.0, ops.divide(intersection, ops.add(denominator, epsilon())))


_REDUCTION = "sum_over_batch_size"


class Dice(BuiltinLoss):
    _config_keys = ("axis",)

    def __init__(self, reduction=_REDUCTION, name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)


class Tversky(BuiltinLoss):
    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction=_REDUCTION, name="tversky", axis=None,
                 dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
