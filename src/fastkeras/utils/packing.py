"""keras.utils.pack_x_y_sample_weight / unpack_x_y_sample_weight: the forms a step's `data`
takes (x alone, (x,), (x, y) or (x, y, sample_weight)), as Keras 3 packs and reads them."""

from __future__ import annotations


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) of a step's `data`, None for what it does not hold: a tuple
    (or list) of 1 to 3 entries, or anything else as x alone."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The data fit() gives a step. Without y, x goes alone (a list or tuple of inputs
    wrapped as (x,), so that it is not read as (x, y)), and sample_weight is dropped,
    as Keras does."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return x, y
    return x, y, sample_weight
