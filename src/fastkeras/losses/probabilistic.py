"""Probabilistic losses (Keras 3.15's formulas): the cross-entropies (binary, categorical,
sparse with ignore_class, and the focal ones), KL divergence, Poisson and the categorical
generalized cross-entropy."""

from __future__ import annotations

import warnings

from .. import ops
from ..config import epsilon
from ..graph import bind
from ..ops.core import convert, dtype_of, shape_of
from ._common import as_float, as_pred_dtype, check_axis, power, select
from .loss import BuiltinLoss, set_keras_mask


def _smooth_binary(y_true, label_smoothing):
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)


def _smooth_categorical(y_true, label_smoothing):
    num_classes = float(shape_of(y_true)[-1])  # Keras 3.15 counts y_true's last axis
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)


def _warn_one_class(name, y_pred):
    if shape_of(y_pred)[-1] == 1:
        warnings.warn(f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={shape_of(y_pred)}. "
                      "Consider using 'binary_crossentropy' if you only have 2 classes.",
                      SyntaxWarning, stacklevel=3)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = _smooth_binary(y_true, label_smoothing)
    nd = len(shape_of(y_pred))
    if nd and shape_of(y_true) == shape_of(y_pred) and axis in (-1, nd - 1):
        # The mean over the last axis as one fused primitive (the common case).
        return bind("binary_crossentropy", y_true, y_pred, from_logits=bool(from_logits))
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """binary_crossentropy times (1 - p_t) ** gamma (Lin et al., 2018), optionally
    weighted alpha for positives and 1 - alpha for negatives."""
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    if label_smoothing:
        y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    not_true, not_pred = ops.subtract(1.0, y_true), ops.subtract(1.0, y_pred)
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(not_true, not_pred))
    focal = ops.multiply(power(ops.subtract(1.0, p_t), gamma), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, alpha), ops.multiply(not_true, 1.0 - alpha))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    check_axis(axis)
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    _warn_one_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum over `axis` of alpha * (1 - p) ** gamma * -y_true * log(p), p the (softmax of
    the) prediction renormalised and clipped to [eps, 1 - eps]."""
    check_axis(axis)
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    _warn_one_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    p = ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True))
    p = ops.clip(p, epsilon(), 1.0 - epsilon())
    cce = ops.multiply(ops.negative(y_true), ops.log(p))
    weight = ops.multiply(power(ops.subtract(1.0, p), gamma), alpha)
    return ops.sum(ops.multiply(weight, cce), axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Cross-entropy with integer class labels. `ignore_class`: labels equal to it give 0
    and are masked out of the reduction (the mean is over the other labels)."""
    y_true, y_pred = convert(y_true), convert(y_pred)
    nd = len(shape_of(y_pred))
    if len(shape_of(y_true)) == nd and nd and shape_of(y_true)[axis] == 1:
        y_true = ops.squeeze(y_true, axis)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                                   axis=axis)
    valid = ops.equal(ops.equal(y_true, float(ignore_class)), False)
    # An ignored position gets label 0 and uniform scores: finite values, then zeroed.
    labels = ops.multiply(y_true, as_float(valid, y_pred))
    y_pred = select(ops.expand_dims(valid, axis % nd), y_pred, 1.0)
    res = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                              axis=axis)
    valid = ops.reshape(valid, shape_of(res))
    res = ops.multiply(res, as_float(valid, res))
    # The masked mean divides by the batch's count of kept labels: tie the values to it, so
    # that the data-parallel step (trainers/sharding.py) sees they mix rows (adds 0).
    res = ops.add(res, ops.multiply(ops.sum(as_float(valid, res)), 0.0))
    return set_keras_mask(res, valid)


def kl_divergence(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    y_true = ops.clip(y_true, epsilon(), 1.0)
    y_pred = ops.clip(y_pred, epsilon(), 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = as_pred_dtype(y_true, y_pred)
    log_pred = ops.log(ops.add(y_pred, epsilon()))
    return ops.mean(ops.subtract(y_pred, ops.multiply(y_true, log_pred)), axis=-1)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p ** q) / q, p the prediction of the true class (integer labels)."""
    y_pred = convert(y_pred)
    one_hot = ops.one_hot(convert(y_true, "int32"), shape_of(y_pred)[-1], dtype=dtype_of(y_pred))
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, power(p, q)), q)


_REDUCTION = "sum_over_batch_size"


class BinaryCrossentropy(BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_REDUCTION,
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class BinaryFocalCrossentropy(BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing",
                    "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction=_REDUCTION,
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction=_REDUCTION,
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(BuiltinLoss):
    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction=_REDUCTION, name="categorical_focal_crossentropy", dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(BuiltinLoss):
    _config_keys = ("from_logits", "ignore_class")  # Keras 3.15 leaves `axis` out

    def __init__(self, from_logits=False, ignore_class=None, reduction=_REDUCTION, axis=-1,
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)


class KLDivergence(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


class Poisson(BuiltinLoss):
    def __init__(self, reduction=_REDUCTION, name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class CategoricalGeneralizedCrossEntropy(BuiltinLoss):
    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction=_REDUCTION,
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError("q must be in the interval (0, 1)")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
