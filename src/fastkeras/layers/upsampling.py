"""UpSampling1D/2D/3D: each spatial axis repeated `size` times ("nearest"), or for
UpSampling2D also "bilinear" interpolation.

Nearest repeats an axis as broadcast + reshape (its gradient sums the copies). Bilinear
upsampling by an integer factor with half-pixel centres (what Keras's image.resize does
when enlarging: no antialiasing, the edge pixels repeated) is a fixed linear map per axis,
applied as a matmul with a constant (in, out) matrix."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.image import interpolation_matrix
from ..ops.image_axes import map_axis
from .conv_base import check_input_rank, standardize_data_format
from .layer import Layer, shown_shape


def repeat_axis(x, repeats, axis):
    """Each element of `axis` repeated `repeats` times in place (np.repeat)."""
    shape = ops.shape(x)
    expanded = ops.expand_dims(x, axis + 1)
    tiled = ops.broadcast_to(expanded, shape[:axis + 1] + (repeats,) + shape[axis + 1:])
    return ops.reshape(tiled, shape[:axis] + (shape[axis] * repeats,) + shape[axis + 1:])


def _interpolate_axis(x, factor, axis):
    """Bilinear along `axis`: Keras resizes with jax.image.resize, as keras.ops.image does."""
    length = ops.shape(x)[axis]
    return map_axis(x, interpolation_matrix(length, length * factor, "bilinear"), axis)


def _positive_sizes(size, rank):
    values = (size,) * rank if isinstance(size, (int, np.integer)) else tuple(size)
    if len(values) != rank or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                                  or v <= 0 for v in values):
        raise ValueError(f"The `size` argument must be a tuple of {rank} integers, each > 0. "
                         f"Received size={size}")
    return tuple(int(v) for v in values)


class UpSampling1D(Layer):
    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: "
                             f"size={size}")
        self.size = size
        self.built = True

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), 1)
        return repeat_axis(inputs, self.size, 1)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


class _UpSamplingND(Layer):
    rank = 2
    interpolations = ("nearest",)

    def __init__(self, size, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = _positive_sizes(size, self.rank)
        self.interpolation = str(interpolation).lower()
        if self.interpolation not in self.interpolations:
            raise NotImplementedError(
                f"{type(self).__name__}(interpolation={interpolation!r}) is not supported yet "
                f"by fastkeras; the interpolations are {list(self.interpolations)}")
        self.built = True

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), self.rank)
        first = 2 if self.data_format == "channels_first" else 1
        for axis, factor in zip(range(first, first + self.rank), self.size):
            if self.interpolation == "nearest":
                inputs = repeat_axis(inputs, factor, axis)
            else:
                inputs = _interpolate_axis(inputs, factor, axis)
        return inputs

    def get_config(self):
        config = super().get_config()
        config.update(size=self.size, data_format=self.data_format,
                      interpolation=self.interpolation)
        return config


class UpSampling2D(_UpSamplingND):
    interpolations = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(_UpSamplingND):
    """Keras's UpSampling3D: nearest only, and no `interpolation` argument."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, "nearest", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["interpolation"]
        return config
