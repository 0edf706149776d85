"""The host stage of a functional model: its lookup and hashing layers (layers/host_layer.py)
run in NumPy on the input arrays, once per fit/evaluate/predict call, before any compiled
step; the compiled plan starts at their outputs.

The stage is every call of a host layer, each fed from model inputs or from other host
calls (a chain). Its outputs, and the model inputs that other layers read directly, are the
*stage outputs*: the arrays the executors get, one placeholder each in the traced steps,
in the order the model's other layers first read them. A traced step hands the model those
placeholders as `StageValues`, so that the model's graph skips the host calls.

A host layer fed from a value computed inside the model, a string reaching a layer that is
not a host layer, and a model with a host stage nested in another model are refused when
the model is made."""

from __future__ import annotations

import numpy as np

from ..graph.primitive import DTYPES
from ..layers.host_layer import HostLayer, not_at_model_input
from ..layers.layer import _map_structure


class StageValues(list):
    """The placeholders of a traced step's data arrays: the host stage's outputs."""

    __slots__ = ()


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class HostStage:
    def __init__(self, fg):
        self.model_inputs = list(fg.inputs)
        on_host = {id(t) for t in fg.inputs}
        self.calls = []
        for call in fg.calls:
            if isinstance(call.layer, HostLayer):
                if any(id(t) not in on_host for t in call.inputs):
                    raise not_at_model_input(call.layer)
                self.calls.append(call)
                on_host.update(id(t) for t in call.outputs)
        self.call_ids = {id(call) for call in self.calls}
        self.compiled_calls = [call for call in fg.calls if id(call) not in self.call_ids]
        # What the compiled graph reads from the host: in first-use order, then outputs.
        self.outputs, seen = [], set()
        readers = [(call.layer, t) for call in self.compiled_calls for t in call.inputs]
        readers += [(None, t) for t in fg.outputs]
        for reader, t in readers:
            if id(t) in on_host and id(t) not in seen:
                seen.add(id(t))
                self.outputs.append(t)
                if t.dtype not in DTYPES:
                    raise ValueError(_string_message(t, reader))

    def run_call(self, call, env):
        """One host call on the values in `env` (arrays, or KerasTensors or spec-graph
        tensors while the model is traced for shapes); arrays come out in the dtypes of the
        call's KerasTensors (Keras's int64 one-hot vectors as the float32 it declares)."""
        args = _map_structure(lambda kt: env[id(kt)], call.structure)
        for kt, value in zip(call.outputs, _as_list(call.layer(args))):
            if isinstance(value, np.ndarray) and kt.dtype in DTYPES and value.dtype != kt.dtype:
                value = value.astype(kt.dtype)
            env[id(kt)] = value

    def apply(self, arrays):
        """The stage outputs for one array per model input (all rows at once)."""
        env = {id(t): a for t, a in zip(self.model_inputs, arrays)}
        for call in self.calls:
            self.run_call(call, env)
        return [np.ascontiguousarray(env[id(t)], dtype=t.dtype) for t in self.outputs]


def refuse_nested(calls):
    """A model with a host stage is not a layer of another model (its stage would have to
    run inside the outer model's compiled step)."""
    for call in calls:
        inner = getattr(call.layer, "_functional", None)
        if inner is not None and inner.host is not None:
            layer = call.layer
            raise NotImplementedError(
                f"Model {layer.name!r} runs lookup/hashing layers on its inputs; such a model "
                "cannot be used as a layer of another model yet in fastkeras. Apply those "
                "layers to the outer model's inputs instead.")


def _string_message(t, reader):
    where = (f"{type(reader).__name__} layer {reader.name!r} reads it directly" if reader
             is not None else "it is a model output")
    source = t._history[0].layer
    return (f"The tensor {t.name or source.name!r} (from {type(source).__name__} "
            f"{source.name!r}) holds strings, but {where}: only the lookup and hashing layers "
            "(StringLookup, Hashing, HashedCrossing) read strings; map them to numbers first "
            "(e.g. StringLookup(vocabulary=...)).")
