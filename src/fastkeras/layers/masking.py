"""Masking: marks the timesteps whose features all equal `mask_value` as padding.

The mask (batch, steps) is True where some feature differs from `mask_value`; the output
is the input with the masked steps set to 0 (Keras), and carries the mask to the layers
after it (layers/masks.py)."""

from __future__ import annotations

from .. import ops
from ..ops.core import dtype_of
from .layer import Layer
from .masks import set_keras_mask


class Masking(Layer):
    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config"):
            from ..saving.serialization_lib import deserialize_keras_object
            mask_value = deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1)

    def call(self, inputs):
        mask = self.compute_mask(inputs)
        outputs = ops.multiply(inputs, ops.expand_dims(ops.cast(mask, dtype_of(inputs)), -1))
        set_keras_mask(outputs, mask)  # computed once: __call__ finds it already there
        return outputs

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
