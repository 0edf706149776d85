"""Pearson and concordance correlation metrics (keras.metrics): per-sample correlations
along `axis`, averaged over samples like any MeanMetricWrapper."""

from __future__ import annotations

from .. import config, ops
from ..losses.losses import squeeze_or_expand_to_same_rank
from ..ops.core import convert
from .metric import MeanMetricWrapper


def _pair(y_true, y_pred):
    y_pred = convert(y_pred, "float32")
    return squeeze_or_expand_to_same_rank(convert(y_true, "float32"), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Mean over `axis` of the product of the two standardised signals."""
    y_true, y_pred = _pair(y_true, y_pred)

    def standardised(v):
        centred = ops.subtract(v, ops.mean(v, axis=axis, keepdims=True))
        return ops.divide(centred, ops.std(centred, axis=axis, keepdims=True))
    return ops.mean(ops.multiply(standardised(y_true), standardised(y_pred)), axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """2 cov / (var_true + var_pred + (mean_true - mean_pred)^2 + epsilon) along `axis`
    (centring y_true on either mean gives the same covariance; Keras writes y_pred's)."""
    y_true, y_pred = _pair(y_true, y_pred)
    mean_true = ops.mean(y_true, axis=axis, keepdims=True)
    mean_pred = ops.mean(y_pred, axis=axis, keepdims=True)
    var_true = ops.var(ops.subtract(y_true, mean_true), axis=axis, keepdims=True)
    var_pred = ops.var(ops.subtract(y_pred, mean_pred), axis=axis, keepdims=True)
    covar = ops.multiply(ops.subtract(y_true, mean_pred), ops.subtract(y_pred, mean_pred))
    norm = ops.add(ops.add(var_true, var_pred), ops.square(ops.subtract(mean_true, mean_pred)))
    return ops.mean(ops.divide(ops.multiply(covar, 2.0), ops.add(norm, config.epsilon())),
                    axis=axis)


class _Correlation(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, fn, name, dtype, axis):
        super().__init__(fn, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_Correlation):
    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name, dtype, axis)


class ConcordanceCorrelation(_Correlation):
    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name, dtype, axis)
