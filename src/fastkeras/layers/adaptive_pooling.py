"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D: each spatial axis of
length L pooled into `output_size` bins, bin i covering [floor(i*L/n), ceil((i+1)*L/n))
(Keras's bins, PyTorch's too; they overlap when n does not divide L, and repeat inputs
when n > L).

The pooling itself is ops.adaptive_average_pool / ops.adaptive_max_pool (ops/nn_extra.py:
each spatial axis pooled on its own, the average as one constant-matrix matmul, the max
as one slice + max per bin); the layers add Keras's argument checks and config."""

from __future__ import annotations

import numpy as np

from .. import config
from ..ops import nn_extra
from ..ops.nn_extra import adaptive_average_pool, adaptive_max_pool
from .conv_base import check_input_rank
from .layer import Layer, shown_shape


adaptive_bins = nn_extra.adaptive_bins  # the bins, still importable from here


class _AdaptivePooling(Layer):
    rank = 1
    pool = staticmethod(adaptive_average_pool)

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

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), self.rank)
        return self.pool(inputs, self.output_size, self.data_format)

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
    pool = staticmethod(adaptive_max_pool)


class AdaptiveMaxPooling2D(_AdaptivePooling):
    rank = 2
    pool = staticmethod(adaptive_max_pool)


class AdaptiveMaxPooling3D(_AdaptivePooling):
    rank = 3
    pool = staticmethod(adaptive_max_pool)
