"""Filtering and erasing image augmentation layers (keras.layers RandomGaussianBlur,
RandomSharpness, RandomErasing, Equalization).

As random_color.py: draws in get_random_transformation (Keras's keys, in Keras's order,
from the layer's SeedGenerator), arithmetic in transform_images, the images unchanged at
inference (training=False). Keras's quirks kept where they show in the numbers: the blur's
sigma pair is drawn once per batch (a per-image draw decides only whether to blur), and
Equalization's histograms are per channel over the whole batch, not per image."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.image_axes import spatial_axes
from ..ops.image_color import gaussian_blur_drawn
from ..ops.random import normal, uniform
from .augmentation_base import BaseImagePreprocessingLayer, _is_number

__all__ = ["RandomGaussianBlur", "RandomSharpness", "RandomErasing", "Equalization"]


class _FilterLayer(BaseImagePreprocessingLayer):
    """`factor` a probability range in [0, 1]; `seed` and `value_range` in the config."""
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def _named_range(self, value, name):
        """Keras's _set_factor_by_name: `factor`'s rules for another argument."""
        low, high = self._FACTOR_BOUNDS
        message = (f"The `{name}` argument should be a number (or a list of two numbers) in "
                   f"the range [{low}, {high}]. Received: factor={value}")
        if isinstance(value, (tuple, list)):
            if len(value) != 2 or value[0] > high or value[1] < low:
                raise ValueError(message)
            return tuple(sorted(value))
        if not _is_number(value) or not low <= value <= high:
            raise ValueError(message)
        return max(-abs(value), low), abs(value)

    def _apply_draws(self, batch, seed):
        """Per image: uniform(threshold) < uniform(probability in the factor range)."""
        probability = uniform((batch,), self.factor[0], self.factor[1], seed=seed)
        return ops.less(uniform((batch,), seed=seed), probability)

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range, seed=self.seed)
        return config


def _where_per_image(flags, changed, images):
    return ops.where(ops.reshape(flags, (-1, 1, 1, 1)), changed, images)


class RandomGaussianBlur(_FilterLayer):
    """Each image blurred with probability drawn from `factor`, by a `kernel_size` Gaussian
    whose (width, height) sigmas are drawn from `sigma` (once per batch), then clipped to
    value_range."""

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = self._named_range(sigma, "sigma")
        self.value_range = value_range
        self._set_seed(seed)

    @staticmethod
    def _kernel_size(size):
        odd = f"kernel_size must be an odd number. Received: kernel_size={size}"
        if isinstance(size, (tuple, list)):
            if len(size) != 2:
                raise ValueError(f"The `kernel_size` argument should be a number (or a list "
                                 f"of two numbers) Received: kernel_size={size}")
            sizes = tuple(size)
        elif _is_number(size):
            sizes = (size, size)
        else:
            raise ValueError(odd)
        if any(s % 2 == 0 for s in sizes):
            raise ValueError(odd)
        return sizes

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        seed = self.generator if seed is None else seed
        apply = self._apply_draws(self._batch_size(self.images_of(data)), seed)
        sigma = ops.add(uniform((2,), self.sigma[0], self.sigma[1], seed=seed), 1e-6)
        return {"should_apply_blur": apply, "blur_factor": sigma}

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        blurred = gaussian_blur_drawn(images, self.kernel_size,
                                      ops.cast(transformation["blur_factor"], "float32"),
                                      self.data_format)
        images = _where_per_image(transformation["should_apply_blur"], blurred, images)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update(kernel_size=self.kernel_size, sigma=self.sigma)
        return config


class RandomSharpness(_FilterLayer):
    """Each image moved away from (or towards) its 3x3 smoothing by a factor drawn per
    image: x + (1 - 2 f) (smooth(x) - x), clipped to value_range (f = 0.5: unchanged)."""
    _SMOOTHING = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13.0

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        # As Keras, drawn whether training or not (and unused at inference).
        batch = self._batch_size(self.images_of(data))
        return {"factor": uniform((batch,), self.factor[0], self.factor[1],
                                  seed=self.generator if seed is None else seed)}

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.dtype)
        if not training:
            return images
        channel_axis = -1 if self.data_format == "channels_last" else 1
        channels = ops.shape(images)[channel_axis]
        kernel = np.tile(self._SMOOTHING[:, :, None, None], (1, 1, channels, 1))
        smoothed = ops.depthwise_conv(images, kernel, padding="same",
                                      data_format=self.data_format)
        factor = ops.reshape(ops.multiply(ops.cast(transformation["factor"], "float32"), 2.0),
                             (-1, 1, 1, 1))
        images = ops.add(images, ops.multiply(ops.subtract(1.0, factor),
                                              ops.subtract(smoothed, images)))
        return ops.clip(images, self.value_range[0], self.value_range[1])


class RandomErasing(_FilterLayer):
    """With probability drawn from `factor`, a rectangle of each image replaced by
    `fill_value` (a number, three per-channel numbers, or None: normal noise times the top
    of value_range), clipped to value_range. The rectangle's sides are sqrt of a draw from
    `scale` times the image's sides, at a uniform position."""

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = self._named_range(scale, "scale")
        if not (fill_value is None or _is_number(fill_value) or (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)):
            # Keras raises this when the layer is first called.
            raise ValueError(f"The `fill_value` argument should be a number (or a list of "
                             f"three numbers) Received: fill_value={fill_value}")
        self.fill_value = fill_value
        self.value_range = value_range
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = self.images_of(data)
        shape = tuple(ops.shape(images))
        batch = self._batch_size(images)
        if len(shape) == 3:
            shape = (1,) + shape
        height_axis, width_axis = spatial_axes(4, self.data_format)
        seed = self.generator if seed is None else seed
        sides = ops.sqrt(uniform((batch, 2), self.scale[0], self.scale[1], seed=seed))
        x0, x1 = crop_bounds(batch, shape[width_axis], ops.take(sides, 0, axis=1), seed)
        y0, y1 = crop_bounds(batch, shape[height_axis], ops.take(sides, 1, axis=1), seed)
        masks = box_masks(shape, (x0, x1, y0, y1), self.data_format)
        apply = self._apply_draws(batch, seed)
        return {"apply_erasing": apply, "batch_masks": masks,
                "fill_value": self._fill(shape, seed)}

    def _fill(self, shape, seed):
        if self.fill_value is None:
            fill = ops.multiply(normal(shape, seed=seed), float(self.value_range[1]))
        else:  # a number, or three along the last axis (Keras's full_like)
            fill = np.broadcast_to(np.asarray(self.fill_value, np.float32), shape)
        return ops.clip(fill, self.value_range[0], self.value_range[1])

    def transform_images(self, images, transformation=None, training=True):
        images = ops.cast(images, self.dtype)
        if not training or transformation is None:
            return images
        erased = ops.where(transformation["batch_masks"],
                           ops.cast(transformation["fill_value"], self.dtype), images)
        return _where_per_image(transformation["apply_erasing"], erased, images)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, fill_value=self.fill_value)
        return config


def crop_bounds(batch, length, ratio, seed):
    """(start, end) of a run of ratio * length at a uniform start, per image (Keras's
    RandomErasing and CutMix)."""
    crop = ops.multiply(ratio, float(length))
    start = ops.multiply(uniform((batch,), seed=seed), ops.subtract(float(length), crop))
    return start, ops.add(start, crop)


def box_masks(shape, corners, data_format):
    """(batch, ...) booleans of `shape`: x0 <= column < x1 and y0 <= row < y1 per image
    (corners: four (batch,) tensors x0, x1, y0, y1). Shared with CutMix."""
    height_axis, width_axis = spatial_axes(4, data_format)
    height, width = shape[height_axis], shape[width_axis]
    grid_shape = (1, height, width, 1) if data_format == "channels_last" else \
        (1, 1, height, width)
    rows = np.broadcast_to(np.arange(height, dtype=np.float32)[:, None],
                           (height, width)).reshape(grid_shape)
    cols = np.broadcast_to(np.arange(width, dtype=np.float32)[None, :],
                           (height, width)).reshape(grid_shape)
    x0, x1, y0, y1 = (ops.reshape(c, (-1, 1, 1, 1)) for c in corners)
    inside = ops.logical_and(
        ops.logical_and(ops.greater_equal(cols, x0), ops.less(cols, x1)),
        ops.logical_and(ops.greater_equal(rows, y0), ops.less(rows, y1)))
    return ops.broadcast_to(inside, shape)


class Equalization(BaseImagePreprocessingLayer):
    """Histogram equalization of each channel (its `bins`-bin histogram on the 0..255
    scale mapped through its cumulative distribution). Not random; at inference the
    images pass unchanged, as Keras. Keras's histogram spans the whole batch's channel."""
    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self._set_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        if not training:
            return images
        images = ops.cast(images, self.dtype)
        axis = -1 if self.data_format == "channels_last" else 1
        channels = [self._equalize(ops.take(images, c, axis=axis))
                    for c in range(ops.shape(images)[axis])]
        return ops.stack(channels, axis=axis)

    @staticmethod
    def _rescale(values, source, target):
        scale = (target[1] - target[0]) / (source[1] - source[0])
        return ops.add(ops.multiply(values, scale), target[0] - source[0] * scale)

    def _equalize(self, channel):
        bins = self.bins
        channel = self._rescale(channel, self.value_range, (0, 255))
        # The histogram's bin of each value, then the count of each bin (a one-hot sum).
        scaled = ops.divide(ops.multiply(channel, float(bins - 1)), 255.0)
        index = ops.clip(ops.cast(scaled, "int32"), 0, bins - 1)
        hist = ops.sum(ops.one_hot(ops.reshape(index, (-1,)), bins, dtype="float32"), axis=0)
        cdf = ops.cumsum(hist)
        # The cdf's first non-zero value (it never decreases).
        total = ops.take(cdf, bins - 1)
        cdf_min = ops.min(ops.where(ops.greater(cdf, 0.0), cdf, total))
        denominator = ops.subtract(total, cdf_min)
        denominator = ops.where(ops.equal(denominator, 0.0), 1.0, denominator)
        lookup = ops.clip(ops.round(ops.divide(ops.multiply(ops.subtract(cdf, cdf_min), 255.0),
                                               denominator)), 0, 255)
        lookup_index = ops.cast(ops.clip(ops.multiply(ops.divide(channel, 255.0),
                                                      float(bins - 1)), 0, bins - 1), "int32")
        equalized = ops.take(lookup, lookup_index)
        used_bins = ops.sum(ops.cast(ops.greater(hist, 0.0), "float32"))
        equalized = ops.where(ops.less_equal(used_bins, 1.0), channel, equalized)
        return self._rescale(equalized, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update(bins=self.bins, value_range=self.value_range)
        return config
