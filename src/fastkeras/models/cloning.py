"""`keras.models.clone_model` (keras/src/models/cloning.py): the same structure with new
layers (same configs, freshly initialized weights), or what `clone_function` and
`call_function` make of each layer and call."""

from __future__ import annotations

from ..layers.input_layer import Input, InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.op_layer import OpLayer
from ..saving import serialization_lib
from . import kinds
from .functional_config import is_functional, map_tensors


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A copy of a Sequential or functional `model` built from new layers (Keras 3's
    arguments and errors); any other model is rebuilt from its config."""
    Sequential = kinds.get("Sequential")
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if isinstance(model, Sequential):
        wrapped = _wrap_clone_function(clone_function, call_function, recursive, cache)
        if call_function is not None:
            raise ValueError(
                "`call_function` argument is not supported with Sequential models.  In a "
                "Sequential model, layers aren't called at model-construction time (they're "
                "merely listed). Use `call_function` with Functional models only. Received "
                f"model of type '{type(model).__name__}', with call_function={wrapped}")
        return _clone_sequential(model, wrapped, input_tensors)
    if is_functional(model):
        wrapped = _wrap_clone_function(clone_function, call_function, recursive, cache)
        if getattr(type(model).get_config, "_default_config", False) or (
                clone_function or input_tensors):
            return _clone_functional(model, wrapped, input_tensors, call_function)
    if clone_function or input_tensors:
        raise ValueError(
            "Arguments `clone_function` and `input_tensors` are only supported for Sequential "
            "models or Functional models. Received model of type "
            f"'{type(model).__name__}', with clone_function={clone_function} and "
            f"input_tensors={input_tensors}")
    if call_function is not None:
        raise ValueError(
            "Argument `call_function` is only supported for Functional models. Received "
            f"model of type '{type(model).__name__}', with call_function={clone_function}")
    config = serialization_lib.serialize_keras_object(model)
    return serialization_lib.deserialize_keras_object(
        config, custom_objects={type(model).__name__: type(model)})


def _default_clone(layer):
    if isinstance(layer, OpLayer):  # an op: the same function, applied to the new tensors
        clone = OpLayer(layer.fn, layer.args, layer.kwargs)
        clone.name = layer.name  # as Keras's `from_config(get_config())` of an op
        return clone
    return layer.__class__.from_config(layer.get_config())


def _wrap_clone_function(clone_function, call_function=None, recursive=False, cache=None):
    """Each layer cloned once (a shared layer stays shared); inner models cloned with
    clone_model() when `recursive`."""
    Sequential = kinds.get("Sequential")
    clone_function = clone_function or _default_clone
    cache = {} if cache is None else cache

    def wrapped(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True,
                                cache=cache)
        elif recursive and is_functional(layer):
            clone = clone_model(layer, clone_function=clone_function,
                                call_function=call_function, recursive=True, cache=cache)
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone

    return wrapped


def _from_input(tensor, what):
    if not (isinstance(tensor, KerasTensor) and tensor._history is not None
            and isinstance(tensor._history[0].layer, InputLayer)):
        raise ValueError(f"Argument `{what}` must be KerasTensors made by `keras.Input()` "
                         f"(fastkeras starts models at Inputs). Received: {tensor!r}")
    return tensor


def _clone_sequential(model, clone_function, input_tensors=None):
    Sequential = kinds.get("Sequential")
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    new_layers = [clone_function(layer) for layer in model.layers]
    ref = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError("Argument `input_tensors` must contain a single tensor.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError("Argument `input_tensors` must be a KerasTensor. Received "
                             f"invalid value: input_tensors={input_tensors}")
        new_layers = [_from_input(input_tensors, "input_tensors")] + new_layers
    elif ref is not None:
        new_layers = [Input(batch_shape=ref.batch_shape, dtype=ref.dtype,
                            name=ref.name)] + new_layers
    clone = Sequential(new_layers, name=model.name, trainable=model.trainable)
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


def _flat(struct):
    if isinstance(struct, dict):
        return [t for k in sorted(struct) for t in _flat(struct[k])]
    if isinstance(struct, (list, tuple)):
        return [t for item in struct for t in _flat(item)]
    return [struct]


def _clone_functional(model, clone_function, input_tensors=None, call_function=None):
    Functional = kinds.get("Functional")
    if not callable(clone_function):
        raise ValueError("Expected `clone_function` argument to be a callable. "
                         f"Received: clone_function={clone_function}")
    fg = model._functional
    if input_tensors is not None:
        if not all(isinstance(x, KerasTensor) for x in _flat(input_tensors)):
            raise ValueError("All entries in `input_tensors` must be KerasTensors. Received "
                             f"invalid values: inputs_tensors={input_tensors}")
        if not _same_structure(input_tensors, fg.inputs_struct):
            raise ValueError("`input_tensors` must have the same structure as model.input"
                             f"\nReference structure: {fg.inputs_struct}"
                             f"\nReceived structure: {input_tensors}")
        for t in _flat(input_tensors):
            _from_input(t, "input_tensors")
    else:
        input_tensors = map_tensors(lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name),
                             fg.inputs_struct)
    new = {id(old): t for old, t in zip(fg.inputs, _flat(input_tensors))}
    for call in fg.calls:
        layer = clone_function(call.layer)
        args = map_tensors(lambda t: new[id(t)], [call.structure, *call.args])
        kwargs = map_tensors(lambda t: new[id(t)], dict(call.kwargs))
        out = call_function(layer, *args, **kwargs) if call_function is not None \
            else layer(*args, **kwargs)
        new.update((id(old), t) for old, t in zip(call.outputs, _flat(out)))
    outputs = map_tensors(lambda t: new[id(t)], fg.outputs_struct)
    cls = type(model) if kinds.functional_like_constructor(type(model)) else Functional
    clone = cls(input_tensors, outputs, name=model.name)
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


def _same_structure(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and set(a) == set(b) and all(
            _same_structure(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(
            _same_structure(x, y) for x, y in zip(a, b))
    return not isinstance(a, (list, tuple, dict))
