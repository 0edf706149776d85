"""Keras masks: which timesteps of a sequence are real (True) and which are padding.

A mask rides on the tensor it describes (Keras's `_keras_mask`): a KerasTensor holds it as
an attribute; a graph Tensor (its class has __slots__) in a table of its graph's notes, so
it lives as long as the traced graph; an eager array in a table keyed by its identity that
a weakref finaliser empties. Masks are plain bool tensors, so inside a compiled step they
are ordinary nodes of the graph.

Layer.__call__ applies Keras 3's rules (keras/src/layers/layer.py `__call__`) through
`mask_arguments` (a call() taking `mask` gets the mask of its only tensor argument, or
`<name>_mask` for each of several) and `attach_output_masks` (a layer that supports masking
puts `compute_mask(inputs, previous_mask)` on its outputs; one that does not drops an
incoming mask with Keras's warning)."""

from __future__ import annotations

import functools
import inspect
import warnings
import weakref

import numpy as np

from ..graph import Tensor, Variable
from .keras_tensor import KerasTensor

_eager_masks: dict = {}  # id(array) -> mask, for eager arrays


def _forget(key):
    _eager_masks.pop(key, None)


def get_keras_mask(x):
    """The mask attached to `x`, or None."""
    if isinstance(x, KerasTensor):
        return x._keras_mask
    if isinstance(x, Tensor):
        entry = x.graph.notes.get("keras_masks", {}).get(id(x))
        return entry[1] if entry is not None and entry[0] is x else None
    return _eager_masks.get(id(x)) if isinstance(x, np.ndarray) else None


def set_keras_mask(x, mask):
    """Attaches `mask` to `x` (None removes it)."""
    if isinstance(x, KerasTensor):
        x._keras_mask = mask
    elif isinstance(x, Tensor):
        table = x.graph.notes.setdefault("keras_masks", {})
        if mask is None:
            table.pop(id(x), None)
        else:
            table[id(x)] = (x, mask)  # x held: its id stays its own while the graph lives
    elif isinstance(x, np.ndarray):
        if mask is None:
            _eager_masks.pop(id(x), None)
        elif id(x) not in _eager_masks:
            _eager_masks[id(x)] = mask
            weakref.finalize(x, _forget, id(x))
        else:
            _eager_masks[id(x)] = mask


def _is_tensor(x):
    return isinstance(x, (KerasTensor, Tensor, Variable, np.ndarray))


def _holds_tensors(x):
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_holds_tensors(i) for i in x)
    return _is_tensor(x)


def _structure_mask(x):
    """The masks of a tensor or a list/tuple of them in that structure; None when none has
    one."""
    if isinstance(x, (list, tuple)):
        masks = [_structure_mask(i) for i in x]
        return type(x)(masks) if any(m is not None for m in masks) else None
    return get_keras_mask(x)


@functools.lru_cache(maxsize=None)
def _call_parameters(layer_type):
    """call()'s parameter names after `self` (the first is the inputs)."""
    return tuple(inspect.signature(layer_type.call).parameters)[1:]


def mask_arguments(layer, inputs, args, kwargs):
    """kwargs with Keras's automatic mask arguments filled in, and the `previous_mask`
    the layer's compute_mask() gets (the explicit mask, else the first input's)."""
    params = _call_parameters(type(layer))
    tensor_args = {params[0] if params else "inputs": inputs}
    tensor_args.update((name, value) for name, value in zip(params[1:], args)
                       if _holds_tensors(value))
    tensor_args.update((name, value) for name, value in kwargs.items()
                       if name != "mask" and _holds_tensors(value))
    if len(tensor_args) == 1:
        if "mask" in params and kwargs.get("mask") is None:
            mask = _structure_mask(inputs)
            if mask is not None:
                kwargs = {**kwargs, "mask": mask}
    else:
        for name, value in tensor_args.items():
            if f"{name}_mask" in params and kwargs.get(f"{name}_mask") is None:
                mask = _structure_mask(value)
                if mask is not None:
                    kwargs = {**kwargs, f"{name}_mask": mask}
    previous = kwargs.get("mask")
    return kwargs, previous if previous is not None else _structure_mask(inputs)


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flat(item)]
    return [x]


def attach_output_masks(layer, inputs, outputs, previous_mask):
    """After a call: the outputs get compute_mask()'s masks when the layer supports
    masking (unless each has one already); otherwise an incoming mask is dropped, with
    Keras's warning."""
    if layer.supports_masking:
        flat_out = _flat(outputs)
        if all(get_keras_mask(t) is not None for t in flat_out):
            return
        masks = layer.compute_mask(inputs, previous_mask)
        if masks is None:
            return
        for tensor, mask in zip(flat_out, _flat(masks)):
            if mask is not None and get_keras_mask(tensor) is None:
                set_keras_mask(tensor, mask)
    elif any(m is not None for m in _flat(previous_mask)):
        warnings.warn(f"Layer '{layer.name}' (of type {type(layer).__name__}) was passed an "
                      "input with a mask attached to it. However, this layer does not support "
                      "masking and will therefore destroy the mask information. Downstream "
                      "layers will not see the mask.", stacklevel=4)
