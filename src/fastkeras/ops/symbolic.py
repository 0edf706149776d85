"""Lets every public op accept KerasTensors (functional API): such a call becomes an
OpLayer in the model instead of running."""

from __future__ import annotations

import functools


def symbolic_dispatch(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from ..layers.op_layer import OpLayer, has_keras_tensor  # layers import ops
        if has_keras_tensor(args, kwargs):
            return OpLayer(fn, args, kwargs).apply()
        return fn(*args, **kwargs)
    return wrapper
