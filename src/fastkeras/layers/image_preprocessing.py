"""Resizing and CenterCrop: batched (4-D) or unbatched (3-D) images, either data format.

Both are compositions of fastkeras ops (ops/image.py): a resize is one constant
interpolation matrix per spatial axis applied with a matmul ("nearest": a gather), a crop
is a slice, so every backend runs them and gradients flow to the input; Resizing gives
integer images back as integers, rounded (ties to even) and saturated, as Keras does
(uint8 arrays come back as int32, fastkeras's integer type). CenterCrop slices
the centred window when the target fits the image; otherwise it does what Keras's
smart_resize does: crop the largest centred window of the target's aspect ratio, then a
bilinear resize to the target."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable
from ..ops.conv import standardize_data_format
from ..ops.core import convert, dtype_of, shape_of
from ..ops.image import INTERPOLATIONS, resize
from ..ops.image_axes import check_image_rank, slice_axis, spatial_axes
from ..ops.numpy import cast, clip, round
from .layer import Layer


def _saturated(x, dtype, limits):
    """Keras's _saturate_cast of float32 `x` to an integer dtype: clipped to the range of
    `limits` (the images' own integer type: a uint8 array's [0, 255], though fastkeras holds
    it as int32), each bound nudged towards 0 where float32 cannot hold it, then cast."""
    bounds = []
    for bound in (limits.min, limits.max):
        value = np.float32(bound)
        if abs(float(value)) > abs(bound):
            value = np.nextafter(value, np.float32(0))
        bounds.append(float(value))
    return cast(clip(x, *bounds), dtype)


def _check_target(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")


class _ImageLayer(Layer):
    """Shared by Resizing and CenterCrop: the (height, width) target and the shape it
    gives an image of rank 3 or 4."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        _check_target("height", height)
        _check_target("width", width)
        self.height, self.width = height, width
        self.data_format = standardize_data_format(data_format)
        self.built = True

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if len(shape) not in (3, 4) or isinstance(shape[0], (list, tuple)):
            raise ValueError("`input_shape` must be a non-nested tuple or list of rank-1 "
                             "with size 3 (unbatched) or 4 (batched). ")
        height_axis, width_axis = spatial_axes(len(shape), self.data_format)
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, data_format=self.data_format)
        return config


class Resizing(_ImageLayer):
    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                             f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
        if fill_mode != "constant":
            raise ValueError(f"Invalid value for argument `fill_mode`. Only `'constant'` is "
                             f"supported. Received: fill_mode={fill_mode}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` "
                             "can be `True`.")
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        source = None if isinstance(inputs, (Tensor, Variable)) else np.asarray(inputs).dtype
        inputs = convert(inputs)
        resized = resize(inputs, (self.height, self.width), interpolation=self.interpolation,
                         antialias=self.antialias,
                         crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                         pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                         fill_value=self.fill_value, data_format=self.data_format)
        dtype = dtype_of(inputs)
        if dtype_of(resized) == dtype or not dtype.startswith("int"):
            return resized
        return _saturated(round(resized), dtype, np.iinfo(source if source is not None
                                                          and source.kind in "iu" else dtype))

    def get_config(self):
        config = super().get_config()
        config.update(interpolation=self.interpolation,
                      crop_to_aspect_ratio=self.crop_to_aspect_ratio,
                      pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
                      fill_value=self.fill_value, antialias=self.antialias)
        return config


class CenterCrop(_ImageLayer):
    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format, **kwargs)

    def call(self, inputs):
        inputs = convert(inputs)
        if dtype_of(inputs) != self.dtype:  # Keras casts images to the compute dtype
            inputs = cast(inputs, self.dtype)
        shape = shape_of(inputs)
        check_image_rank(shape)
        height_axis, width_axis = spatial_axes(len(shape), self.data_format)
        extra_height = shape[height_axis] - self.height
        extra_width = shape[width_axis] - self.width
        if extra_height < 0 or extra_width < 0:
            return resize(inputs, (self.height, self.width), crop_to_aspect_ratio=True,
                          data_format=self.data_format)
        top, left = extra_height // 2, extra_width // 2
        cropped = slice_axis(inputs, height_axis, top, top + self.height)
        return slice_axis(cropped, width_axis, left, left + self.width)
