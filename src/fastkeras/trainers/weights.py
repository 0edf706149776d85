"""Per-sample weights from `sample_weight` and `class_weight` (Keras 3 semantics): they scale
each sample's loss before the batch reduction (sum_over_batch_size still divides by the
number of samples) and feed the `weighted_metrics`; plain compiled metrics stay unweighted.

What the steps get (one more data column each, see steps.py):
* None: no weights;
* one float32 (n,) array: the one output's weights, or, for several outputs, the same
  weights for each of them (Keras repeats a single array over the outputs);
* a `PerOutput` tuple of (n,) arrays: one per output, in the outputs' order.
"""

from __future__ import annotations

import numpy as np

from . import data as data_utils


class PerOutput(tuple):
    """One (n,) float32 weight array per model output, in the outputs' order."""

    __slots__ = ()


def class_weights_to_samples(y, class_weight):
    """Weight of each sample's class (1.0 for classes missing from the dict), as Keras's
    class_weight_to_sample_weights: rows of several columns count as their argmax class,
    a trailing axis of 1 is dropped, labels are rounded to the nearest class index."""
    if not hasattr(class_weight, "items") or not hasattr(class_weight, "get"):
        raise ValueError("`class_weight` must be a dict-like mapping of class indices to "
                         f"weights. Received: class_weight={class_weight} of type "
                         f"{type(class_weight)}.")
    cleaned = {}
    for key, value in class_weight.items():
        try:
            cleaned[int(key)] = value
        except (TypeError, ValueError):
            raise ValueError("`class_weight` must be a dictionary with integer keys "
                             f"representing class indices. Received an invalid key: {key!r} "
                             f"of type {type(key)}.") from None
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y.reshape(y.shape[:-1])
    if y.ndim != 1:
        raise ValueError("`class_weight` is only supported for targets of shape (n,), (n, 1) "
                         f"or one-hot (n, classes); received targets of shape {y.shape}")
    classes = np.round(y).astype(np.int64)
    out = np.ones(len(classes), "float32")
    with np.errstate(over="ignore"):  # a weight beyond float32 becomes inf: refused below
        for k, w in cleaned.items():
            out[classes == k] = float(w)
    data_utils.check_finite(out, "class_weight")
    return out


def _one_array(sample_weight, n, name="sample_weight"):
    """A (n,) float32 array (a trailing axis of 1 dropped), checked."""
    sw = data_utils.as_array(sample_weight, name, "float32")
    if sw.ndim == 2 and sw.shape[1] == 1:
        sw = sw.reshape(-1)
    if sw.ndim != 1:
        raise NotImplementedError(f"`{name}` must have shape (n,); temporal weights of "
                                  f"shape {sw.shape} are not supported yet by fastkeras")
    data_utils.check_lengths(x=np.empty(n), **{name: sw})
    data_utils.check_finite(sw, name)
    return np.ascontiguousarray(sw)


def _same_structure(y, sample_weight):
    """Keras's tree.assert_same_structure of y and the weights: dicts with the same keys,
    or sequences of one type and length."""
    if isinstance(y, dict) or isinstance(sample_weight, dict):
        return isinstance(y, dict) and isinstance(sample_weight, dict) and \
            set(y) == set(sample_weight)
    return type(y) is type(sample_weight) and len(y) == len(sample_weight)


def _per_output(y_given, sample_weight, n, names):
    """The weights of several outputs given as a list/tuple or dict: a PerOutput tuple in
    the outputs' order (an output given None weights all of its samples by 1)."""
    if not isinstance(y_given, (list, tuple, dict)) or not _same_structure(y_given,
                                                                          sample_weight):
        raise ValueError("You should provide one `sample_weight` array per output in `y`. "
                         "The two structures did not match:\n"
                         f"- y: {y_given}\n- sample_weight: {sample_weight}\n")
    if isinstance(sample_weight, dict):
        entries = [(f"sample_weight[{k!r}]", sample_weight[k]) for k in names]
    else:
        entries = [(f"sample_weight[{i}]", w) for i, w in enumerate(sample_weight)]
    return PerOutput(np.ones(n, "float32") if w is None else _one_array(w, n, label)
                     for label, w in entries)


def sample_weights(y, n, sample_weight=None, class_weight=None, y_given=None, names=None):
    """The steps' weights (see the module docstring) for prepared targets `y` of n rows.
    `y_given` is y as the user gave it (its structure is matched by per-output weights)
    and `names` the outputs' names (the keys of a dict of weights)."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
    several = type(y) is tuple  # several outputs (trainers/io.py)
    if class_weight is not None:
        if several:
            raise ValueError("`class_weight` is only supported for Models with a single "
                             "output.")
        return class_weights_to_samples(y, class_weight)
    if sample_weight is None:
        return None
    if several and isinstance(sample_weight, (list, tuple, dict)):
        return _per_output(y_given, sample_weight, n, names)
    if several:
        sw = np.asarray(sample_weight)
        if not (sw.ndim == 1 or (sw.ndim == 2 and sw.shape[1] == 1)):
            raise ValueError(
                "For a model with multiple outputs, when providing a single `sample_weight` "
                "array, it should only have one scalar score per sample (i.e. shape "
                "`(num_samples,)`). If you want to use non-scalar sample weights, pass a "
                "`sample_weight` argument with one array per model output.")
    return _one_array(sample_weight, n)


def on_batch_weights(y, n, sample_weight, class_weight, y_given=None, names=None):
    """train_on_batch's weights: Keras refuses both arguments with its own message."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("Arguments `sample_weight` and `class_weight` cannot be specified "
                         f"at the same time. Received: sample_weight={sample_weight}, "
                         f"class_weight={class_weight}")
    return sample_weights(y, n, sample_weight, class_weight, y_given, names)


def spec(sw):
    """The executors' key for the weights: False (none), True (one array) or the number of
    per-output arrays (always 2 or more, so never equal to True)."""
    if sw is None:
        return False
    return len(sw) if isinstance(sw, PerOutput) else True


def flat(sw):
    """The weights' data arrays, after the inputs' and the targets'."""
    if sw is None:
        return []
    return list(sw) if isinstance(sw, PerOutput) else [sw]


def pack(arrays, like):
    """The inverse of flat() over arrays cut the same way (validation_split)."""
    if like is None:
        return None
    return PerOutput(arrays) if isinstance(like, PerOutput) else arrays[0]
