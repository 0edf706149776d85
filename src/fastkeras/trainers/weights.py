"""Per-sample weights from `sample_weight` and `class_weight` (Keras 3 semantics): they scale
each sample's loss before the batch reduction (sum_over_batch_size still divides by the
number of samples) and feed the `weighted_metrics`; plain compiled metrics stay unweighted.

What the steps get (one more data column each, see steps.py):
* None: no weights;
* one float32 array of n rows: the one output's weights, or, for several outputs, the same
  (n,) weights for each of them (Keras repeats a single array over the outputs);
* a `PerOutput` tuple of arrays of n rows: one per output, in the outputs' order.

An array is (n,) (one weight per sample) or, for outputs with a time axis, (n, T, ...):
temporal weights, one per timestep, which the loss reduction (losses/loss.py) multiplies
into the per-timestep losses as Keras does (sum_over_batch_size then divides by n * T).
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


def _one_array(sample_weight, n, name="sample_weight", y=None):
    """A float32 array of n rows, checked: (n,) (an (n, 1) column flattened to it) or a
    temporal (n, T, ...) array, kept as given, whose steps must be the targets' `y`."""
    sw = data_utils.as_array(sample_weight, name, "float32")
    if sw.ndim == 2 and sw.shape[1] == 1:
        sw = sw.reshape(-1)
    data_utils.check_lengths(x=np.empty(n), **{name: sw})
    if sw.ndim > 1 and y is not None:
        _check_steps(sw, np.shape(y), name)
    data_utils.check_finite(sw, name)
    return np.ascontiguousarray(sw)


def _check_steps(sw, y_shape, name):
    """Temporal weights weigh the targets' leading axes: (n, T) or (n, T, 1) for targets
    (n, T, ...). Keras fails later on the broadcast; this names the argument instead."""
    steps = sw.shape[1:]
    if steps[-1] == 1:  # one trailing axis of 1 is squeezed by the reduction, as Keras's
        steps = steps[:-1]
    if tuple(y_shape[1:1 + len(steps)]) != steps:
        raise ValueError(f"`{name}` of shape {sw.shape} does not fit the targets of shape "
                         f"{tuple(y_shape)}: temporal sample weights hold one weight per "
                         "timestep, shape (n, T) for targets of shape (n, T, ...)")


def _same_structure(y, sample_weight):
    """Keras's tree.assert_same_structure of y and the weights: dicts with the same keys,
    or sequences of one type and length."""
    if isinstance(y, dict) or isinstance(sample_weight, dict):
        return isinstance(y, dict) and isinstance(sample_weight, dict) and \
            set(y) == set(sample_weight)
    return type(y) is type(sample_weight) and len(y) == len(sample_weight)


def _per_output(y_given, sample_weight, n, names, y):
    """The weights of several outputs given as a list/tuple or dict: a PerOutput tuple in
    the outputs' order (an output given None weights all of its samples by 1); `y` are
    the prepared targets, one per output in that order."""
    if not isinstance(y_given, (list, tuple, dict)) or not _same_structure(y_given,
                                                                          sample_weight):
        raise ValueError("You should provide one `sample_weight` array per output in `y`. "
                         "The two structures did not match:\n"
                         f"- y: {y_given}\n- sample_weight: {sample_weight}\n")
    if isinstance(sample_weight, dict):
        entries = [(f"sample_weight[{k!r}]", sample_weight[k]) for k in names]
    else:
        entries = [(f"sample_weight[{i}]", w) for i, w in enumerate(sample_weight)]
    return PerOutput(np.ones(n, "float32") if w is None else _one_array(w, n, label, y_i)
                     for (label, w), y_i in zip(entries, y))


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
        return _per_output(y_given, sample_weight, n, names, y)
    if several:
        sw = np.asarray(sample_weight)
        if not (sw.ndim == 1 or (sw.ndim == 2 and sw.shape[1] == 1)):
            raise ValueError(
                "For a model with multiple outputs, when providing a single `sample_weight` "
                "array, it should only have one scalar score per sample (i.e. shape "
                "`(num_samples,)`). If you want to use non-scalar sample weights, pass a "
                "`sample_weight` argument with one array per model output.")
    return _one_array(sample_weight, n, y=None if several else y)


def on_batch_weights(y, n, sample_weight, class_weight, y_given=None, names=None):
    """train_on_batch's weights: Keras refuses both arguments with its own message."""
    if sample_weight is not None and class_weight is not None:
        raise ValueError("Arguments `sample_weight` and `class_weight` cannot be specified "
                         f"at the same time. Received: sample_weight={sample_weight}, "
                         f"class_weight={class_weight}")
    return sample_weights(y, n, sample_weight, class_weight, y_given, names)


def spec(sw):
    """The executors' key for the weights: False (none), else the per-row shapes of the
    weight arrays: one entry for one array, 2 or more for PerOutput (so the two never meet);
    () is a (n,) array, (T,) a temporal (n, T) one."""
    if sw is None:
        return False
    return tuple(tuple(a.shape[1:]) for a in flat(sw))


def placeholders(g, batch, weight_spec, pack_y):
    """The step graph's placeholders for weights of `weight_spec` (spec()): (their flat
    list, the value the step sees): none, one array, or one per output, packed as the
    targets are (a list or a dict)."""
    if not weight_spec:
        return [], None
    if len(weight_spec) == 1:
        sw = g.placeholder((batch,) + weight_spec[0], "float32", "sample_weight")
        return [sw], sw
    flat_sw = [g.placeholder((batch,) + shape, "float32", f"sample_weight{i}")
               for i, shape in enumerate(weight_spec)]
    return flat_sw, pack_y(flat_sw)


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
