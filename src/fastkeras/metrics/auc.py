"""AUC: ROC / PR (/ PR-gain) area from confusion counts at `num_thresholds` thresholds.

The counts are accumulated inside the step (confusion.py); the Riemann sum over them is
computed in Python from the variables when `result()` is read."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.core import shape_of
from .confusion import EPSILON, ConfusionMetric, divide_no_nan, evenly_distributed
from .traced_result import numpy_result

# The spellings Keras accepts.
CURVES = {"roc": "ROC", "ROC": "ROC", "pr": "PR", "PR": "PR", "prgain": "PRGAIN",
          "PRGAIN": "PRGAIN"}
SUMMATIONS = {s: s.lower() for s in ("interpolation", "Interpolation", "majoring", "Majoring",
                                     "minoring", "Minoring")}


def _parse(value, known, what, expected):
    if value not in known:
        raise ValueError(f'Invalid AUC {what} value: "{value}". Expected values are {expected}')
    return known[value]


class AUC(ConfusionMetric):
    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = evenly_distributed(
                np.array([0.0] + thresholds + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + list(thresholds) + [1.0 + EPSILON])
        self.curve = _parse(curve, CURVES, "curve", '["PR", "ROC", "PRGAIN"]')
        self.summation_method = _parse(summation_method, SUMMATIONS, "summation method",
                                       '["interpolation", "majoring", "minoring"]')
        super().__init__(dtype=dtype, name=name)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else np.asarray(label_weights, dtype=self.dtype))
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError("`y_pred` must have rank 2 when `multi_label=True`. Found "
                                 f"rank {len(shape)}. Full shape received for `y_pred`: {shape}")
            self._num_labels = shape[1]
            self._make_counts((self.num_thresholds, self._num_labels))
        else:
            self._make_counts((self.num_thresholds,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self._built:
            self._build(shape_of(y_pred))
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        self._add_counts(y_true, y_pred, sample_weight, multi_label=self.multi_label,
                         label_weights=None if self.multi_label else self.label_weights)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def _by_label(self, terms):
        """Sum over thresholds; with several labels, their (weighted) mean."""
        if not self.multi_label:
            return np.float32(terms.sum(dtype="float32"))
        by_label = terms.sum(axis=0, dtype="float32")
        if self.label_weights is None:
            return np.float32(by_label.mean(dtype="float32"))
        w = self.label_weights
        return np.float32(divide_no_nan((by_label * w).sum(), w.sum()))

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich's interpolation of precision between thresholds."""
        n = self.num_thresholds
        dtp = tp[:n - 1] - tp[1:]
        p = tp + fp
        dp = p[:n - 1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:n - 1] > 0) & (p[1:] > 0)
        ratio = np.where(both, divide_no_nan(p[:n - 1], np.maximum(p[1:], 0)), np.float32(1))
        with np.errstate(divide="ignore"):
            log_ratio = np.log(ratio).astype("float32")
        terms = divide_no_nan(slope * (dtp + intercept * log_ratio),
                              np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(terms)

    @numpy_result
    def result(self):
        if not self._built:
            return np.float32(0.0)
        tp, fp, tn, fn = (self._count(n) for n in ("true_positives", "false_positives",
                                                    "true_negatives", "false_negatives"))
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PR gain
            scale = divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, np.float32(0), 1 - scale * divide_no_nan(fn, tp))
            x = np.maximum(recall_gain, np.float32(0))
            y = np.where(tp == 0, np.float32(1), 1 - scale * divide_no_nan(fp, tp))
        n = self.num_thresholds
        if self.summation_method == "interpolation":
            heights = (y[:n - 1] + y[1:]) / np.float32(2)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:n - 1], y[1:])
        else:
            heights = np.maximum(y[:n - 1], y[1:])
        return self._by_label((x[:n - 1] - x[1:]) * heights)

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": (None if self.label_weights is None
                                    else self.label_weights.tolist()),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
