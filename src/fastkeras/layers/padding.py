"""Zero padding and cropping of the spatial axes: ZeroPadding1D/2D/3D, Cropping1D/2D/3D.

Padding is the `pad` primitive (its gradient a slice), cropping the `slice` primitive (its
gradient a zero pad), one spatial axis at a time. Arguments are read as Keras reads them:
an int, one int per spatial axis (symmetric), or a (before, after) pair per axis."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import bind
from .conv_base import check_input_rank, standardize_data_format
from .layer import Layer, shown_shape


def _pair(value, name):
    """An int or a (before, after) pair of ints >= 0 as a pair (Keras's standardize_tuple)."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             for v in pair):
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. "
                         f"Received {name}={value}")
    negative = {int(v) for v in pair if v < 0}
    if negative:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received "
                         f"{name}={value}, including values {negative} that do not satisfy "
                         "`value >= 0`")
    return tuple(int(v) for v in pair)


_ORDINALS = ("1st", "2nd", "3rd")


def spatial_pairs(value, rank, name):
    """Keras's forms of a padding or cropping of `rank` spatial axes: for one axis an int
    or a pair; for several an int, one int per axis, or one pair per axis."""
    if rank == 1:
        return (_pair(value, name),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value), int(value)),) * rank
    if not hasattr(value, "__len__"):
        raise ValueError(f"`{name}` should be either an int, a tuple of {rank} ints, or a "
                         f"tuple of {rank} tuples of 2 ints. Received: {name}={value}.")
    if len(value) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {name}={value}.")
    return tuple(_pair(v, f"{_ORDINALS[i]} entry of {name}") for i, v in enumerate(value))


class _Spatial(Layer):
    """Pads or crops the `rank` spatial axes of (batch, *spatial, channels) inputs."""

    rank = 1
    argument = "padding"

    def __init__(self, amounts, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self._pairs = spatial_pairs(amounts, self.rank, self.argument)
        # Keras keeps one axis's amounts as a pair, several axes' as a pair per axis.
        setattr(self, self.argument, self._pairs[0] if self.rank == 1 else self._pairs)
        self.built = True

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return range(first, first + self.rank)

    def call(self, inputs):
        check_input_rank(self, shown_shape(inputs), self.rank)
        return self._apply(inputs, zip(self._spatial_axes(), self._pairs))

    def get_config(self):
        config = super().get_config()
        config.update({self.argument: getattr(self, self.argument),
                       "data_format": self.data_format})
        return config


class _ZeroPadding(_Spatial):
    def _apply(self, inputs, axis_pairs):
        widths = [(0, 0)] * len(ops.shape(inputs))
        for axis, pair in axis_pairs:
            widths[axis] = pair
        return ops.pad(inputs, widths)


class _Cropping(_Spatial):
    argument = "cropping"

    def _apply(self, inputs, axis_pairs):
        shape = ops.shape(inputs)
        for axis, (before, after) in axis_pairs:
            if before + after >= shape[axis]:
                raise ValueError(f"Values in `cropping` argument should be smaller than the "
                                 f"corresponding spatial dimension of the input. Received: "
                                 f"inputs.shape={shown_shape(inputs)}, "
                                 f"cropping={self.cropping}")
            if before or after:
                inputs = bind("slice", inputs, axis=axis, start=before,
                              stop=shape[axis] - after)
        return inputs


class ZeroPadding1D(_ZeroPadding):
    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Crops axis 1 of (batch, steps, features); Keras's Cropping1D has no data_format."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class Cropping2D(_Cropping):
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
