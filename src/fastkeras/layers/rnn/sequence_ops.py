"""Small tensor helpers the recurrent layers share, written with existing ops and primitives
(keras.ops has no split, flip or where yet): slices along an axis, a reversal of the
leading (time) axis, a 0/1 select, and a Keras mask turned into a float multiplier."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...graph import bind
from ...ops.core import dtype_of


def axis_slice(x, axis, start, stop):
    """x[..., start:stop, ...] along `axis` (a Variable too: the slice reads it)."""
    return bind("slice", x, axis=axis, start=int(start), stop=int(stop))


def split(x, parts, axis=-1):
    """`parts` equal slices along `axis` (keras.ops.split with an int)."""
    size = ops.shape(x)[axis] // parts
    return [axis_slice(x, axis, i * size, (i + 1) * size) for i in range(parts)]


def flip_leading(x):
    """x reversed along axis 0: a gather of the rows in reverse order (its gradient is the
    scatter back)."""
    steps = ops.shape(x)[0]
    return ops.take(x, np.arange(steps - 1, -1, -1, dtype=np.int32), axis=0)


def select(keep, a, b):
    """a where keep == 1, b where keep == 0 (keep a float 0/1 multiplier that broadcasts):
    exactly a or exactly b, as jnp.where gives."""
    return ops.add(ops.multiply(keep, a), ops.multiply(ops.subtract(1.0, keep), b))


def float_mask(mask):
    """A Keras mask (bool, or any number: nonzero keeps) as float32 1/0."""
    mask = ops.convert_to_tensor(mask) if not hasattr(mask, "dtype") else mask
    if dtype_of(mask) == "bool":
        return ops.cast(mask, "float32")
    return ops.subtract(1.0, ops.cast(ops.equal(mask, 0), "float32"))
