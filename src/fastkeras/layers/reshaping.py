"""Layers that move elements without arithmetic: Flatten, Reshape, Permute, RepeatVector."""

from __future__ import annotations

import math

from .. import ops
from .layer import Layer, shown_shape


class Flatten(Layer):
    """(batch, ...) -> (batch, prod(...)), C order (data_format channels_last)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                             f"'channels_last'. Received: data_format={data_format}")
        self.data_format = data_format or "channels_last"
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, len(shape))) + (1,))
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if target_shape.count(-1) > 1:
            raise ValueError(f"There must be at most one unknown dimension (-1) in "
                             f"target_shape. Received: target_shape={target_shape}")
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        per_sample = math.prod(shape[1:])
        known = math.prod(d for d in self.target_shape if d != -1)
        if (-1 in self.target_shape and (known == 0 or per_sample % known)) or \
                (-1 not in self.target_shape and known != per_sample):
            raise ValueError(f"Layer {self.name!r}: the total size of the target shape "
                             f"{self.target_shape} does not match the input's {per_sample} "
                             f"elements per sample (input shape {(None,) + tuple(shape[1:])})")
        return ops.reshape(inputs, (shape[0],) + self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


class Permute(Layer):
    """Permutes the non-batch axes: `dims` counts them from 1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.built = True

    def call(self, inputs):
        if len(ops.shape(inputs)) != len(self.dims) + 1:
            raise ValueError(f"Layer {self.name!r} expects inputs of rank "
                             f"{len(self.dims) + 1}, got shape {shown_shape(inputs)}")
        return ops.transpose(inputs, (0,) + self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.built = True

    def call(self, inputs):
        shape = ops.shape(inputs)
        if len(shape) != 2:
            raise ValueError(f"Layer {self.name!r} expects inputs of rank 2 (batch, features), "
                             f"got shape {shown_shape(inputs)}")
        return ops.broadcast_to(ops.expand_dims(inputs, 1), (shape[0], self.n, shape[1]))

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
