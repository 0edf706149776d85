"""Hinge losses (Keras 3.15's formulas): hinge, squared hinge and categorical hinge."""

from __future__ import annotations

from .. import ops
from ._common import as_float, as_pred_dtype
from .loss import BuiltinLoss


def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} become {-1, 1}; any other labels are kept. As in Keras, the test is
    over the whole batch: one label outside {0, 1} keeps them all."""
    in_01 = ops.add(as_float(ops.equal(y_true, 0.0), y_true),
                    as_float(ops.equal(y_true, 1.0), y_true))
    is_binary = ops.min(in_01)  # 1.0 when every label is 0 or 1
    return ops.add(y_true, ops.multiply(is_binary, ops.subtract(y_true, 1.0)))


def _margin(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    y_true = convert_binary_labels_to_hinge(y_true)
    return ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)


def hinge(y_true, y_pred):
    return ops.mean(_margin(y_true, y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    return ops.mean(ops.square(_margin(y_true, y_pred)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max over wrong classes - score of the true class)."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


_REDUCTION = "sum_over_batch_size"


class Hinge(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)
