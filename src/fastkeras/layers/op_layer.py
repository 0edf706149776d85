"""OpLayer: what a `keras.ops` call on KerasTensors becomes in a functional model (like
Keras's symbolic op calls): a weightless layer that re-applies the op when traced."""

from __future__ import annotations

from ..ops.symbolic import set_symbolic_handler
from .keras_tensor import KerasTensor
from .layer import Layer


def _replace(obj, values):
    if isinstance(obj, KerasTensor):
        return next(values)
    if isinstance(obj, (list, tuple)):
        return type(obj)(_replace(o, values) for o in obj)
    if isinstance(obj, dict):
        return {k: _replace(v, values) for k, v in obj.items()}
    return obj


def _collect(obj, out):
    if isinstance(obj, KerasTensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _collect(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _collect(o, out)
    return out


def has_keras_tensor(args, kwargs) -> bool:
    return bool(_collect(list(args) + list(kwargs.values()), []))


class OpLayer(Layer):
    def __init__(self, fn, args, kwargs):
        super().__init__(name=None)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.built = True

    def apply(self):
        return self(_collect([self.args, self.kwargs], []))

    def call(self, inputs):
        values = iter(inputs)
        args, kwargs = _replace([self.args, self.kwargs], values)
        return self.fn(*args, **kwargs)


# keras.ops calls on KerasTensors become OpLayers (ops/symbolic.py asks this module).
set_symbolic_handler(has_keras_tensor, lambda fn, args, kwargs: OpLayer(fn, args, kwargs).apply())
