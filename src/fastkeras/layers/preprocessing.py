"""Numeric preprocessing layers: Rescaling and Normalization (with adapt())."""

from __future__ import annotations

import numpy as np

from .. import ops
from .layer import Layer

_EPSILON = 1e-7  # Keras's backend epsilon: the least standard deviation divided by


class Rescaling(Layer):
    """inputs * scale + offset."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.built = True

    def call(self, inputs):
        inputs = ops.cast(inputs, "float32")
        scale = np.asarray(self.scale, "float32")
        offset = np.asarray(self.offset, "float32")
        return ops.add(ops.multiply(inputs, scale), offset)

    def get_config(self):
        config = super().get_config()
        config.update(scale=self.scale, offset=self.offset)
        return config


class Normalization(Layer):
    """(x - mean) / max(sqrt(variance), 1e-7) per position of `axis` (the kept axes), from
    given values or from adapt(data); invert=True maps back."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        axis = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
        self.axis = axis
        self.input_mean, self.input_variance, self.invert = mean, variance, invert
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must "
                             f"be set. Received: mean={mean} and variance={variance}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"When setting values directly, `mean` and `variance` must have "
                             f"the same shape. Received: mean shape {np.shape(mean)} and "
                             f"variance shape {np.shape(variance)}")
        self._build_input_shape = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, "
                                 f"with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape, "zeros", name="mean", trainable=False)
            self.adapt_variance = self.add_weight(shape, "ones", name="variance",
                                                  trainable=False)
            self.count = self.add_weight((), "zeros", dtype="int32", name="count",
                                         trainable=False)
        else:
            mean = np.asarray(self.input_mean, "float32")
            variance = np.asarray(self.input_variance, "float32")
            if mean.ndim:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                mean, variance = mean.reshape(expanded), variance.reshape(expanded)
            self._fixed = (np.broadcast_to(mean, self._broadcast_shape).astype("float32"),
                           np.broadcast_to(variance, self._broadcast_shape).astype("float32"))
        self.built = True

    def adapt(self, data):
        """The mean and (biased) variance of `data` (an array, or an iterable of batches)
        over the non-kept axes."""
        if isinstance(data, (list, tuple)) and data and not np.isscalar(data[0]) and \
                np.ndim(data[0]) >= 1 and not isinstance(data[0], (int, float)):
            batches = [np.asarray(b, "float64") for b in data]
            data = np.concatenate(batches, axis=0) if len(batches) > 1 else batches[0]
        data = np.asarray(data)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"Normalization.adapt expects numeric data, got dtype {data.dtype}")
        if not self.built:
            self.build(data.shape)
        else:
            for d in self._keep_axis:
                if data.shape[d] != self._build_input_shape[d]:
                    raise ValueError(f"The layer was built with input_shape="
                                     f"{self._build_input_shape}, but adapt() is being called "
                                     f"with data with an incompatible shape, "
                                     f"data.shape={data.shape}")
        if self.input_mean is not None:
            raise ValueError("Normalization was given `mean` and `variance`; adapt() cannot "
                             "change them")
        self.adapt_mean.assign(np.mean(data, axis=self._reduce_axis).astype("float32"))
        self.adapt_variance.assign(np.var(data, axis=self._reduce_axis).astype("float32"))

    def call(self, inputs):
        inputs = ops.cast(inputs, "float32")
        if self.input_mean is None:
            mean = ops.reshape(self.adapt_mean, self._broadcast_shape)
            variance = ops.reshape(self.adapt_variance, self._broadcast_shape)
        else:
            mean, variance = self._fixed
        std = ops.maximum(ops.sqrt(variance), np.float32(_EPSILON))
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, std))
        return ops.divide(ops.subtract(inputs, mean), std)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, invert=self.invert,
                      mean=np.array(self.input_mean).tolist(),
                      variance=np.array(self.input_variance).tolist())
        return config
