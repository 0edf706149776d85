"""keras.utils.split_dataset without TensorFlow: NumPy in, NumPy out.

Keras 3.15 (with a non-torch backend) turns the data into a list of samples, shuffles that
list with Python's `random` seeded by `seed`, keeps the first `left_size` samples on the
left and the last `right_size` on the right (those in between, if the sizes do not add up
to the whole, are dropped) and returns two unbatched `tf.data.Dataset`s. fastkeras has no
tf.data, so it returns the same samples as NumPy, in the structure that was given:

* an array -> two arrays (rows of the input);
* a tuple or list of arrays -> two tuples of arrays (Keras also turns lists into tuples),
  ready for `model.fit(*left)` or `x, y = left`.

The shuffle is the same permutation as Keras's for the same seed (Python's Mersenne
Twister over the sample indices), without reseeding the global `random` as Keras does.
"""

from __future__ import annotations

import random

import numpy as np


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits `dataset` (a NumPy array, or a tuple/list of arrays of one length) into a
    left and a right part: `(left, right)`, each of the input's structure (see the module
    docstring). Sizes are ints (samples) or floats in (0, 1) (fractions, rounded as Keras
    does); a size left None is the complement of the other. `preferred_backend` is
    accepted for Keras's signature: every backend gets NumPy data here."""
    del preferred_backend  # fastkeras has one kind of dataset: NumPy arrays
    _check_type(dataset)
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    total = _num_samples(dataset)
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left, right = rescale_split_sizes(left_size, right_size, total)
    return _take(dataset, order[:left]), _take(dataset, order[total - right:])


def _is_dataset_of(dataset, class_names, module_part):
    """Keras's test of a tf.data / torch dataset by its classes' names and modules (neither
    library is imported for it)."""
    return any(cls.__name__ in class_names and module_part in str(cls.__module__)
               for cls in type(dataset).__mro__)


def _check_type(dataset):
    if isinstance(dataset, (tuple, list, np.ndarray)):
        return
    if _is_dataset_of(dataset, ("DatasetV2", "Dataset"), "tensorflow"):
        raise TypeError("split_dataset: fastkeras has no TensorFlow, so a `tf.data.Dataset` "
                        "cannot be split; pass NumPy arrays (an array, or a tuple of arrays "
                        f"such as (x, y)). Received: dataset of type {type(dataset)}")
    if _is_dataset_of(dataset, ("Dataset",), "torch.utils.data"):
        raise TypeError("split_dataset: a `torch.utils.data.Dataset` is not supported by "
                        "fastkeras; pass NumPy arrays (an array, or a tuple of arrays such as "
                        f"(x, y)). Received: dataset of type {type(dataset)}")
    raise TypeError(f"Unsupported dataset type: {type(dataset)}. split_dataset takes a NumPy "
                    "array or a list/tuple of arrays with the same length")


def _num_samples(dataset):
    """The number of samples, with Keras's checks of a list/tuple of arrays."""
    if isinstance(dataset, np.ndarray):
        if dataset.ndim == 0 or len(dataset) == 0:
            raise ValueError("Received an empty dataset. Argument `dataset` must be a "
                             "non-empty list/tuple of `numpy.ndarray` objects or "
                             "`tf.data.Dataset` objects.")
        return len(dataset)
    kind = "tuple" if isinstance(dataset, tuple) else "list"
    if len(dataset) == 0:
        raise ValueError(f"Received an empty list dataset. Please provide a non-empty {kind} "
                         "of arrays.")
    first_shape = None
    for i, element in enumerate(dataset):
        if not isinstance(element, np.ndarray):
            raise ValueError(f"Expected a {kind} of `numpy.ndarray` objects, Received: "
                             f"{type(element)} at index {i}.")
        if first_shape is None:
            first_shape = element.shape
        elif element.shape[0] != first_shape[0]:
            raise ValueError(f"Received a {kind} of NumPy arrays with different lengths. "
                             f"Mismatch found at index {i}, Expected shape={first_shape} "
                             f"Received shape={element.shape}. Please provide a {kind} of "
                             "NumPy arrays of the same length.")
    if not first_shape or first_shape[0] == 0:
        raise ValueError("Received an empty dataset. Argument `dataset` must be a non-empty "
                         "list/tuple of `numpy.ndarray` objects or `tf.data.Dataset` objects.")
    return first_shape[0]


def _take(dataset, indices):
    indices = np.asarray(indices, dtype=np.int64)
    if isinstance(dataset, np.ndarray):
        return dataset[indices]
    return tuple(a[indices] for a in dataset)


def rescale_split_sizes(left_size, right_size, total):
    """(left, right) sample counts, with Keras's checks and rounding: a float is a fraction
    of `total` rounded half to even (Python's round), an int a count; exact `int` or
    `float` only (not bool or NumPy scalars, as Keras's `type(...) in [int, float]`)."""
    left_type, right_type = type(left_size), type(right_size)
    left_bad = left_size is not None and left_type not in (int, float)
    right_bad = right_size is not None and right_type not in (int, float)
    if left_bad and right_bad:
        raise TypeError("Invalid `left_size` and `right_size` Types. Expected: integer or "
                        f"float or None, Received: type(left_size)={left_type} and "
                        f"type(right_size)={right_type}")
    if left_bad:
        raise TypeError("Invalid `left_size` Type. Expected: int or float or None, Received: "
                        f"type(left_size)={left_type}.")
    if right_bad:
        raise TypeError("Invalid `right_size` Type. Expected: int or float or None, "
                        f"Received: type(right_size)={right_type}.")
    if left_size == 0 and right_size == 0:
        raise ValueError("Both `left_size` and `right_size` are zero. At least one of the "
                         "split sizes must be non-zero.")
    for size, kind, name in ((left_size, left_type, "left_size"),
                             (right_size, right_type, "right_size")):
        if (kind is int and not 0 < size < total) or (kind is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if left_type is float and right_type is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must "
                         "be less than or equal to 1.")
    left = round(left_size * total) if left_type is float else left_size
    right = round(right_size * total) if right_type is float else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than the "
                         f"{total}. Received: left_size + right_size = {left + right} and "
                         f"total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}. Resulting {side} side dataset split will "
                             "be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)
