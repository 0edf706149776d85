"""Random geometric image augmentation layers (keras.layers RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomCrop): the identity at inference, a random transform
per image in training.

Each draws its parameters with keras.random from its own SeedGenerator (a new draw at
every call and every compiled step) and, except RandomFlip and RandomCrop, resamples the
images with ops.image's affine_transform, building Keras's transform [a0, a1, a2, b0, b1,
b2, 0, 0] from the draws as Keras does (the same formulas, so a range (f, f) gives Keras's
numbers). As in Keras, call() defaults to training=True; the images come back as the
layer's float dtype, also at inference.

RandomCrop at inference crops what Keras computes for training=False (a target-sized window
from the start of the largest centred window of the target's aspect ratio, resized to the
target when the image is too small); Keras 3.15 computes that crop but skips it and returns
the images unchanged, which breaks predict on any model that follows it with a fixed-size
layer (keras-team/keras#21868, whose fix applies the crop as fastkeras does)."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..ops.image import aspect_crop_box, resize
from ..ops.image_axes import slice_axis, spatial_axes
from ..ops.image_geometry import apply_transform
from ..ops.random import SeedGenerator, uniform
from ..utils.random import generator
from .augmentation_base import BaseImagePreprocessingLayer

__all__ = ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop"]

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class _GeometricLayer(BaseImagePreprocessingLayer):
    """Shared by the layers that resample through an affine transform."""
    _SUPPORTED_FILL_MODE = ("reflect", "wrap", "constant", "nearest")
    _SUPPORTED_INTERPOLATION = ("nearest", "bilinear")

    def _set_sampling(self, fill_mode, interpolation, fill_value):
        if fill_mode not in self._SUPPORTED_FILL_MODE:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{self._SUPPORTED_FILL_MODE}.")
        if interpolation not in self._SUPPORTED_INTERPOLATION:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {self._SUPPORTED_INTERPOLATION}.")
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, \
            fill_value

    def _image_geometry(self, images):
        """(batch, height, width) of a rank-3 or rank-4 input."""
        shape = ops.shape(images)
        batch = self._batch_size(images)
        height_axis, width_axis = spatial_axes(len(shape), self.data_format)
        return batch, shape[height_axis], shape[width_axis]

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        return apply_transform(images, self._matrix(transformation), self.interpolation,
                               self.fill_mode, self.fill_value, self.data_format,
                               projective=False)

    def _matrix(self, transformation):
        """The (batch, 8) affine transform of a transformation dict."""
        return transformation["matrix"]

    def _columns(self, *columns):
        """The (batch, 8) transform of (batch, 1) columns and constants (the zeros)."""
        batch = next(ops.shape(c)[0] for c in columns if not isinstance(c, (int, float)))
        parts = [np.full((batch, 1), c, np.float32) if isinstance(c, (int, float)) else c
                 for c in columns]
        return ops.concatenate(parts + [np.zeros((batch, 2), np.float32)], axis=1)

    def get_config(self):
        config = super().get_config()
        config.update(fill_mode=self.fill_mode, fill_value=self.fill_value,
                      interpolation=self.interpolation, seed=self.seed)
        return config


def _factor_range(factor, name, message, lower_open):
    """Keras's zoom/translation factor: a number f gives (-|f|, |f|), a pair its sorted
    range; every number in [-1, 1] ((-1, 1] for zoom)."""
    def check(value):
        if value > 1.0 or value < -1.0 or (lower_open and value == -1.0):
            raise ValueError(message + f"Received: input_number={value}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message + f"Received: {name}={factor}")
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        check(factor)
        return -abs(factor), abs(factor)
    raise ValueError(message + f"Received: {name}={factor}")


class RandomFlip(BaseImagePreprocessingLayer):
    """Each image flipped left-right and/or top-bottom with probability 1/2 (one draw per
    image: "horizontal_and_vertical" flips both axes or neither)."""
    _USE_BASE_FACTOR = False

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_seed(seed)
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        batch = self._batch_size(images)
        draws = uniform((batch, 1, 1, 1), seed=self.generator if seed is None else seed)
        return {"flips": ops.less_equal(draws, 0.5), "input_shape": ops.shape(images)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        flips = transformation["flips"]
        height_axis, width_axis = spatial_axes(4, self.data_format)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=width_axis), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = ops.where(flips, ops.flip(images, axis=height_axis), images)
        return images

    def get_config(self):
        config = super().get_config()
        config.update(seed=self.seed, mode=self.mode, data_format=self.data_format)
        return config


class RandomRotation(_GeometricLayer):
    """Each image rotated about its centre by an angle drawn from `factor` (fractions of a
    full turn: 0.1 is up to 36 degrees either way; positive is counter-clockwise)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        self._set_seed(seed)
        self._set_sampling(fill_mode, interpolation, fill_value)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch, height, width = self._image_geometry(self.images_of(data))
        angle = uniform((batch,), minval=self.factor[0] * 360.0,
                        maxval=self.factor[1] * 360.0, seed=self.generator if seed is None else seed)
        return {"angle": angle, "matrix": self._rotation_matrix(angle, height, width)}

    def _rotation_matrix(self, angle, height, width):
        """Keras's _compute_affine_matrix for a rotation about the centre: no shift, scale 1,
        no shear (whose terms vanish exactly)."""
        radians = ops.multiply(angle, np.float32(math.pi / 180.0))
        cos, sin = ops.cos(radians), ops.sin(radians)
        cx, cy = np.float32(0.5 * (width - 1)), np.float32(0.5 * (height - 1))
        a0, a1, b0, b1 = cos, ops.negative(sin), sin, cos
        a2 = ops.subtract(ops.subtract(cx, ops.multiply(cx, a0)), ops.multiply(cy, a1))
        b2 = ops.subtract(ops.subtract(cy, ops.multiply(cx, b0)), ops.multiply(cy, b1))
        return self._columns(*(ops.expand_dims(v, 1) for v in (a0, a1, a2, b0, b1, b2)))

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, data_format=self.data_format)
        return config


class RandomZoom(_GeometricLayer):
    """Each image zoomed about its centre by 1 + a draw from `height_factor` (and
    `width_factor`, else the same zoom): positive factors zoom out, negative zoom in."""
    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = ("The `height_factor` and `width_factor` arguments should be a "
                                "number (or a list of two numbers) in the range (-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(
            height_factor, "height_factor", self._FACTOR_VALIDATION_ERROR, True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(
                width_factor, "width_factor", self._FACTOR_VALIDATION_ERROR, True)
        self._set_sampling(fill_mode, interpolation, fill_value)
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch, height, width = self._image_geometry(self.images_of(data))
        seed = self.generator if seed is None else seed
        height_zoom = uniform((batch, 1), minval=1.0 + self.height_lower,
                              maxval=1.0 + self.height_upper, seed=seed)
        width_zoom = height_zoom if self.width_factor is None else uniform(
            (batch, 1), minval=1.0 + self.width_lower, maxval=1.0 + self.width_upper,
            seed=seed)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "matrix": self._zoom_matrix(width_zoom, height_zoom, height, width)}

    def _zoom_matrix(self, zx, zy, height, width):
        x_offset = ops.multiply(np.float32((width - 1.0) / 2.0), ops.subtract(1.0, zx))
        y_offset = ops.multiply(np.float32((height - 1.0) / 2.0), ops.subtract(1.0, zy))
        return self._columns(zx, 0, x_offset, 0, zy, y_offset)

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor,
                      data_format=self.data_format)
        return config


class RandomTranslation(_GeometricLayer):
    """Each image shifted by a draw from `height_factor` times its height and from
    `width_factor` times its width (positive: down / right)."""
    _USE_BASE_FACTOR = False
    _FACTOR_VALIDATION_ERROR = ("The `factor` argument should be a number (or a list of two "
                                "numbers) in the range [-1.0, 1.0]. ")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = _factor_range(
            height_factor, "height_factor", self._FACTOR_VALIDATION_ERROR, False)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = _factor_range(
            width_factor, "width_factor", self._FACTOR_VALIDATION_ERROR, False)
        self._set_sampling(fill_mode, interpolation, fill_value)
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch, height, width = self._image_geometry(self.images_of(data))
        seed = self.generator if seed is None else seed
        dy = ops.multiply(uniform((batch, 1), minval=self.height_lower,
                                  maxval=self.height_upper, seed=seed), float(height))
        dx = ops.multiply(uniform((batch, 1), minval=self.width_lower,
                                  maxval=self.width_upper, seed=seed), float(width))
        return {"translations": ops.concatenate([dx, dy], axis=1),
                "matrix": self._columns(1, 0, ops.negative(dx), 0, 1, ops.negative(dy))}

    def get_config(self):
        config = super().get_config()
        config.update(height_factor=self.height_factor, width_factor=self.width_factor,
                      data_format=self.data_format)
        return config


class RandomCrop(BaseImagePreprocessingLayer):
    """A random (height, width) window, the same for the whole batch, while training; an
    image not larger than the target on both axes, and every image at inference, gives
    Keras's centred crop (resized to the target when the image is too small)."""
    _USE_BASE_FACTOR = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(name=name, data_format=data_format, **kwargs)
        self.height, self.width = height, width
        self.generator = SeedGenerator(seed)
        # Keras keeps a drawn seed in the config when none is given (make_default_seed).
        self.seed = seed if seed is not None else int(generator().integers(1, int(1e9)))

    def _axes(self, rank):
        return spatial_axes(rank, self.data_format)

    def get_random_transformation(self, data, training=True, seed=None):
        images = self.images_of(data)
        height_axis, width_axis = self._axes(len(ops.shape(images)))
        height, width = ops.shape(images)[height_axis], ops.shape(images)[width_axis]
        if training and height > self.height and width > self.width:
            seed = self.generator if seed is None else seed
            # Keras: int32(uniform(0, n + 1)), one draw for the batch.
            top = ops.floor(uniform((), maxval=float(height - self.height + 1), seed=seed))
            left = ops.floor(uniform((), maxval=float(width - self.width + 1), seed=seed))
            return top, left
        top, _, left, _ = aspect_crop_box(height, width, self.height, self.width)
        return top, left, height, width

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.dtype)
        height_axis, width_axis = self._axes(4)
        if len(transformation) == 2:  # a drawn window: rows top + 0..height-1, etc.
            for axis, start, size in ((height_axis, transformation[0], self.height),
                                      (width_axis, transformation[1], self.width)):
                index = ops.cast(ops.add(start, np.arange(size, dtype=np.float32)), "int32")
                images = ops.take(images, index, axis=axis)
            return images
        # Keras slices the target's size from the start of the centred aspect-ratio window
        # (cut short by the image's edge), then resizes what it got to the target.
        top, left, height, width = transformation
        crop_height, crop_width = min(self.height, height - top), min(self.width, width - left)
        images = slice_axis(images, height_axis, top, top + crop_height)
        images = slice_axis(images, width_axis, left, left + crop_width)
        if (crop_height, crop_width) != (self.height, self.width):
            images = ops.cast(resize(images, (self.height, self.width),
                                     data_format=self.data_format), self.dtype)
        return images

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        height_axis, width_axis = self._axes(len(shape))
        shape[height_axis], shape[width_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update(height=self.height, width=self.width, seed=self.seed,
                      data_format=self.data_format)
        return config
