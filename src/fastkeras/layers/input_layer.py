"""`Input()` and InputLayer: where a functional graph starts."""

from __future__ import annotations

import numpy as np

from ..ops.core import standardize_dtype
from .keras_tensor import KerasTensor, LayerCall
from .layer import Layer


def input_dtype(dtype):
    """What an Input holds: a graph dtype, or "string" (read by the lookup and hashing
    layers on the host, models/host_stage.py)."""
    if dtype in ("string", "str", str, bytes, np.str_, np.bytes_) or \
            getattr(dtype, "name", None) == "string":  # tf.string too
        return "string"
    return standardize_dtype(dtype or "float32")


def _refuse(sparse, ragged, optional):
    for arg, value in (("sparse", sparse), ("ragged", ragged), ("optional", optional)):
        if value:
            raise NotImplementedError(f"Input({arg}=True) is not supported yet by fastkeras")


class InputLayer(Layer):
    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        _refuse(sparse, ragged, optional)
        if input_tensor is not None:
            raise NotImplementedError("InputLayer(input_tensor=...) is not supported yet by "
                                      "fastkeras; pass the tensor's Input itself")
        input_shape = kwargs.pop("input_shape", None)
        batch_shape = kwargs.pop("batch_input_shape", batch_shape)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_size is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `batch_size` and `batch_shape` at the same "
                             "time.")
        if batch_shape is not None and shape is None and input_shape is None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        super().__init__(name=name, **kwargs)
        self.dtype = input_dtype(dtype)  # what the data holds: any DTYPES, or "string"
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
        return {"batch_shape": self.batch_shape, "dtype": self.dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input of the given per-sample `shape` (batch dimension excluded)."""
    _refuse(sparse, ragged, optional)
    if tensor is not None:
        raise NotImplementedError("Input(tensor=...) is not supported yet by fastkeras")
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape)
    return layer.output_tensor
