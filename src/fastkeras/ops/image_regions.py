"""Image regions (keras.ops.image crop_images, pad_images, extract_patches,
extract_patches_3d), as Keras's JAX backend computes them; patches come from the im2col
primitive (ops/conv.py), so a NaN or inf stays in its own patch."""

from __future__ import annotations

from __future__ import annotations

from .conv import _patches, standardize_data_format
from .core import convert, dtype_of, shape_of
from .image_axes import slice_axis, spatial_axes
from .numpy import cast, expand_dims, pad, squeeze, transpose
from .windows import normalize_tuple, window_geometry

__all__ = ["crop_images", "pad_images", "extract_patches", "extract_patches_3d"]


def _two_of_three(first, second, target, names):
    if [first, second, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: "
                         f"{names[0]}={first}, {names[1]}={second}, {names[2]}={target}")
    for value, name in zip((first, second, target), names):
        if value is not None and value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _image_size(images, data_format):
    shape = shape_of(images)
    if len(shape) not in (3, 4):
        raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received: images.shape={tuple(shape)}")
    axes = spatial_axes(len(shape), data_format)
    return axes, shape[axes[0]], shape[axes[1]]


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """keras.ops.image.pad_images: zeros around the images, two of (before, after, target)
    given per axis."""
    data_format = standardize_data_format(data_format)
    images = convert(images)
    axes, height, width = _image_size(images, data_format)
    _two_of_three(top_padding, bottom_padding, target_height,
                  ("top_padding", "bottom_padding", "target_height"))
    _two_of_three(left_padding, right_padding, target_width,
                  ("left_padding", "right_padding", "target_width"))
    if top_padding is None:
        top_padding = target_height - bottom_padding - height
    if bottom_padding is None:
        bottom_padding = target_height - top_padding - height
    if left_padding is None:
        left_padding = target_width - right_padding - width
    if right_padding is None:
        right_padding = target_width - left_padding - width
    for name, value in (("top_padding", top_padding), ("left_padding", left_padding),
                        ("right_padding", right_padding), ("bottom_padding", bottom_padding)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    widths = [(0, 0)] * len(shape_of(images))
    widths[axes[0]], widths[axes[1]] = (top_padding, bottom_padding), (left_padding,
                                                                       right_padding)
    return pad(images, widths)


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """keras.ops.image.crop_images: a window of the images, two of (before, after, target)
    given per axis. As jax's dynamic slice, a window past the edge is moved back inside."""
    data_format = standardize_data_format(data_format)
    images = convert(images)
    axes, height, width = _image_size(images, data_format)
    _two_of_three(top_cropping, bottom_cropping, target_height,
                  ("top_cropping", "bottom_cropping", "target_height"))
    _two_of_three(left_cropping, right_cropping, target_width,
                  ("left_cropping", "right_cropping", "target_width"))
    if top_cropping is None:
        top_cropping = height - target_height - bottom_cropping
    if target_height is None:
        target_height = height - bottom_cropping - top_cropping
    if left_cropping is None:
        left_cropping = width - target_width - right_cropping
    if target_width is None:
        target_width = width - right_cropping - left_cropping
    for name, value in (("top_cropping", top_cropping), ("target_height", target_height),
                        ("left_cropping", left_cropping), ("target_width", target_width)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0. Received: {name}={value}")
    for axis, start, size, extent in ((axes[0], top_cropping, target_height, height),
                                      (axes[1], left_cropping, target_width, width)):
        if size > extent:
            raise ValueError(f"Cannot crop {size} pixels out of an image axis of {extent}")
        start = min(start, extent - size)
        images = slice_axis(images, axis, start, start + size)
    return images


def _extract(images, size, strides, dilation_rate, padding, data_format, rank):
    """Patches of `rank` spatial axes as one im2col: (N, *out, prod(size) * C), each patch
    laid out (*offsets, channel) as Keras's identity-kernel convolution lays it out."""
    data_format = standardize_data_format(data_format)
    images = convert(images)
    if not dtype_of(images).startswith("float"):
        images = cast(images, "float32")
    if len(shape_of(images)) not in (rank + 1, rank + 2):
        raise ValueError(f"Invalid images rank: expected rank {rank + 1} (unbatched) or "
                         f"{rank + 2} (batched). Received: images.shape="
                         f"{tuple(shape_of(images))}")
    single = len(shape_of(images)) == rank + 1
    if single:
        images = expand_dims(images, 0)
    if data_format == "channels_first":
        images = transpose(images, (0,) + tuple(range(2, rank + 2)) + (1,))
    size = normalize_tuple(size, rank, "size")
    strides = normalize_tuple(strides or size, rank, "strides")
    dilation = normalize_tuple(dilation_rate, rank, "dilation_rate")
    padding = str(padding).lower()
    if padding not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'. Received: "
                         f"padding={padding}")
    paddings, _ = window_geometry(shape_of(images)[1:-1], size, strides, padding, dilation)
    out = _patches(images, size, strides, dilation, paddings)
    if data_format == "channels_first":
        out = transpose(out, (0, rank + 1) + tuple(range(1, rank + 1)))
    return squeeze(out, 0) if single else out


def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """keras.ops.image.extract_patches: (N, out_h, out_w, size_h * size_w * C) patches of 2-D
    images (3-D volumes when `size` has 3 entries). A gather, so unlike Keras's
    identity-kernel convolution a NaN or inf stays in the patch entries that hold it."""
    if not isinstance(size, int) and len(size) == 3:
        return _extract(images, size, strides, dilation_rate, padding, data_format, 3)
    if not isinstance(size, int) and len(size) != 2:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 2. "
                        f"Received: size={size}")
    return _extract(images, size, strides, dilation_rate, padding, data_format, 2)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """keras.ops.image.extract_patches_3d: patches of 3-D volumes (rank 4 or 5)."""
    if not isinstance(size, int) and len(size) != 3:
        raise TypeError(f"Invalid `size` argument. Expected an int or a tuple of length 3. "
                        f"Received: size={size}")
    return _extract(volumes, size, strides, dilation_rate, padding, data_format, 3)
