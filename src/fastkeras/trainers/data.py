"""Input checks and conversion for fit/evaluate/predict, done once per call (never per step).

Bad input raises an exception that names the array and the problem: non-numeric data,
empty arrays, mismatched lengths, NaN/inf (with the first bad row), wrong feature shapes."""

from __future__ import annotations

import math

import numpy as np

from ..utils.packing import unpack_x_y_sample_weight


def as_array(data, name, dtype="float32"):
    """A C-contiguous numeric array of `dtype` with at least one axis."""
    if data is None:
        raise ValueError(f"`{name}` is None; expected an array of samples")
    if isinstance(data, dict) or (isinstance(data, (list, tuple)) and data and
                                  all(isinstance(d, np.ndarray) and d.ndim > 1 for d in data)
                                  and len(data) > 1):
        # Keras warns and reads the first array only: a silent wrong answer, refused here.
        raise ValueError(f"`{name}`: this model takes one input array, but received "
                         f"{len(data)} {'arrays in a dict' if isinstance(data, dict) else 'arrays'}"
                         "; a list or dict of arrays is for a functional model with several "
                         "inputs or outputs (keras.Model(inputs=[...], outputs=...))")
    try:
        arr = np.asarray(data)
    except ValueError as e:
        raise ValueError(f"`{name}` could not be converted to an array: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` must hold numbers, but it has dtype {arr.dtype} "
                        f"(first element: {arr.reshape(-1)[0] if arr.size else 'none'!r})")
    if arr.ndim == 0:
        raise ValueError(f"`{name}` must be an array of samples, got a scalar")
    if arr.shape[0] == 0:
        raise ValueError(f"`{name}` is empty (0 samples)")
    with np.errstate(over="ignore"):  # out-of-range values become inf: check_finite names them
        return np.ascontiguousarray(arr, dtype=dtype)


def check_finite(arr, name):
    if arr.dtype.kind != "f":
        return
    finite = np.isfinite(arr)
    if finite.all():
        return
    bad_rows = np.nonzero(~finite.reshape(len(arr), -1).all(axis=1))[0]
    row = int(bad_rows[0])
    kind = "NaN" if np.isnan(arr[row]).any() else "inf"
    raise ValueError(f"`{name}` contains {kind} values ({len(bad_rows)} bad rows); the first is "
                     f"row {row}: {arr[row].reshape(-1)[:8]}")


def check_ids(arr, limit, name, layer):
    """Every id in [0, limit): else an IndexError naming the layer, the row and the id."""
    if not arr.size:
        return
    bad = (arr < 0) | (arr >= limit)
    if bad.any():
        row = int(np.nonzero(bad.reshape(len(arr), -1).any(axis=1))[0][0])
        value = arr[row].reshape(-1)[np.nonzero(bad[row].reshape(-1))[0][0]]
        raise IndexError(f"{type(layer).__name__} layer {layer.name!r}: `{name}` row {row} "
                         f"holds id {value}, outside the layer's range [0, {limit}) "
                         f"({int(bad.sum())} ids out of range in all)")


def check_lengths(**arrays):
    sizes = {k: len(v) for k, v in arrays.items() if v is not None}
    if len(set(sizes.values())) > 1:
        detail = "\n".join(f"'{k}' sizes: {n}" for k, n in sizes.items())
        raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the same "
                         f"number of samples.\n{detail}")


def check_features(x, expected, name="x"):
    """`expected` is the model's input shape with the batch dimension (None) first."""
    want = tuple(expected[1:])
    got = tuple(x.shape[1:])
    if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
        raise ValueError(f"Input of shape {x.shape} is incompatible with the model: expected "
                         f"samples of shape {want} (input shape {tuple(expected)}), but `{name}` "
                         f"has samples of shape {got}")


def split_validation(arrays, validation_split):
    """Keras semantics: the last fraction of the samples, taken before any shuffling."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"`validation_split` must be in [0, 1), received: {validation_split}")
    n = len(arrays[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`. Either provide more data, or "
                         "a different value for the `validation_split` argument.")
    return [a[:split_at] for a in arrays], [a[split_at:] for a in arrays]


def unpack_validation_data(validation_data):
    """(x, y or None, sample weights or None) of fit's validation_data, read as Keras
    reads it (unpack_x_y_sample_weight): x alone, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(validation_data, (tuple, list)) and not 1 <= len(validation_data) <= 3:
        raise ValueError("`validation_data` must be x_val, (x_val,), (x_val, y_val) or "
                         "(x_val, y_val, val_sample_weight); received a "
                         f"{type(validation_data).__name__} of {len(validation_data)} entries")
    return unpack_x_y_sample_weight(validation_data)


def check_fit_arguments(epochs, initial_epoch, validation_freq, validation_split):
    """Checked before any work: a bad value found after an epoch has trained wastes it."""
    def integer(name, value, low):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"`{name}` must be an integer, received: {name}={value!r} "
                            f"(of type {type(value).__name__})")
        if value < low:
            raise ValueError(f"`{name}` must be >= {low}, received: {name}={value!r}")
    integer("epochs", epochs, 0)
    integer("initial_epoch", initial_epoch, 0)
    integer("validation_freq", validation_freq, 1)
    if isinstance(validation_split, bool) or \
            not isinstance(validation_split, (int, float, np.integer, np.floating)):
        raise TypeError(f"`validation_split` must be a float in [0, 1), received: "
                        f"validation_split={validation_split!r} (of type "
                        f"{type(validation_split).__name__})")


def check_batch_size(batch_size):
    """fit/evaluate/predict's batch_size: None means 32, else a positive integer."""
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) \
            or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer, received: "
                         f"batch_size={batch_size!r}")
    return int(batch_size)


def check_verbose(verbose):
    """Keras's verbose: 'auto', 0, 1 or 2, returned as given ('auto' is what callbacks see
    in `params`; the progress bar takes it as 1)."""
    if isinstance(verbose, str) and verbose == "auto":
        return verbose
    if isinstance(verbose, str) or verbose not in (0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2, received: {verbose!r}")
    return verbose
