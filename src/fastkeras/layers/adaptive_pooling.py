"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: each spatial axis of
length L pooled into `output_size` bins, bin i covering [floor(i*L/n), ceil((i+1)*L/n))
(Keras's bins, PyTorch's too; they overlap when n does not divide L, and repeat inputs
when n > L).

Bins are static, and both poolings are separable, so each axis is pooled on its own: the
average is a constant (L, n) matrix of 1/bin-size entries applied with a matmul
(ops/image.py's map_axis), the max is one slice + max per bin, concatenated. Gradients are
those of the ops: the max's goes to every maximal element of a bin."""

from __future__ import annotations

import numpy as np

from .. import config
from ..ops.core import shape_of
from ..ops.image import map_axis, slice_axis
from ..ops.numpy import concatenate, max as reduce_max
from .conv_base import check_input_rank
from .layer import Layer, shown_shape


def adaptive_bins(length, bins):
    """[(start, stop)] of each bin along an axis of `length` split into `bins`."""
    return [(i * length // bins, -(-(i + 1) * length // bins)) for i in range(bins)]


def average_matrix(length, bins):
    """(length, bins): column i averages bin i."""
    matrix = np.zeros((length, bins))
    for i, (start, stop) in enumerate(adaptive_bins(length, bins)):
        matrix[start:stop, i] = 1.0 / (stop - start)
    return matrix


def _average_axis(x, axis, bins):
    return map_axis(x, average_matrix(shape_of(x)[axis], bins), axis)


def _max_axis(x, axis, bins):
    parts = [reduce_max(slice_axis(x, axis, start, stop), axis=axis, keepdims=True)
             for start, stop in adaptive_bins(shape_of(x)[axis], bins)]
    return parts[0] if len(parts) == 1 else concatenate(parts, axis=axis)


class _AdaptivePooling(Layer):
    rank = 1
    pool_axis = staticmethod(_average_axis)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = self._normalize_output_size(output_size)
        self.data_format = data_format or config.image_data_format()
        if self.data_format not in ("channels_first", "channels_last"):
            raise ValueError(f"Invalid data_format: {self.data_format}. Expected "
                             f"'channels_first' or 'channels_last'.")
        self.built = True

    def _normalize_output_size(self, output_size):
        """Keras's forms: an int (every axis), or a tuple/list of one per spatial axis."""
        names = {1: "tuple of 1 integer", 2: "(height, width) tuple",
                 3: "(depth, height, width) tuple"}
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            sizes = (output_size,) * self.rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == self.rank:
            sizes = tuple(output_size)
        elif self.rank == 1 and isinstance(output_size, (tuple, list)):
            raise ValueError(f"For 1D input, `output_size` tuple must have length 1. "
                             f"Received: {output_size}")
        else:
            raise TypeError(f"`output_size` must be an integer or {names[self.rank]}. "
                            f"Received: {output_size} of type {type(output_size)}")
        if any(isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s <= 0
               for s in sizes):
            raise ValueError(f"`output_size` must hold positive integers. Received: "
                             f"output_size={output_size}")
        return tuple(int(s) for s in sizes)

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return range(first, first + self.rank)

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), self.rank)
        for axis, bins in zip(self._spatial_axes(), self.output_size):
            if shape_of(inputs)[axis] != bins:  # as many bins as inputs: each bin is one input
                inputs = self.pool_axis(inputs, axis, bins)
        return inputs

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        config_ = super().get_config()
        config_.update(output_size=self.output_size, data_format=self.data_format)
        return config_


class AdaptiveAveragePooling1D(_AdaptivePooling):
    pass


class AdaptiveAveragePooling2D(_AdaptivePooling):
    rank = 2


class AdaptiveAveragePooling3D(_AdaptivePooling):
    rank = 3


class AdaptiveMaxPooling1D(_AdaptivePooling):
    pool_axis = staticmethod(_max_axis)


class AdaptiveMaxPooling2D(_AdaptivePooling):
    rank = 2
    pool_axis = staticmethod(_max_axis)


class AdaptiveMaxPooling3D(_AdaptivePooling):
    rank = 3
    pool_axis = staticmethod(_max_axis)
