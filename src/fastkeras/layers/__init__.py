"""Keras layers."""

from .activation import Activation
from .dense import Dense
from .input_layer import Input, InputLayer
from .keras_tensor import KerasTensor
from .layer import Layer

__all__ = ["Activation", "Dense", "Input", "InputLayer", "KerasTensor", "Layer"]
