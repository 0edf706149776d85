"""GlobalAveragePooling1D/2D/3D and GlobalMaxPooling1D/2D/3D: the mean or max over every
spatial axis, `keepdims` keeping them as size 1. GlobalAveragePooling1D takes Keras's
`mask=` (batch, steps): the mean over the unmasked steps only, as Keras computes it
(sum of the kept steps / their count; a sample with no kept step gives NaN there too)."""

from __future__ import annotations

from .. import ops
from ..ops.core import dtype_of
from .conv_base import check_input_rank, standardize_data_format
from .layer import Layer, shown_shape


class _GlobalPooling(Layer):
    rank = 1
    reduce = staticmethod(ops.mean)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims
        self.built = True

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), self.rank)
        return self.reduce(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update(data_format=self.data_format, keepdims=self.keepdims)
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    supports_masking = True  # Keras: it consumes the mask (its outputs have none)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        check_input_rank(self, shown_shape(inputs), 1)
        steps = self._spatial_axes()[0]
        weights = ops.expand_dims(ops.cast(mask, dtype_of(inputs)), 3 - steps)
        total = ops.sum(ops.multiply(inputs, weights), axis=steps, keepdims=self.keepdims)
        return ops.divide(total, ops.sum(weights, axis=steps, keepdims=self.keepdims))

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalPooling):
    rank = 2


class GlobalAveragePooling3D(_GlobalPooling):
    rank = 3


class GlobalMaxPooling1D(_GlobalPooling):
    reduce = staticmethod(ops.max)


class GlobalMaxPooling2D(_GlobalPooling):
    rank = 2
    reduce = staticmethod(ops.max)


class GlobalMaxPooling3D(_GlobalPooling):
    rank = 3
    reduce = staticmethod(ops.max)
