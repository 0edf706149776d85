"""Activation layers with arguments or weights: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from __future__ import annotations

import numpy as np

from .. import activations, constraints, initializers, ops, regularizers
from ..ops.core import dtype_of
from .layer import Layer


class ReLU(Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. "
                             f"Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be None or a negative "
                             f"value. Received: negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be None or a negative value. "
                             f"Received: threshold={threshold}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update(max_value=self.max_value, negative_slope=self.negative_slope,
                      threshold=self.threshold)
        return config


class LeakyReLU(Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"The negative_slope value of a Leaky ReLU layer cannot be None "
                             f"or negative, Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.built = True

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class PReLU(Layer):
    """max(x, 0) - alpha * relu(-x), alpha learned per element of the sample (or shared
    along `shared_axes`)."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, (list, tuple)):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else list(shared_axes)

    def build(self, input_shape):
        param_shape = list(input_shape[1:])
        for i in self.shared_axes or []:
            param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name!r}: every non-shared input axis must be known, "
                             f"got input shape {input_shape}")
        self.alpha = self.add_weight(param_shape, self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        pos = ops.relu(inputs)
        return ops.subtract(pos, ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def get_config(self):
        config = super().get_config()
        config.update(alpha_initializer=initializers.serialize(self.alpha_initializer),
                      alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                      alpha_constraint=constraints.serialize(self.alpha_constraint),
                      shared_axes=self.shared_axes)
        return config


class ELU(Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.built = True

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class Softmax(Layer):
    """softmax over `axis`; where `mask` is False (or <= 0.5) the input counts as -1e9 and
    the output is 0 (Keras)."""
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.built = True

    def call(self, inputs, mask=None):
        keep = None
        if mask is not None:
            mask = ops.convert_to_tensor(mask)
            if dtype_of(mask) != "bool":
                mask = ops.greater(mask, 0.5)
            keep = ops.cast(mask, "float32")
            inputs = ops.add(ops.multiply(inputs, keep),
                             ops.multiply(ops.subtract(1.0, keep), np.float32(-1e9)))
        axes = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        if isinstance(axes, tuple) and len(axes) == 1:
            axes = axes[0]
        if isinstance(axes, tuple):
            raise NotImplementedError("Softmax over several axes is not supported yet by "
                                      "fastkeras")
        out = ops.softmax(inputs, axis=axes)
        return out if keep is None else ops.multiply(out, keep)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
