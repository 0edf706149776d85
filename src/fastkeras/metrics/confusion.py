"""Confusion counts per threshold (Keras's update_confusion_matrix_variables), and the
metrics built on them: TruePositives..FalseNegatives, Precision, Recall and the
"X at Y" metrics.

A step's counts are one composite: predictions (1, N) compared with thresholds (T, 1) give
a (T, N) 0/1 matrix, and a matrix product with the weighted labels (N,) sums it over the
batch, so each count variable gets one `assign(var + delta)` effect per step. False
negatives and true negatives are the label totals less the positives.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..losses.losses import squeeze_or_expand_to_same_rank
from ..ops.core import convert, shape_of
from . import traced_result
from .metric import Metric
from .traced_result import numpy_result, tracing

NEG_INF = -1e10  # Keras's score for the entries top_k filters out
EPSILON = 1e-7
COUNTS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def check_thresholds(thresholds):
    bad = [t for t in thresholds if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")


def parse_thresholds(thresholds, default):
    if thresholds is not None:
        thresholds = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
        check_thresholds(thresholds)
        return thresholds
    return [default]


def evenly_distributed(thresholds) -> bool:
    """Keras then counts with buckets over predictions clipped to [0, 1]; comparing the
    clipped predictions with the thresholds gives the same counts."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def keep_top_k(x, k):
    """Scores outside each row's k largest become NEG_INF (top_k's choice: ties go to the
    lower index, NaN counts as largest), as Keras's _filter_top_k."""
    _, positions = ops.top_k(x, k)
    kept = ops.sum(ops.one_hot(positions, shape_of(x)[-1]), axis=-2)
    return ops.add(ops.multiply(x, kept), ops.multiply(ops.subtract(1.0, kept), NEG_INF))


def confusion_deltas(y_true, y_pred, thresholds, sample_weight=None, top_k=None,
                     class_id=None, multi_label=False, label_weights=None, clip=False):
    """One batch's (tp, fp, tn, fn) per threshold: (T,), or (T, labels) when multi_label."""
    y_true, y_pred = convert(y_true, "float32"), convert(y_pred, "float32")
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    sw = None
    if sample_weight is not None:
        sw = ops.expand_dims(convert(sample_weight, "float32"), -1)
        _, sw = squeeze_or_expand_to_same_rank(y_true, sw, expand_rank_1=False)
    if top_k is not None:
        y_pred = keep_top_k(y_pred, top_k)
    if class_id is not None:
        if len(shape_of(y_pred)) == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {shape_of(y_pred)}")
        y_true = ops.take(y_true, [class_id], axis=-1)
        y_pred = ops.take(y_pred, [class_id], axis=-1)
        if sw is not None and shape_of(sw)[-1] != 1:
            sw = ops.take(sw, [class_id], axis=-1)
    if clip:
        y_pred = ops.clip(y_pred, 0.0, 1.0)
    shape = shape_of(y_pred)
    positive = ops.subtract(1.0, ops.cast(ops.equal(y_true, 0.0), "float32"))
    weights = np.ones((), "float32") if sw is None else sw
    if label_weights is not None and not multi_label:
        weights = ops.multiply(weights, np.asarray(label_weights, "float32"))
    weights = ops.broadcast_to(convert(weights, "float32"), shape)
    pos_w = ops.multiply(positive, weights)
    neg_w = ops.subtract(weights, pos_w)
    thr = np.asarray(thresholds, "float32")
    if multi_label:  # per label: (T, B, L) summed over the batch
        labels = shape[-1]
        preds = ops.reshape(y_pred, (1, -1, labels))
        above = ops.cast(ops.greater(preds, thr.reshape(-1, 1, 1)), "float32")
        pos_w, neg_w = ops.reshape(pos_w, (1, -1, labels)), ops.reshape(neg_w, (1, -1, labels))
        tp = ops.sum(ops.multiply(above, pos_w), axis=1)
        fp = ops.sum(ops.multiply(above, neg_w), axis=1)
        pos_total, neg_total = ops.sum(pos_w, axis=1), ops.sum(neg_w, axis=1)
    else:
        above = ops.cast(ops.greater(ops.reshape(y_pred, (1, -1)), thr.reshape(-1, 1)), "float32")
        tp = ops.reshape(ops.matmul(above, ops.reshape(pos_w, (-1, 1))), (-1,))
        fp = ops.reshape(ops.matmul(above, ops.reshape(neg_w, (-1, 1))), (-1,))
        pos_total, neg_total = ops.sum(pos_w), ops.sum(neg_w)
    return {"true_positives": tp, "false_positives": fp,
            "true_negatives": ops.subtract(neg_total, fp),
            "false_negatives": ops.subtract(pos_total, tp)}


def divide_no_nan(a, b):
    a, b = np.asarray(a, "float32"), np.asarray(b, "float32")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.float32(0), a / np.where(b == 0, 1, b)).astype("float32")


class ConfusionMetric(Metric):
    """State: the named counts, one float32 entry per threshold; subclasses say which
    counts they keep (`_counts`) and compute `result()` from them."""

    _counts = COUNTS

    def _make_counts(self, shape):
        for name in self._counts:
            setattr(self, name, self.add_variable(shape, "zeros", name=name))

    def _add_counts(self, y_true, y_pred, sample_weight=None, **options):
        deltas = confusion_deltas(y_true, y_pred, self.thresholds, sample_weight,
                                  clip=self._thresholds_distributed_evenly, **options)
        for name in self._counts:
            var = getattr(self, name)
            var.assign(var + deltas[name])

    def _count(self, name):
        return np.asarray(getattr(self, name).value, "float32")


class _ConfusionMatrixConditionCount(ConfusionMetric):
    def __init__(self, count, thresholds=None, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self._counts = (count,)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros",
                                             name="accumulator")
        setattr(self, count, self.accumulator)

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add_counts(y_true, y_pred, sample_weight)

    def result(self):
        if tracing():
            counts = traced_result.read(self.accumulator)
            return ops.reshape(counts, ()) if len(self.thresholds) == 1 else counts
        counts = self._count("accumulator")
        return counts[0] if len(self.thresholds) == 1 else counts

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("true_positives", thresholds, name=name, dtype=dtype)


class FalsePositives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("false_positives", thresholds, name=name, dtype=dtype)


class TrueNegatives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("true_negatives", thresholds, name=name, dtype=dtype)


class FalseNegatives(_ConfusionMatrixConditionCount):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__("false_negatives", thresholds, name=name, dtype=dtype)


class _PrecisionRecall(ConfusionMetric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._thresholds_distributed_evenly = evenly_distributed(self.thresholds)
        self._make_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add_counts(y_true, y_pred, sample_weight, top_k=self.top_k,
                         class_id=self.class_id)

    def _ratio(self, other):
        if tracing():
            tp, oth = (traced_result.read(getattr(self, n)) for n in ("true_positives", other))
            value = traced_result.divide_no_nan(tp, ops.add(tp, oth))
            return ops.reshape(value, ()) if len(self.thresholds) == 1 else value
        tp = self._count("true_positives")
        value = divide_no_nan(tp, tp + self._count(other))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    _counts = ("true_positives", "false_positives")

    def result(self):
        return self._ratio("false_positives")


class Recall(_PrecisionRecall):
    _counts = ("true_positives", "false_negatives")

    def result(self):
        return self._ratio("false_negatives")


class SensitivitySpecificityBase(ConfusionMetric):
    """Counts at `num_thresholds` thresholds spread evenly over [0, 1]; the result is the
    best `_dependent()` among thresholds whose `_constrained()` reaches `value`."""

    _value_name = None  # the constructor argument holding `value`

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"Argument `{self._value_name}` must be in the range [0, 1]. "
                             f"Received: {self._value_name}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(dtype=dtype, name=name)
        self.value = value
        setattr(self, self._value_name, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._thresholds_distributed_evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._thresholds_distributed_evenly = [0.0] + inner + [1.0], True
        self._make_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._add_counts(y_true, y_pred, sample_weight, class_id=self.class_id)

    def _rates(self):
        tp, fp, tn, fn = (self._count(n) for n in COUNTS)
        return {"recall": divide_no_nan(tp, tp + fn), "precision": divide_no_nan(tp, tp + fp),
                "specificity": divide_no_nan(tn, tn + fp)}

    @numpy_result
    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._constrained], rates[self._dependent]
        feasible = np.where(constrained >= np.float32(self.value), dependent, np.float32(0))
        return np.float32(max(float(feasible.max(initial=0)), 0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    _value_name, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    _value_name, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)


class PrecisionAtRecall(SensitivitySpecificityBase):
    _value_name, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)


class RecallAtPrecision(SensitivitySpecificityBase):
    _value_name, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)
