"""`Input()` and InputLayer: where a functional graph starts."""

from __future__ import annotations

from ..ops.core import standardize_dtype
from .keras_tensor import KerasTensor, LayerCall
from .layer import Layer


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        batch_shape = kwargs.pop("batch_shape", None)
        if batch_shape is not None and shape is None and input_shape is None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        super().__init__(name=name, **kwargs)
        self.dtype = standardize_dtype(dtype or "float32")  # what the data holds, any DTYPES
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs a `shape` argument, e.g. Input(shape=(5,))")
        if isinstance(shape, int):
            shape = (shape,)
        try:
            shape = tuple(None if d is None else int(d) for d in shape)
        except (TypeError, ValueError):
            raise ValueError(f"Input shape must be a tuple of ints, received: shape={shape!r}") from None
        if any(d is not None and d < 0 for d in shape):
            raise ValueError(f"Input shape dimensions must be non-negative, received: shape={shape}")
        self.batch_size = batch_size
        self._shape = shape
        self.built = True
        tensor = KerasTensor((batch_size,) + shape, self.dtype, name=self.name)
        call = LayerCall(self, [], {}, [tensor])
        tensor._history = (call, 0)
        self._calls.append(call)
        self.output_tensor = tensor

    @property
    def batch_shape(self):
        return (self.batch_size,) + self._shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, tensor=None):
    """A symbolic input of the given per-sample `shape` (batch dimension excluded)."""
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name)
    return layer.output_tensor
