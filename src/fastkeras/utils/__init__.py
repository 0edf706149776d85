"""Keras-compatible utilities."""

import numpy as np

from .naming import to_snake_case, unique_name
from .random import set_random_seed


def to_categorical(x, num_classes=None):
    """One-hot encodes integer labels (Keras `utils.to_categorical`)."""
    x = np.asarray(x, dtype="int64")
    shape = x.shape[:-1] if x.ndim > 1 and x.shape[-1] == 1 else x.shape
    x = x.reshape(-1)
    if x.size and x.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {x.min()}")
    num_classes = int(x.max()) + 1 if num_classes is None else int(num_classes)
    out = np.zeros((x.size, num_classes), dtype="float32")
    out[np.arange(x.size), x] = 1.0
    return out.reshape(shape + (num_classes,))


__all__ = ["set_random_seed", "to_categorical", "to_snake_case", "unique_name"]
