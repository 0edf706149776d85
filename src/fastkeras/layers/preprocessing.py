"""Numeric preprocessing layers: Rescaling and Normalization (with adapt())."""

from __future__ import annotations

import numpy as np

from .. import ops
from .layer import Layer

_EPSILON = 1e-7  # Keras's backend epsilon: the least standard deviation divided by


class Rescaling(Layer):
    """inputs * scale + offset."""
    supports_masking = True  # Keras: a mask passes through unchanged

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
    supports_masking = True  # Keras: a mask passes through unchanged

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


_ENCODINGS = ("int", "one_hot", "multi_hot", "count")


def _encode(ids, output_mode, depth):
    """Keras's encode_categorical_inputs: int ids as they are, or one/multi-hot or counts
    over `depth` classes (float32)."""
    if output_mode == "int":
        return ops.cast(ids, "int32")
    shape = ops.shape(ids)
    if not shape:
        ids = ops.expand_dims(ids, -1)
        shape = (1,)
    if output_mode == "multi_hot":
        return ops.multi_hot(ids, depth)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            ids = ops.reshape(ids, shape[:-1])
        return ops.one_hot(ids, depth)
    return ops.sum(ops.one_hot(ids, depth), axis=1 if len(shape) > 1 else 0)  # count


class CategoryEncoding(Layer):
    """Integer ids -> one-hot, multi-hot or count vectors over `num_tokens` classes."""

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise NotImplementedError("CategoryEncoding(sparse=True): fastkeras has no sparse "
                                      "tensors")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, sparse
        self.built = True

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            raise NotImplementedError("CategoryEncoding(count_weights=...) is not supported "
                                      "yet by fastkeras")
        return _encode(inputs, self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update(num_tokens=self.num_tokens, output_mode=self.output_mode,
                      sparse=self.sparse)
        return config


class Discretization(Layer):
    """Bins numbers by `bin_boundaries` (bin i holds boundaries[i-1] <= x < boundaries[i]),
    or boundaries from adapt(): the `num_bins`-quantiles of the data (exact quantiles;
    Keras's are approximate within `epsilon`)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if output_mode not in _ENCODINGS:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of "
                             f"{list(_ENCODINGS)}. Received: output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("Discretization(sparse=True): fastkeras has no sparse "
                                      "tensors")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, sparse
        self.built = True

    def adapt(self, data, steps=None):
        data = np.asarray(data, dtype="float64").reshape(-1)
        quantiles = np.linspace(0, 1, self.num_bins + 1)[1:-1]
        self.bin_boundaries = [float(b) for b in np.quantile(data, quantiles)]

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can start "
                             "using the `Discretization` layer.")
        ids = ops.digitize(inputs, self.bin_boundaries)
        return _encode(ids, self.output_mode, len(self.bin_boundaries) + 1)

    def get_config(self):
        config = super().get_config()
        config.update(bin_boundaries=self.bin_boundaries, num_bins=self.num_bins,
                      epsilon=self.epsilon, output_mode=self.output_mode, sparse=self.sparse)
        config.pop("trainable", None)
        return config
