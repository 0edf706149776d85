"""Per-sample weights from `sample_weight` and `class_weight` (Keras 3 semantics): they scale
each sample's loss before the batch reduction (sum_over_batch_size still divides by the
number of samples); compiled metrics stay unweighted, as in Keras."""

from __future__ import annotations

import numpy as np

from . import data as data_utils


def class_weights_to_samples(y, class_weight):
    """Weight of each sample's class (1.0 for classes missing from the dict). One-hot rows
    count as their argmax class; other labels are rounded to the nearest class index."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"`class_weight` must be a dict {{class index: weight}}, received "
                         f"{type(class_weight).__name__}")
    for k in class_weight:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ValueError(f"`class_weight` keys must be integer class indices, received {k!r}")
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y.reshape(y.shape[:-1])
    if y.ndim != 1:
        raise ValueError("`class_weight` is only supported for targets of shape (n,), (n, 1) "
                         f"or one-hot (n, classes); received targets of shape {y.shape}")
    classes = np.round(y).astype(np.int64)
    out = np.ones(len(classes), "float32")
    with np.errstate(over="ignore"):  # a weight beyond float32 becomes inf: refused by caller
        for k, w in class_weight.items():
            out[classes == k] = float(w)
    return out


def sample_weights(y, n, sample_weight=None, class_weight=None):
    """float32 (n,) weights, or None when neither argument is given."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    if type(y) is tuple:  # several outputs (trainers/io.py)
        if class_weight is not None:
            raise ValueError("`class_weight` is only supported for Models with a single output.")
        if isinstance(sample_weight, (list, tuple, dict)) and len(sample_weight) and \
                all(hasattr(w, "shape") for w in (sample_weight.values() if isinstance(
                    sample_weight, dict) else sample_weight)):
            raise NotImplementedError("one `sample_weight` array per output is not supported "
                                      "yet by fastkeras; pass one array of shape (n,), which "
                                      "weighs every output's loss")
    if class_weight is not None:
        sw = class_weights_to_samples(y, class_weight)
        data_utils.check_finite(sw, "class_weight")  # a weight beyond float32's range
        return sw
    if sample_weight is None:
        return None
    sw = data_utils.as_array(sample_weight, "sample_weight", "float32")
    if sw.ndim == 2 and sw.shape[1] == 1:
        sw = sw.reshape(-1)
    if sw.ndim != 1:
        raise NotImplementedError(f"`sample_weight` must have shape (n,); temporal weights of "
                                  f"shape {sw.shape} are not supported yet by fastkeras")
    data_utils.check_lengths(x=np.empty(n), sample_weight=sw)
    data_utils.check_finite(sw, "sample_weight")
    return np.ascontiguousarray(sw)
