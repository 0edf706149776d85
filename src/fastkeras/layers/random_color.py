"""Random colour image augmentation layers (keras.layers RandomContrast, RandomBrightness,
RandomGrayscale, RandomHue, RandomSaturation, RandomColorDegeneration, RandomInvert,
RandomPosterization, Solarization, RandomColorJitter, AutoContrast).

Each draws its per-image parameters from the layer's SeedGenerator in
get_random_transformation and applies them in transform_images (Keras's method names and
transformation dicts, so a chosen transformation can be applied and compared with Keras);
at inference (training=False) the images pass unchanged. The arithmetic follows Keras's
layers step by step, quirks included (noted where they surprise)."""

from __future__ import annotations

from .. import ops
from ..ops import image as image_ops
from ..ops import random
from ..ops.core import dtype_of
from ..ops.random_more import randint
from .augmentation_base import BaseImagePreprocessingLayer

__all__ = ["RandomContrast", "RandomBrightness", "RandomGrayscale", "RandomHue",
           "RandomSaturation", "RandomColorDegeneration", "RandomInvert",
           "RandomPosterization", "Solarization", "RandomColorJitter", "AutoContrast"]

_EPSILON = 1e-7  # Keras's backend epsilon (RandomSaturation's factor / (1 - factor + eps))


class _ColorLayer(BaseImagePreprocessingLayer):
    """A colour layer: `seed` and `value_range` in its config, one draw per image."""

    def _draw(self, data, minval=0.0, maxval=1.0, per_pixel_axes=False):
        """uniform(minval, maxval) of shape (batch,) or (batch, 1, 1, 1)."""
        batch = self._batch_size(self.images_of(data))
        shape = (batch, 1, 1, 1) if per_pixel_axes else (batch,)
        return random.uniform(shape, minval=minval, maxval=maxval, seed=self.generator)

    def _channel_planes(self, images):
        axis = -1 if self.data_format == "channels_last" else 1
        return axis, [ops.take(images, c, axis=axis) for c in range(3)]

    def get_config(self):
        config = super().get_config()
        config.update(factor=self.factor, value_range=self.value_range, seed=self.seed)
        return config


def _per_image(values):
    """(batch,) values shaped (batch, 1, 1) to scale one HSV plane of each image."""
    return ops.expand_dims(ops.expand_dims(values, -1), -1)


class RandomContrast(_ColorLayer):
    """(x - mean) * c + mean per image and channel, c uniform in [1 - lower, 1 + upper],
    then clipped to value_range. (Keras: factor (-f, f) draws c = 1 + f always.)"""
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor_range_seed(factor, value_range, seed, check_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        return {"contrast_factor": self._draw(data, 1.0 - self.factor[0],
                                              1.0 + self.factor[1], per_pixel_axes=True)}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        axes = (-3, -2) if self.data_format == "channels_last" else (-2, -1)
        mean = ops.mean(ops.mean(images, axis=axes[0], keepdims=True), axis=axes[1],
                        keepdims=True)
        factor = transformation["contrast_factor"]
        outputs = ops.add(ops.multiply(ops.subtract(images, mean), factor), mean)
        return ops.clip(outputs, self.value_range[0], self.value_range[1])


class RandomBrightness(_ColorLayer):
    """x + d * (high - low) per image, d uniform in the factor range, clipped to
    value_range."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self._set_seed(seed)
        self._set_value_range(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        delta = self._draw(data, self.factor[0], self.factor[1], per_pixel_axes=True)
        return {"rgb_delta": ops.multiply(delta, self.value_range[1] - self.value_range[0])}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.add(images, ops.cast(transformation["rgb_delta"], dtype_of(images)))
        return ops.clip(images, self.value_range[0], self.value_range[1])


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Each image turned grey (its luma in all channels) with probability `factor`."""
    _USE_BASE_FACTOR = False

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        self.factor = factor
        self._set_seed(seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        draw = random.uniform((self._batch_size(self.images_of(data)),), seed=self.generator)
        return ops.reshape(ops.less(draw, self.factor), (-1, 1, 1, 1))

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        grey = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation, grey, images)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomHue(_ColorLayer):
    """The hue turned by +-u / 2 turns per image (u uniform in the factor range, the sign
    a coin toss), in HSV on images scaled from value_range to [0, 1]."""
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed, check_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        sign = ops.where(ops.greater(self._draw(data), 0.5), -1.0, 1.0)
        amount = self._draw(data, self.factor[0], self.factor[1])
        return {"factor": ops.multiply(ops.multiply(sign, amount), 0.5)}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._transform_value_range(ops.cast(images, "float32"), self.value_range,
                                             (0, 1))
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis, (hue, saturation, value) = self._channel_planes(hsv)
        hue = ops.add(hue, _per_image(ops.cast(transformation["factor"], "float32")))
        hue = ops.where(ops.greater(hue, 1.0), ops.subtract(hue, 1.0), hue)
        hue = ops.where(ops.less(hue, 0.0), ops.add(hue, 1.0), hue)
        images = image_ops.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                      data_format=self.data_format)
        return self._transform_value_range(ops.clip(images, 0, 1), (0, 1), self.value_range)


class RandomSaturation(_ColorLayer):
    """The HSV saturation times f / (1 - f + 1e-7) per image, f uniform in the factor range
    (0.5: unchanged; 0: grey; 1: fully saturated). As Keras, images are not rescaled to
    [0, 1] first and the scaled saturation is clipped to value_range."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        factor = self._draw(data, self.factor[0], self.factor[1])
        return {"factor": ops.divide(factor, ops.add(ops.subtract(1.0, factor), _EPSILON))}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        hsv = image_ops.rgb_to_hsv(ops.cast(images, "float32"), data_format=self.data_format)
        axis, (hue, saturation, value) = self._channel_planes(hsv)
        saturation = ops.multiply(saturation, _per_image(transformation["factor"]))
        saturation = ops.clip(saturation, self.value_range[0], self.value_range[1])
        return image_ops.hsv_to_rgb(ops.stack([hue, saturation, value], axis=axis),
                                    data_format=self.data_format)


class RandomColorDegeneration(_ColorLayer):
    """x + f * (grey(x) - x) per image, f uniform in the factor range, clipped."""

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        return {"factor": self._draw(data, self.factor[0], self.factor[1],
                                     per_pixel_axes=True)}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, "float32")
        grey = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        images = ops.add(images, ops.multiply(transformation["factor"],
                                              ops.subtract(grey, images)))
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        if len(input_shape) not in (3, 4):
            raise ValueError(f"Invalid images rank: expected rank 3 (single image) or rank 4 "
                             f"(batch of images). Received: input_shape={input_shape}")
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(f"Input images must have 3 channels, but received images with "
                             f"{channels} channels.")
        return input_shape


class RandomInvert(_ColorLayer):
    """high - x for an image with probability p, p itself uniform in the factor range."""
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed, check_range=False)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        probability = self._draw(data, self.factor[0], self.factor[1])
        return {"apply_inversion": ops.less(self._draw(data), probability)}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, "float32")
        apply = ops.reshape(transformation["apply_inversion"], (-1, 1, 1, 1))
        return ops.where(apply, ops.subtract(self.value_range[1], images), images)


class RandomPosterization(_ColorLayer):
    """Each image's values (scaled to 0..255 and truncated to integers) keep only their
    top b bits, b an integer drawn from [lower, upper) (lower when they are equal)."""
    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)
    _MAX_FACTOR = 8

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor_range_seed(factor, value_range, seed)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        batch = self._batch_size(self.images_of(data))
        low, high = int(self.factor[0]), int(self.factor[1])
        bits = randint((batch,), low, high, seed=self.generator) if low != high else \
            ops.full((batch,), low, dtype="int32")
        return {"shift_factor": ops.subtract(self._MAX_FACTOR, bits)}

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 255))
        # (x >> s) << s on the uint8 value, as floor(trunc(x) / 2^s) * 2^s: exact in float32.
        step = ops.power(2.0, ops.cast(ops.reshape(transformation["shift_factor"],
                                                   (-1, 1, 1, 1)), "float32"))
        kept = ops.multiply(ops.floor(ops.divide(ops.trunc(ops.cast(images, "float32")),
                                                 step)), step)
        return self._transform_value_range(kept, (0, 255), self.value_range)


class Solarization(BaseImagePreprocessingLayer):
    """y = clip(x + a, 0, 255) on the 0..255 scale, then y where y < t else 255 - y, per
    image: a uniform in [a_low, a_high * 255], t uniform in [t_low, t_high * 255] (Keras
    scales only the upper bounds). With both factors 0 every value is inverted."""
    _USE_BASE_FACTOR = False
    _FACTOR_MESSAGE = ("The `addition_factor` and `threshold_factor` arguments should be a "
                       "number (or a list of two numbers) in the range [0, 1]. ")

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_seed(seed)
        self.addition_factor = self._parse_factor(addition_factor, "addition_factor")
        self.threshold_factor = self._parse_factor(threshold_factor, "threshold_factor")
        self._set_value_range(value_range)

    def _parse_factor(self, factor, name):
        if isinstance(factor, (tuple, list)) and len(factor) == 2:
            values = list(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            values = [0, factor]
        else:
            raise ValueError(self._FACTOR_MESSAGE + f"Received: {name}={factor}")
        for value in values:
            if not 0 <= value <= 1:
                raise ValueError(self._FACTOR_MESSAGE + f"Received: {name}={factor}")
        return tuple(sorted(values)) if isinstance(factor, (tuple, list)) else tuple(values)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        shape = (self._batch_size(self.images_of(data)), 1, 1, 1)
        (a_low, a_high), (t_low, t_high) = self.addition_factor, self.threshold_factor
        return {"additions": random.uniform(shape, a_low, a_high * 255, seed=self.generator),
                "thresholds": random.uniform(shape, t_low, t_high * 255, seed=self.generator)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, "float32")
        if not training or transformation is None:
            return images
        images = self._transform_value_range(images, self.value_range, (0, 255))
        results = ops.clip(ops.add(images, transformation["additions"]), 0, 255)
        results = ops.where(ops.less(results, transformation["thresholds"]), results,
                            ops.subtract(255.0, results))
        return self._transform_value_range(results, (0, 255), self.value_range)

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, addition_factor=self.addition_factor,
                      threshold_factor=self.threshold_factor, seed=self.seed)
        return config


class RandomColorJitter(BaseImagePreprocessingLayer):
    """RandomBrightness, RandomContrast, RandomSaturation and RandomHue in that order (those
    whose factor is given), all drawing from this layer's one SeedGenerator."""
    _USE_BASE_FACTOR = False
    _PARTS = (("brightness_factor", RandomBrightness), ("contrast_factor", RandomContrast),
              ("saturation_factor", RandomSaturation), ("hue_factor", RandomHue))

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor, self.contrast_factor = brightness_factor, contrast_factor
        self.saturation_factor, self.hue_factor = saturation_factor, hue_factor
        self._set_seed(seed)
        # Plain attributes outside Layer's tracking: the parts draw from self.generator.
        parts = []
        for name, layer_type in self._PARTS:
            factor = getattr(self, name)
            if factor is not None:
                part = layer_type(factor=factor, value_range=value_range, seed=seed,
                                  data_format=self.data_format)
                part.generator = self.generator
                parts.append(part)
        object.__setattr__(self, "_parts", parts)

    def transform_images(self, images, transformation, training=True):
        if not training:
            return images
        images = ops.cast(images, "float32")
        for part in self._parts:
            images = part.transform_images(images, part.get_random_transformation(images))
        return ops.cast(images, "float32")

    def get_config(self):
        config = super().get_config()
        config.update(value_range=self.value_range, brightness_factor=self.brightness_factor,
                      contrast_factor=self.contrast_factor,
                      saturation_factor=self.saturation_factor, hue_factor=self.hue_factor,
                      seed=self.seed)
        return config


class AutoContrast(BaseImagePreprocessingLayer):
    """Each image and channel stretched linearly so its minimum and maximum span
    value_range (a flat channel, 0 / 0 = NaN, keeps its values). Not random: it acts
    in training and inference alike, as Keras."""
    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self._set_value_range(value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = ops.cast(images, "float32")
        images = self._transform_value_range(original, self.value_range, (0, 255))
        low = ops.min(images, axis=(1, 2), keepdims=True)
        high = ops.max(images, axis=(1, 2), keepdims=True)
        scale = ops.divide(255.0, ops.subtract(high, low))
        images = ops.add(ops.multiply(images, scale), ops.multiply(ops.negative(low), scale))
        results = self._transform_value_range(ops.clip(images, 0.0, 255.0), (0, 255),
                                               self.value_range)
        return ops.where(ops.isnan(results), original, results)

    def get_config(self):
        config = super().get_config()
        config["value_range"] = self.value_range
        return config
