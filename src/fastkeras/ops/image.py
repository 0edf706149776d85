"""Image ops (`keras.ops.image`): `resize`, as Keras's jax backend computes it
(jax.image.resize with half-pixel centres).

Resizing is separable and linear: along each spatial axis the output is a fixed
(in, out) weight matrix applied to the input, computed here in NumPy from the two sizes
when the graph is traced, and applied with a matmul (`map_axis`). So every backend runs it
and its gradient is the transposed map. "nearest" picks one input per output (a gather).
crop_to_aspect_ratio slices the input first; pad_to_aspect_ratio pads it with `fill_value`
on both sides of the short axis, as Keras does."""

from __future__ import annotations

import numpy as np

from .conv import standardize_data_format
from .core import convert, dtype_of, shape_of
from .image_axes import check_image_rank, map_axis, slice_axis, spatial_axes
from .numpy import add, cast, pad, take
from .symbolic import symbolic_dispatch

INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")


def _triangle(x):
    return np.maximum(0.0, 1.0 - x)


def _keys_cubic(x):
    """The Keys cubic kernel with a = -0.5 (jax's "cubic")."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return np.where(x >= 2.0, 0.0, np.where(x >= 1.0, far, near))


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi ** 2 * x ** 2, 1.0), 1.0)
        return np.where(x > radius, 0.0, out)
    return kernel


_KERNELS = {"bilinear": _triangle, "bicubic": _keys_cubic, "lanczos3": _lanczos(3.0),
            "lanczos5": _lanczos(5.0)}


def interpolation_matrix(in_size, out_size, interpolation="bilinear", antialias=False):
    """(in_size, out_size) float64: column o holds the weights of the inputs for output o.
    Output o samples the input at (o + 0.5) * in / out - 0.5; the kernel (widened by
    in / out when antialiasing a downscale) weighs each input by its distance, the weights
    are normalised to sum to 1, and samples outside the input get none."""
    inv_scale = in_size / out_size
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(out_size) + 0.5) * inv_scale - 0.5
    distance = np.abs(sample[np.newaxis, :] - np.arange(in_size)[:, np.newaxis])
    weights = _KERNELS[interpolation](distance / kernel_scale)
    total = weights.sum(axis=0, keepdims=True)
    usable = np.abs(total) > 1000.0 * np.finfo(np.float32).eps
    weights = np.where(usable, weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return np.where(inside[np.newaxis, :], weights, 0.0)


def nearest_indices(in_size, out_size):
    """The input picked by each output: floor((o + 0.5) * in / out), in float32 as jax."""
    offsets = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * np.float32(in_size)
    return np.floor(offsets / np.float32(out_size)).astype(np.int32)


def resize_axis(x, axis, out_size, interpolation="bilinear", antialias=False):
    in_size = shape_of(x)[axis]
    if in_size == out_size:  # every kernel interpolates: the identity (jax skips it too)
        return x
    if interpolation == "nearest":
        return take(x, nearest_indices(in_size, out_size), axis=axis)
    return map_axis(x, interpolation_matrix(in_size, out_size, interpolation, antialias), axis)


def aspect_crop_box(height, width, target_height, target_width):
    """(top, crop_height, left, crop_width): the largest centred window of the target's
    aspect ratio (Keras's crop_to_aspect_ratio and smart_resize arithmetic)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), crop_height,
            int(float(width - crop_width) / 2), crop_width)


def _pad_to_aspect(images, size, axes, fill_value):
    """Keras pads the short axis by the same amount before and after (the total may then
    be one short of the target ratio), with `fill_value`."""
    shape = shape_of(images)
    height, width = shape[axes[0]], shape[axes[1]]
    pad_height = max(height, int(float(width * size[0]) / size[1]))
    pad_width = max(width, int(float(height * size[1]) / size[0]))
    top, left = int(float(pad_height - height) / 2), int(float(pad_width - width) / 2)
    axis, amount = (axes[0], top) if top > 0 else (axes[1], left)
    if amount <= 0:
        return images
    widths = [(0, 0)] * len(shape)
    widths[axis] = (amount, amount)
    padded = pad(images, widths)
    if fill_value == 0:
        return padded
    # The fill only where the padding is, broadcast over the other axes.
    fill = np.zeros([shape_of(padded)[axis] if i == axis else 1 for i in range(len(shape))],
                    dtype=dtype_of(padded))
    index = [slice(None)] * len(shape)
    index[axis] = np.r_[0:amount, amount + shape[axis]:2 * amount + shape[axis]]
    fill[tuple(index)] = fill_value
    return add(padded, fill)


def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Keras's `keras.ops.image.resize`: images of rank 3 or 4 resized to `size`
    (height, width). Integer images are resized as float32 ("nearest" keeps their dtype)."""
    data_format = standardize_data_format(data_format)
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                         "`True`.")
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers. Received: size={size}")
    if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s <= 0
           for s in size):
        raise ValueError(f"`size` must have positive height and width. Received: size={size}")
    size = (int(size[0]), int(size[1]))
    images = convert(images)
    shape = shape_of(images)
    check_image_rank(shape)
    axes = spatial_axes(len(shape), data_format)
    if interpolation != "nearest" and not dtype_of(images).startswith("float"):
        images = cast(images, "float32")
    if crop_to_aspect_ratio:
        top, crop_height, left, crop_width = aspect_crop_box(
            shape[axes[0]], shape[axes[1]], *size)
        images = slice_axis(images, axes[0], top, top + crop_height)
        images = slice_axis(images, axes[1], left, left + crop_width)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect(images, size, axes, fill_value)
    for axis, out_size in zip(axes, size):
        images = resize_axis(images, axis, out_size, interpolation, antialias)
    return images


resize = symbolic_dispatch(resize)  # a KerasTensor argument makes a functional-API layer

__all__ = ["resize"]


# The rest of keras.ops.image, one module per kind (each lists its ops in __all__).
from . import image_color, image_geometry, image_regions  # noqa: E402  (built on the above)

for _module in (image_color, image_geometry, image_regions):
    globals().update({_n: symbolic_dispatch(getattr(_module, _n)) for _n in _module.__all__})
    __all__ += _module.__all__
del _module
