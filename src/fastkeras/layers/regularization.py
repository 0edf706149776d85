"""Training-only noise (Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout) and ActivityRegularization.

The noise comes from keras.random with the layer's SeedGenerator (ops/random.py): the same
seed gives the same masks on every backend, each step draws new ones, and inference (or
`training` not True) is the identity."""

from __future__ import annotations

import math

import numpy as np

from .. import ops, regularizers
from ..ops import random
from .layer import Layer, shown_shape

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_rate(rate, name="rate", upper_open=False):
    bad = isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)) or \
        not 0 <= rate <= 1 or (upper_open and rate == 1)
    if bad:
        raise ValueError(f"Invalid value received for argument `{name}`. Expected a float "
                         f"value between 0 and 1. Received: {name}={rate}")
    return rate


class Dropout(Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.seed = seed
        if noise_shape is not None:
            noise_shape = tuple(noise_shape)
            for i, d in enumerate(noise_shape):
                if d is not None and (not isinstance(d, int) or d <= 0):
                    raise ValueError(f"Invalid value received for argument `noise_shape`. "
                                     f"Expected all dimensions to be positive integers or "
                                     f"None. Received element at index {i}: {d}")
        self.noise_shape = noise_shape
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                                  seed=self.seed_generator)
        return inputs

    def _noise_shape(self, inputs):
        return self.noise_shape

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)
        return config


class _SpatialDropout(Dropout):
    """Drops whole channels (channels_last): one draw per (sample, channel)."""
    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, data_format=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        if data_format not in (None, "channels_last"):
            raise NotImplementedError(f"{type(self).__name__}(data_format={data_format!r}) is "
                                      "not supported yet by fastkeras")

    def call(self, inputs, training=False):
        if len(ops.shape(inputs)) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects inputs of rank "
                             f"{self.rank + 2}, got shape {shown_shape(inputs)}")
        return super().call(inputs, training)

    def _noise_shape(self, inputs):
        shape = ops.shape(inputs)
        return (shape[0],) + (1,) * self.rank + (shape[-1],)

    def get_config(self):
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
        return config


class SpatialDropout1D(_SpatialDropout):
    rank = 1


class SpatialDropout2D(_SpatialDropout):
    rank = 2


class SpatialDropout3D(_SpatialDropout):
    rank = 3


class GaussianNoise(Layer):
    """x + N(0, stddev**2) noise while training."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float "
                             f"value between 0 and 1. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = random.normal(ops.shape(inputs), stddev=self.stddev, seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(stddev=self.stddev, seed=self.seed)
        return config


class GaussianDropout(Layer):
    """x * N(1, rate / (1 - rate)) noise while training."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.seed = seed
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = random.normal(ops.shape(inputs), mean=1.0, stddev=stddev,
                                  seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class AlphaDropout(Layer):
    """Dropout that keeps SELU's mean and variance: dropped units take SELU's negative
    saturation value, then an affine map restores the moments (Keras's formula)."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate(rate)
        self.seed = seed
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        if rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, training=False):
        if not (training and 0 < self.rate < 1):
            return inputs
        shape = ops.shape(inputs)
        noise_shape = shape if self.noise_shape is None else tuple(
            shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        u = random.uniform(noise_shape, seed=self.seed_generator)
        kept = ops.cast(ops.greater_equal(u, self.rate), "float32")
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, kept), ops.multiply(alpha_p, ops.subtract(1.0, kept)))
        return ops.add(ops.multiply(np.float32(a), x), np.float32(b))

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed, noise_shape=self.noise_shape)
        return config


class ActivityRegularization(Layer):
    """The identity, adding l1 * sum(|x|) + l2 * sum(x**2) (per sample) to the loss."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.built = True

    def call(self, inputs):
        return inputs

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update(l1=self.l1, l2=self.l2)
        return config
