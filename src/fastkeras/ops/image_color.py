"""Colour and filtering image ops (keras.ops.image rgb_to_grayscale, rgb_to_hsv,
hsv_to_rgb, gaussian_blur, sobel_edges), with Keras-JAX's numbers.

All are compositions of public ops, so every backend runs them and gradients come from
the primitives. Grayscale is a constant (3, 1) matrix applied along the channel axis; the
HSV conversions are dm_pix's elementwise formulas (as Keras-JAX), computed on the three
channel planes kept as length-1 axes; gaussian_blur and sobel_edges are separable: each
spatial axis is multiplied by a constant banded matrix that holds the 1-D taps with
"SAME" zero padding (jax's cross-correlation: (k - 1) // 2 taps before the centre)."""

from __future__ import annotations

import numpy as np

from .arrays import stack
from .conv import standardize_data_format
from .core import convert, dtype_of, shape_of
from .elementwise_math import mod, where
from .image_axes import check_image_rank, map_axis, slice_axis, spatial_axes
from .numpy import (abs, add, cast, clip, concatenate, divide, equal, greater, less,
                    maximum, minimum, multiply, subtract)

__all__ = ["rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb", "gaussian_blur", "sobel_edges"]

_GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # tf.image.rgb_to_grayscale's, as Keras


def _channel_axis(data_format):
    return -1 if standardize_data_format(data_format) == "channels_last" else -3


def _check_float(images):
    dtype = dtype_of(images)
    if not dtype.startswith("float"):
        raise ValueError(f"Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={dtype}")


def _planes(images, axis):
    """The three channel planes along `axis`, each kept as a length-1 axis."""
    return [slice_axis(images, axis, c, c + 1) for c in range(3)]


def rgb_to_grayscale(images, data_format=None):
    """The luma 0.2989 R + 0.5870 G + 0.1140 B as one channel; a one-channel image comes
    back unchanged. Integer images are weighed in float32 and truncated back (as jax)."""
    images = convert(images)
    shape = shape_of(images)
    check_image_rank(shape)
    axis = _channel_axis(data_format)
    if shape[axis] not in (1, 3):
        raise ValueError(f"Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={tuple(shape)}")
    if shape[axis] == 1:
        return images
    dtype = dtype_of(images)
    floats = images if dtype.startswith("float") else cast(images, "float32")
    gray = map_axis(floats, np.array(_GRAY_WEIGHTS)[:, np.newaxis], axis)
    return gray if floats is images else cast(gray, dtype)


def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to (hue, saturation, value), each in [0, 1] (dm_pix's formulas)."""
    images = convert(images)
    check_image_rank(shape_of(images))
    _check_float(images)
    axis = _channel_axis(data_format)
    eps = float(np.finfo(dtype_of(images)).eps)
    images = where(less(abs(images), eps), 0.0, images)  # tiny values count as black
    red, green, blue = _planes(images, axis)
    value = maximum(maximum(red, green), blue)
    range_ = subtract(value, minimum(minimum(red, green), blue))
    positive_value, positive_range = greater(value, 0.0), greater(range_, 0.0)
    saturation = where(positive_value,
                       divide(range_, where(positive_value, value, 1.0)), 0.0)
    norm = divide(1.0, multiply(6.0, where(positive_range, range_, 1.0)))
    hue = where(equal(value, green), add(multiply(norm, subtract(blue, red)), 2.0 / 6.0),
                add(multiply(norm, subtract(red, green)), 4.0 / 6.0))
    hue = where(equal(value, red), multiply(norm, subtract(green, blue)), hue)
    # A negative hue wraps round by one (the test reads the hue before grey pixels' 0).
    hue = add(where(positive_range, hue, 0.0), cast(less(hue, 0.0), dtype_of(hue)))
    return concatenate([hue, saturation, value], axis=axis)


def hsv_to_rgb(images, data_format=None):
    """(hue, saturation, value) to RGB (dm_pix's formulas); hue is taken modulo 1."""
    images = convert(images)
    check_image_rank(shape_of(images))
    _check_float(images)
    axis = _channel_axis(data_format)
    hue, saturation, value = _planes(images, axis)
    sextant = multiply(mod(hue, 1.0), 6.0)
    red = clip(subtract(abs(subtract(sextant, 3.0)), 1.0), 0.0, 1.0)
    green = clip(subtract(2.0, abs(subtract(sextant, 2.0))), 0.0, 1.0)
    blue = clip(subtract(2.0, abs(subtract(sextant, 4.0))), 0.0, 1.0)
    grey = subtract(1.0, saturation)
    return concatenate([multiply(value, add(grey, multiply(saturation, share)))
                        for share in (red, green, blue)], axis=axis)


def same_filter_matrix(taps, size):
    """(size, size) float64: output o = sum_j taps[j] * input[o + j - (k - 1) // 2], inputs
    outside the axis being zeros (a "SAME" cross-correlation, as lax.conv)."""
    taps = np.asarray(taps, dtype=np.float64)
    offset = np.arange(size)[:, np.newaxis] - np.arange(size)[np.newaxis, :] + \
        (len(taps) - 1) // 2
    inside = (offset >= 0) & (offset < len(taps))
    return np.where(inside, taps[np.clip(offset, 0, len(taps) - 1)], 0.0)


def _filter_2d(images, height_taps, width_taps, axes):
    shape = shape_of(images)
    images = map_axis(images, same_filter_matrix(height_taps, shape[axes[0]]), axes[0])
    return map_axis(images, same_filter_matrix(width_taps, shape[axes[1]]), axes[1])


def gaussian_kernel_1d(size, sigma):
    """The normalised Gaussian taps exp(-x^2 / (2 sigma^2)) on size points round the centre."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    taps = np.exp(-0.5 * (x / float(sigma)) ** 2)
    return taps / taps.sum()


def _pair(value, name, kind):
    if not isinstance(value, (tuple, list)) or len(value) != 2 or \
            any(isinstance(v, bool) or not isinstance(v, kind) or v <= 0 for v in value):
        raise ValueError(f"Argument `{name}` must be a tuple of two positive numbers. "
                         f"Received: {name}={value}")
    return tuple(value)


def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved with a Gaussian ("SAME", zero padding), separably.

    As Keras-JAX, the kernel is outer(taps(kernel_size[1], sigma[1]), taps(kernel_size[0],
    sigma[0])): the second entries act along the height, the first along the width.
    Differences: data_format=None means keras.config.image_data_format() (Keras-JAX's
    eager call reads None as channels_first), and integer images are blurred in float32
    (Keras-JAX raises a TypeError)."""
    kernel_size = _pair(kernel_size, "kernel_size", (int, np.integer))
    sigma = _pair(sigma, "sigma", (int, float, np.number))
    images = convert(images)
    shape = shape_of(images)
    check_image_rank(shape)
    if not dtype_of(images).startswith("float"):
        images = cast(images, "float32")
    axes = spatial_axes(len(shape), standardize_data_format(data_format))
    return _filter_2d(images, gaussian_kernel_1d(kernel_size[1], sigma[1]),
                      gaussian_kernel_1d(kernel_size[0], sigma[0]), axes)


def gaussian_blur_drawn(images, kernel_size, sigma, data_format):
    """gaussian_blur's kernel for a `sigma` that is a tensor of two (a random draw inside a
    step): each axis's banded matrix is its taps (computed in the graph) times the constant
    one-hot band of each tap, then a matmul along the axis."""
    from .numpy import exp, matmul, reshape, square, sum as total, take, transpose
    images = convert(images)
    shape = shape_of(images)
    axes = spatial_axes(len(shape), standardize_data_format(data_format))
    for axis, size, s in ((axes[0], kernel_size[1], take(sigma, 1)),
                          (axes[1], kernel_size[0], take(sigma, 0))):
        x = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2.0)
        taps = exp(multiply(square(divide(x, s)), -0.5))
        taps = divide(taps, total(taps))
        n = shape[axis]
        bands = np.stack([same_filter_matrix(row, n) for row in np.eye(size)]).astype(
            dtype_of(images))
        matrix = reshape(matmul(reshape(taps, (1, size)), bands.reshape(size, n * n)), (n, n))
        perm = [i for i in range(len(shape)) if i != axis] + [axis]
        moved = matmul(transpose(images, perm), cast(matrix, dtype_of(images)))
        images = transpose(moved, list(np.argsort(perm)))
    return images


_SOBEL_SMOOTH, _SOBEL_DIFF = (1.0, 2.0, 1.0), (-1.0, 0.0, 1.0)


def sobel_edges(images, data_format=None):
    """The Sobel gradients of each channel of a batch of images, stacked on a new last
    axis as [dy, dx] ("SAME", zero padding): shape images.shape + (2,). Integer images
    give integers (computed exactly in float32)."""
    images = convert(images)
    shape = shape_of(images)
    if len(shape) != 4:
        raise ValueError(f"Invalid images rank: expected rank 4 (batch of images). "
                         f"Received: images.shape={list(shape)}")
    axes = spatial_axes(4, standardize_data_format(data_format))
    dtype = dtype_of(images)
    images = images if dtype.startswith("float") else cast(images, "float32")
    dy = _filter_2d(images, _SOBEL_DIFF, _SOBEL_SMOOTH, axes)
    dx = _filter_2d(images, _SOBEL_SMOOTH, _SOBEL_DIFF, axes)
    edges = stack([dy, dx], axis=-1)
    return edges if dtype.startswith("float") else cast(edges, dtype)
