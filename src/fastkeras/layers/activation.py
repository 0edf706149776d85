"""Activation layer: applies an activation function."""

from .. import activations
from .layer import Layer


class Activation(Layer):
    supports_masking = True  # Keras: a mask passes through unchanged

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
