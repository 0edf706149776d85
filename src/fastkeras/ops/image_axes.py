"""Axis helpers of the image ops (ops/image*.py) and image layers: the spatial axes of an
image tensor, a slice or a constant linear map along one axis, the rank check."""

from __future__ import annotations

import numpy as np

from ..graph import bind
from .core import dtype_of, shape_of
from .numpy import matmul, transpose


def map_axis(x, matrix, axis):
    """x with `axis` (length n) replaced by its product with the constant (n, m) matrix."""
    rank = len(shape_of(x))
    axis %= rank
    perm = [i for i in range(rank) if i != axis] + [axis]
    moved = transpose(x, perm) if axis != rank - 1 else x
    mapped = matmul(moved, np.asarray(matrix, dtype=dtype_of(x)))
    return transpose(mapped, list(np.argsort(perm))) if axis != rank - 1 else mapped


def slice_axis(x, axis, start, stop):
    """x[..., start:stop, ...] along `axis` (the whole axis: x itself)."""
    if start == 0 and stop == shape_of(x)[axis]:
        return x
    return bind("slice", x, axis=axis, start=start, stop=stop)


def spatial_axes(rank, data_format):
    """The (height, width) axes of a rank-3 or rank-4 image tensor."""
    return (rank - 3, rank - 2) if data_format == "channels_last" else (rank - 2, rank - 1)


def check_image_rank(shape):
    if len(shape) not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received input with shape: "
                         f"images.shape={tuple(shape)}")
