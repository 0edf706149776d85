"""GroupNormalization: the channels of `axis` split into `groups`; each sample's group is
normalised over its channels and every other non-batch axis, then scaled and shifted per
channel (Keras 3's layer; groups=-1 is instance normalization, groups=1 close to layer
normalization over all the non-batch axes)."""

from __future__ import annotations

from .. import ops
from .input_spec import InputSpec
from .layer import Layer
from .normalization import _Affine
from .rms_normalization import check_axes


def _along(weight, axis, rank):
    """A per-channel weight shaped to broadcast along `axis` of a rank-`rank` tensor."""
    if axis == rank - 1:
        return weight
    shape = [1] * rank
    shape[axis] = weight.shape[0]
    return ops.reshape(weight, shape)


class GroupNormalization(_Affine, Layer):
    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        super().__init__(**kwargs)
        self.supports_masking = True  # Keras: a mask passes through unchanged
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center, self.scale = center, scale
        self._affine_arguments(beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             "dimension but the layer received an input with shape "
                             f"{tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels  # Keras: the built layer's config says how many
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({channels}).")
        if channels % self.groups:
            # (Keras's words, though the channels are the multiple of the groups.)
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({channels}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self._affine_weights((channels,), self.scale, self.center)
        self.built = True

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        rank = len(shape)
        axis = self.axis % rank
        grouped = shape[:axis] + (self.groups, shape[axis] // self.groups) + shape[axis + 1:]
        # Each (sample, group) normalised over every grouped axis but the batch and groups.
        within = tuple(a for a in range(1, rank + 1) if a != axis)
        x = ops.reshape(inputs, grouped)
        x = ops.reshape(ops.layer_normalization(x, axis=within, epsilon=self.epsilon), shape)
        if self.gamma is not None:
            x = ops.multiply(x, _along(self.gamma, axis, rank))
        if self.beta is not None:
            x = ops.add(x, _along(self.beta, axis, rank))
        return x

    def compute_output_shape(self, input_shape):
        check_axes(self.axis, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                      center=self.center, scale=self.scale)
        config.update(self._affine_config())
        return config
