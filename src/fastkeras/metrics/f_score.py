"""FBetaScore and F1Score: per-class (or micro) true/false positive and false negative
sums, accumulated inside the step; the score is formed from them in `result()`."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.core import convert, shape_of
from .metric import Metric
from .traced_result import numpy_result

EPSILON = 1e-7


class FBetaScore(Metric):
    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(dtype=dtype, name=name)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < "
                                 f"threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim)."
                             f" Received input shapes: y_pred.shape={pred_shape} and "
                             f"y_true.shape={true_shape}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = convert(y_true, "float32"), convert(y_pred, "float32")
        if not self._built:
            self._build(shape_of(y_true), shape_of(y_pred))
        if self.threshold is None:  # each row's largest (nonzero) score is its prediction
            top = ops.amax(y_pred, axis=-1, keepdims=True)
            picked = ops.multiply(ops.cast(ops.greater_equal(y_pred, top), "float32"),
                                  ops.cast(ops.greater(ops.abs(y_pred), 1e-9), "float32"))
        else:
            picked = ops.cast(ops.greater(y_pred, self.threshold), "float32")
        sw = None
        if sample_weight is not None:
            sw = convert(sample_weight, "float32")
            while len(shape_of(sw)) < len(shape_of(y_true)):
                sw = ops.expand_dims(sw, -1)

        def weighted_sum(value):
            if sw is not None:
                value = ops.multiply(value, sw)
            return ops.sum(value, axis=self.axis)

        missed = ops.subtract(1.0, picked)
        for name, value in (("true_positives", ops.multiply(picked, y_true)),
                            ("false_positives", ops.multiply(picked, ops.subtract(1.0, y_true))),
                            ("false_negatives", ops.multiply(missed, y_true)),
                            ("intermediate_weights", y_true)):
            var = getattr(self, name)
            var.assign(var + weighted_sum(value))

    @numpy_result
    def result(self):
        if not self._built:
            return np.float32(0.0)
        tp, fp, fn = (np.asarray(v.value, "float32") for v in (
            self.true_positives, self.false_positives, self.false_negatives))
        eps, b2 = np.float32(EPSILON), np.float32(self.beta ** 2)
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            w = np.asarray(self.intermediate_weights.value, "float32")
            return np.float32(np.sum(score * (w / (w.sum() + eps))))
        if self.average is not None:
            return np.float32(np.mean(score))
        return score.astype("float32")

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
