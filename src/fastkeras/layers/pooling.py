"""Window poolings: MaxPooling1D/2D/3D and AveragePooling1D/2D/3D (and Keras's aliases
MaxPool*, AvgPool*), over the composite ops.max_pool / ops.average_pool."""

from __future__ import annotations

from .. import ops
from ..ops.windows import conv_output_length, normalize_padding, normalize_tuple
from ..ops.conv import standardize_data_format
from .conv_base import check_input_rank
from .layer import Layer, shown_shape


class Pooling(Layer):
    """Keras's BasePooling: `rank` spatial axes, mode 'max' or 'average'; no weights."""

    rank = None
    mode = None

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        # Keras lets a zero stride through to the op; a window that never moves is refused here.
        self.strides = self.pool_size if strides is None else \
            normalize_tuple(strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = standardize_data_format(data_format)
        self.built = True

    def _spatial(self, shape):
        return tuple(shape[1:-1]) if self.data_format == "channels_last" else tuple(shape[2:])

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_input_rank(self, input_shape, self.rank)
        out = tuple(conv_output_length(L, k, s, self.padding) for L, k, s in
                    zip(self._spatial(input_shape), self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"Computed output size would be zero or negative. Received: "
                             f"`inputs.shape={input_shape}` and `pool_size={self.pool_size}`.")
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (input_shape[-1],)
        return input_shape[:2] + out

    def call(self, inputs):
        self.compute_output_shape(shown_shape(inputs))  # Keras's errors for rank and size
        pool = ops.max_pool if self.mode == "max" else ops.average_pool
        return pool(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                    data_format=self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update(pool_size=self.pool_size, padding=self.padding, strides=self.strides,
                      data_format=self.data_format)
        return config


class MaxPooling(Pooling):
    mode = "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):  # Keras's max poolings default to windows of 2 (averages don't)
        super().__init__(pool_size, strides, padding, data_format, name, **kwargs)


class MaxPooling1D(MaxPooling):
    rank = 1


class MaxPooling2D(MaxPooling):
    rank = 2


class MaxPooling3D(MaxPooling):
    rank = 3


class AveragePooling1D(Pooling):
    rank, mode = 1, "average"


class AveragePooling2D(Pooling):
    rank, mode = 2, "average"


class AveragePooling3D(Pooling):
    rank, mode = 3, "average"


# Keras's aliases.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
