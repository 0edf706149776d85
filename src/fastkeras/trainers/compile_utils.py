"""What compile() arguments become at the first fit: the loss, resolved metrics and the
label array in the form the loss primitive wants."""

from __future__ import annotations

import numpy as np

from .. import losses, metrics as metrics_module
from ..losses.losses import LossFunctionWrapper
from ..metrics.metric import Mean

_SPARSE_LOSSES = (losses.sparse_categorical_crossentropy,)
# Built-in losses whose targets have the predictions' shape (float32).
_DENSE_LOSSES = (losses.binary_crossentropy, losses.categorical_crossentropy,
                 losses.mean_squared_error, losses.mean_absolute_error)


def is_sparse(loss) -> bool:
    return isinstance(loss, LossFunctionWrapper) and loss.fn in _SPARSE_LOSSES


def is_builtin(loss) -> bool:
    return isinstance(loss, LossFunctionWrapper) and loss.fn in _SPARSE_LOSSES + _DENSE_LOSSES


def resolve_metric(identifier, y_shape, pred_shape):
    """Keras's get_metric: 'accuracy'/'acc' become binary, sparse categorical or
    categorical accuracy from the shapes; a function is wrapped in a MeanMetricWrapper; a
    metric given by string is named by that string, as in Keras."""
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        if pred_shape[-1] == 1:
            metric = metrics_module.BinaryAccuracy(name=str(identifier))
        elif len(y_shape) < len(pred_shape) or (y_shape[-1] == 1 and pred_shape[-1] > 1):
            metric = metrics_module.SparseCategoricalAccuracy(name=str(identifier))
        else:
            metric = metrics_module.CategoricalAccuracy(name=str(identifier))
        return metric
    metric = metrics_module.get(identifier)
    if not isinstance(metric, metrics_module.Metric):
        metric = metrics_module.MeanMetricWrapper(metric)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def prepare_labels(y, loss, pred_shape):
    """Labels as the loss primitive expects them, converted once: int32 class ids for the
    sparse loss (checked to lie in [0, classes)), float32 of the predictions' rank for the
    other built-in losses. A user's loss gets the targets as given, as in Keras (integers as
    int32, other numbers as float32): it may call any loss, the sparse one included."""
    y = np.asarray(y)
    want = tuple(pred_shape[1:])
    if not is_builtin(loss):
        if y.dtype.kind in "iub":
            if y.size and (y.min() < np.iinfo(np.int32).min or y.max() > np.iinfo(np.int32).max):
                raise ValueError("`y` holds integers beyond the int32 range")
            return np.ascontiguousarray(y, dtype="int32")
        with np.errstate(over="ignore"):  # out-of-range values become inf: the caller refuses
            return np.ascontiguousarray(y, dtype="float32")
    if is_sparse(loss):
        classes = pred_shape[-1]
        if y.ndim == len(pred_shape) and y.shape[-1] == 1:
            y = y.reshape(y.shape[:-1])
        if tuple(y.shape[1:]) != want[:-1]:
            raise ValueError(f"Labels of shape {y.shape} do not match the model output "
                             f"{tuple(pred_shape)} for sparse_categorical_crossentropy "
                             f"(expected integer labels of shape {(len(y),) + want[:-1]})")
        if y.dtype.kind == "f" and not np.all(np.equal(np.mod(y, 1), 0)):
            bad = int(np.nonzero(np.mod(y.reshape(len(y), -1), 1).any(axis=1))[0][0])
            raise ValueError(f"sparse_categorical_crossentropy needs integer class labels; `y` "
                             f"row {bad} holds {y[bad]}")
        labels = y.astype("int64")
        bad = (labels < 0) | (labels >= classes)
        if loss._fn_kwargs.get("ignore_class") is not None:  # those labels are masked out
            bad &= labels != loss._fn_kwargs["ignore_class"]
        if bad.any():
            row = int(np.nonzero(bad.reshape(len(y), -1).any(axis=1))[0][0])
            raise ValueError(f"`y` row {row} holds label {labels[row]}, outside [0, {classes}) "
                             f"for a model with {classes} outputs")
        return np.ascontiguousarray(labels, dtype="int32")
    with np.errstate(over="ignore"):  # out-of-range values become inf: the caller refuses them
        y = y.astype("float32", copy=False)
    if y.ndim == len(pred_shape) - 1 and pred_shape[-1] == 1:
        y = y.reshape(y.shape + (1,))
    elif y.ndim == len(pred_shape) + 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if tuple(y.shape[1:]) != want:
        hint = (" For integer class labels use loss='sparse_categorical_crossentropy'."
                if y.ndim == 1 or y.shape[-1] == 1 else "")
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={(None,) + tuple(y.shape[1:])}, "
                         f"output.shape={(None,) + want}.{hint}")
    return np.ascontiguousarray(y)


def loss_tracker():
    return Mean(name="loss")
