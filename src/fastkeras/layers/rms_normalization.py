"""RMSNormalization: x * rsqrt(mean(x**2 over `axis`) + epsilon) * scale, each sample alone
(Keras 3's layer over its ops.rms_normalization)."""

from __future__ import annotations

from .. import ops
from .layer import Layer


def check_axes(axis, input_shape):
    """Keras's ValueError for an axis (an int or a list) outside the input's rank (also
    GroupNormalization's compute_output_shape)."""
    rank = len(input_shape)
    for a in (axis if isinstance(axis, (list, tuple)) else [axis]):
        if not -rank <= a < rank:
            raise ValueError(f"Axis {a} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={axis}")


class RMSNormalization(Layer):
    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        check_axes(self.axis, input_shape)
        # Keras keeps the axes as a sorted list once built (so in the built layer's config).
        self.axis = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(shape, "ones", name="scale")
        self.built = True

    def call(self, inputs):
        # `scale` broadcasts against the trailing axes, as in Keras (whatever `axis` is).
        return ops.rms_normalization(inputs, self.scale, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        check_axes(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(axis=self.axis, epsilon=self.epsilon)
        return config
