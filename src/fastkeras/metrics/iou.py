"""Intersection-over-union metrics from a (num_classes, num_classes) confusion matrix,
accumulated inside the step as one matrix product of one-hot rows per batch."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.core import convert, shape_of
from .metric import Metric
from .traced_result import numpy_result

EPSILON = 1e-7


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(dtype=dtype or "int32", name=name)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        # Integer counts kept in float32 (exact below 2**24 per cell): the step's matrix
        # product runs in floating point.
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          dtype="float32", name="total_confusion_matrix")

    def _class_ids(self, y, sparse):
        if not sparse:
            y = ops.argmax(convert(y, "float32"), axis=self.axis)
        # Keras converts to the metric's integer dtype: fractions are truncated.
        return ops.cast(ops.cast(ops.reshape(convert(y, "float32"), (-1,)), "int32"), "float32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        t = self._class_ids(y_true, self.sparse_y_true)
        p = self._class_ids(y_pred, self.sparse_y_pred)
        n = self.num_classes
        inside = ops.multiply(
            ops.multiply(ops.cast(ops.greater_equal(t, 0.0), "float32"),
                         ops.cast(ops.less(t, float(n)), "float32")),
            ops.multiply(ops.cast(ops.greater_equal(p, 0.0), "float32"),
                         ops.cast(ops.less(p, float(n)), "float32")))
        if self.ignore_class is not None:
            inside = ops.multiply(inside, ops.subtract(
                1.0, ops.cast(ops.equal(t, float(self.ignore_class)), "float32")))
        w = np.ones((), "float32") if sample_weight is None else ops.cast(
            ops.cast(ops.reshape(convert(sample_weight, "float32"), (-1,)), "int32"), "float32")
        w = ops.multiply(ops.broadcast_to(w, shape_of(t)), inside)
        # Rows outside [0, n) hold weight 0; any one-hot column does for them.
        t = ops.multiply(t, inside)
        p = ops.multiply(p, inside)
        rows = ops.multiply(ops.one_hot(ops.cast(t, "int32"), n), ops.expand_dims(w, -1))
        cm = ops.matmul(ops.transpose(rows), ops.one_hot(ops.cast(p, "int32"), n))
        self.total_cm.assign(self.total_cm + cm)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class IoU(_IoUBase):
    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    @numpy_result
    def result(self):
        cm = np.asarray(self.total_cm.value, "float32")
        tp = np.diag(cm)
        denominator = (cm.sum(axis=0) + cm.sum(axis=1) - tp)[self.target_class_ids]
        tp = tp[self.target_class_ids]
        valid = denominator > 1e-9
        iou = np.where(valid, tp / (denominator + np.float32(EPSILON)), np.float32(0))
        return np.float32(iou.sum(dtype="float32") / (valid.sum() + np.float32(EPSILON)))

    def get_config(self):
        return {**super().get_config(), "target_class_ids": self.target_class_ids}


class BinaryIoU(IoU):
    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.cast(ops.greater_equal(convert(y_pred, "float32"), self.threshold),
                          "float32")
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
