"""Lets every public op accept KerasTensors (functional API): such a call becomes a layer of
the model instead of running. The layers package registers the handler that recognises
KerasTensors and makes that layer (layers/op_layer.py): ops never import layers."""

from __future__ import annotations

import functools

# (applies(args, kwargs) -> bool, call(fn, args, kwargs) -> KerasTensors), or None.
_handler = None


def set_symbolic_handler(applies, call):
    global _handler
    _handler = (applies, call)


def symbolic_dispatch(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        handler = _handler
        if handler is not None and handler[0](args, kwargs):
            return handler[1](fn, args, kwargs)
        return fn(*args, **kwargs)
    return wrapper
