"""Regression metrics: loss functions averaged over samples, RMSE, cosine similarity and
R2Score (per-column sums accumulated inside the step, the score formed in result())."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..losses.losses import mean_absolute_error, mean_squared_error, squeeze_or_expand_to_same_rank
from ..ops.core import convert, shape_of
from .loss_functions import loss_function
from .metric import Mean, MeanMetricWrapper, Metric
from .traced_result import numpy_result, tracing


class _NamedOnly(MeanMetricWrapper):
    """Config is the name and dtype alone (Keras's regression metrics)."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_NamedOnly):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_NamedOnly):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_NamedOnly):
    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(loss_function("mean_absolute_percentage_error"), name=name,
                         dtype=dtype)


class MeanSquaredLogarithmicError(_NamedOnly):
    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(loss_function("mean_squared_logarithmic_error"), name=name,
                         dtype=dtype)


class LogCoshError(_NamedOnly):
    def __init__(self, name="logcosh", dtype=None):
        super().__init__(loss_function("log_cosh"), name=name, dtype=dtype)


def cosine_similarity(y_true, y_pred, axis=-1):
    """The metric's cosine (the loss of that name is its negative)."""
    y_pred = convert(y_pred, "float32")
    y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true, "float32"), y_pred)
    return ops.sum(ops.multiply(ops.normalize(y_true, axis=axis),
                                ops.normalize(y_pred, axis=axis)), axis=axis)


class CosineSimilarity(_NamedOnly):
    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true, "float32"),
                                                        convert(y_pred, "float32"))
        self.add_values(ops.square(ops.subtract(y_pred, y_true)), sample_weight)

    def result(self):
        mean = super().result()
        return ops.sqrt(mean) if tracing() else np.float32(np.sqrt(mean))


class R2Score(Metric):
    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(dtype=dtype, name=name)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={pred_shape} and "
                             f"y_true.shape={true_shape}.")
        n = pred_shape[-1]
        self.squared_sum = self.add_variable((n,), "zeros", name="squared_sum")
        self.sum = self.add_variable((n,), "zeros", name="sum")
        self.total_mse = self.add_variable((n,), "zeros", name="residual")
        self.count = self.add_variable((n,), "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = squeeze_or_expand_to_same_rank(convert(y_true, "float32"),
                                                        convert(y_pred, "float32"))
        if not self._built:
            self._build(shape_of(y_true), shape_of(y_pred))
        sw = np.ones((), "float32") if sample_weight is None else convert(sample_weight,
                                                                           "float32")
        if len(shape_of(sw)) == 1:
            sw = ops.expand_dims(sw, 1)
        sw = ops.broadcast_to(sw, shape_of(y_true))
        weighted = ops.multiply(y_true, sw)
        residual = ops.multiply(ops.square(ops.subtract(y_true, y_pred)), sw)
        for var, value in ((self.sum, weighted), (self.squared_sum, ops.multiply(y_true, weighted)),
                           (self.total_mse, residual), (self.count, sw)):
            var.assign(var + ops.sum(value, axis=0))
        # Keras 3.15 counts every target value (weighted or not) as a sample.
        size = float(np.prod(shape_of(y_true)))
        self.num_samples.assign(self.num_samples + np.float32(size))

    @numpy_result
    def result(self):
        if not self._built:
            return np.float32(0.0)
        s, sq, mse, count = (np.asarray(v.value, "float32") for v in (
            self.sum, self.squared_sum, self.total_mse, self.count))
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s / count
            total = sq - s * mean
            raw = 1 - mse / total
        raw = np.where(np.isinf(raw), np.float32(0), raw).astype("float32")
        if self.class_aggregation == "uniform_average":
            score = np.float32(raw.mean())
        elif self.class_aggregation == "variance_weighted_average":
            weights = total / total.sum()
            score = np.float32((weights * raw).sum())
        else:
            score = raw
        if self.num_regressors:
            n, p = float(self.num_samples.value), self.num_regressors
            if p > n - 1:
                import warnings
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                import warnings
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = np.float32(1 - (1 - score) * (n - 1) / (n - p - 1))
        return score

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
