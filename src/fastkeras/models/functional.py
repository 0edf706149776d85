"""The layer graph of a functional model: which layer calls lead from the inputs to the
outputs, in an order that can be replayed on graph tensors; and how values given as a
list or a dict map onto the model's inputs and outputs (Keras 3's rules).

Inputs and outputs are kept flat, a dict's entries in sorted key order (Keras's
`tree.flatten`). Inputs given as a dict are matched by key: the model's dict keys, or the
Input names for a model built from a list."""

from __future__ import annotations

import warnings

import numpy as np

from ..layers.host_layer import HostLayer
from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import _map_structure
from .host_stage import HostStage, StageValues, refuse_nested


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _flat(struct):
    """(flat list, sorted dict keys or None, given dict key order or None)."""
    if isinstance(struct, dict):
        keys = sorted(struct)
        return [struct[k] for k in keys], keys, list(struct)
    return _as_list(struct), None, None


def _describe(value):
    shape = f" of shape {np.shape(value)}" if hasattr(value, "shape") else ""
    return f"{type(value).__name__}{shape}"


def _full_batch(value, ndim):
    """True for one array (or tensor) of samples of rank `ndim`: [x] is then x itself."""
    return hasattr(value, "shape") and len(value.shape) == ndim


class FunctionalGraph:
    def __init__(self, inputs, outputs):
        # As given (Keras's `_inputs_struct`/`_outputs_struct`): what the config writes.
        self.inputs_struct, self.outputs_struct = inputs, outputs
        self.inputs, self.input_keys, self._given_input_keys = _flat(inputs)
        self.outputs, self.output_keys, _ = _flat(outputs)
        # A list of one is one input or output, as in Keras (unpacked); a dict stays a dict.
        self.single_input = self.input_keys is None and len(self.inputs) == 1
        self.single_output = self.output_keys is None and len(self.outputs) == 1
        for name, group in (("inputs", self.inputs), ("outputs", self.outputs)):
            for t in group:
                if not isinstance(t, KerasTensor):
                    raise ValueError(f"All `{name}` of a functional Model must be symbolic "
                                     f"tensors (from keras.Input or a layer call); received "
                                     f"{type(t).__name__}: {t!r}")
        for t in self.inputs:
            call = t._history[0] if t._history else None
            if call is None or not isinstance(call.layer, InputLayer):
                raise ValueError(f"Model inputs must come from `keras.Input()`; received {t!r}")
        for key, t in zip(self.input_keys or (), self.inputs):
            if key != t.name:
                warnings.warn(f"When providing `inputs` as a dict, all keys in the dict must "
                              f"match the names of the corresponding tensors. Received key "
                              f"'{key}' mapping to value {t} which has name '{t.name}'. Change "
                              f"the tensor name to '{key}' (via `Input(..., name='{key}')`)",
                              stacklevel=3)
        self.calls = self._topological_calls()
        # Lookup/hashing layers run in NumPy before the compiled step (models/host_stage.py).
        refuse_nested(self.calls)
        self.host = HostStage(self) if any(isinstance(c.layer, HostLayer) for c in self.calls) \
            or any(t.dtype == "string" for t in self.inputs) else None

    # ---- names ---------------------------------------------------------------------------
    @property
    def input_names(self):
        """How a dict of input data is matched: the model's dict keys, else Input names."""
        return self.input_keys or [t.name for t in self.inputs]

    @property
    def output_layer_names(self):
        return [t._history[0].layer.name for t in self.outputs]

    @property
    def output_names(self):
        """Keras's names for losses, metrics and dicts of targets: the model's dict keys,
        else the names of the layers that produce the outputs."""
        return self.output_keys or self.output_layer_names

    # ---- structure -----------------------------------------------------------------------
    def flat_inputs(self, values, name="x", flat_order=False):
        """`values` (one value, a list/tuple in the inputs' order or a dict keyed by
        `input_names`) as a list with one entry per input. A list for a dict-input model
        whose keys are not sorted is refused (as Keras), unless `flat_order` says it is
        already in the flat (sorted key) order."""
        names = self.input_names
        if isinstance(values, dict):
            missing = [k for k in names if k not in values]
            if missing:
                raise ValueError(f'Missing data for input "{missing[0]}". You passed a data '
                                 f"dictionary with keys {list(values)}. Expected the following "
                                 f"keys: {names}")
            extra = [k for k in values if k not in names]
            if extra:
                warnings.warn(f"`{name}` has keys {extra} that match no model input; they are "
                              f"ignored (the model's inputs: {names})", stacklevel=4)
            return [values[k] for k in names]
        if isinstance(values, (list, tuple)):
            if self.single_input:
                if len(values) == 1 and _full_batch(values[0], len(self.inputs[0].shape)):
                    return [values[0]]
                return [values]  # a list of samples
            if len(values) != len(self.inputs):
                raise ValueError(f"The model expects {len(self.inputs)} inputs {names}, but "
                                 f"`{name}` is a {type(values).__name__} of {len(values)} "
                                 "values. Pass one array per input, or a dict keyed by input "
                                 "name.")
            if self.input_keys is not None and self._given_input_keys != self.input_keys \
                    and not flat_order:
                raise ValueError(f"The model's inputs are a dict {self._given_input_keys}; a "
                                 f"{type(values).__name__} for `{name}` would be matched in "
                                 f"sorted key order {self.input_keys}. Pass a dict keyed by "
                                 "input name.")
            return list(values)
        if len(self.inputs) == 1:
            return [values]
        raise ValueError(f"The model has {len(self.inputs)} inputs {names}: pass `{name}` as a "
                         f"list of {len(self.inputs)} arrays or a dict keyed by input name; "
                         f"received one {_describe(values)}")

    def flat_outputs(self, values, name="y"):
        """Targets (or predictions) given as one value, a list/tuple in the outputs' order or
        a dict keyed by `output_names`, as a list with one entry per output."""
        names = self.output_names
        n = len(self.outputs)
        if isinstance(values, dict):
            unknown = [k for k in values if k not in names]
            if unknown:
                raise ValueError(f"`{name}` has key {unknown[0]!r}, which matches no model "
                                 f"output; the outputs are {names}")
            missing = [k for k in names if k not in values]
            if missing:
                raise ValueError(f"`{name}` has no entry for output {missing[0]!r}; it has keys "
                                 f"{list(values)} and the outputs are {names}")
            return [values[k] for k in names]
        if isinstance(values, (list, tuple)):
            if n == 1 and not (len(values) == 1 and hasattr(values[0], "shape")):
                return [values]  # a list of samples
            if len(values) != n:
                raise ValueError(f"The model has {n} outputs {names}, but `{name}` is a "
                                 f"{type(values).__name__} of {len(values)} values. Pass one "
                                 "array per output, or a dict keyed by output name.")
            return list(values)
        if n == 1:
            return [values]
        raise ValueError(f"The model has {n} outputs {names}: pass `{name}` as a list of {n} "
                         f"arrays or a dict keyed by output name; received one "
                         f"{_describe(values)}")

    def pack_inputs(self, flat):
        if self.input_keys is not None:
            return dict(zip(self.input_keys, flat))
        return flat[0] if self.single_input else list(flat)

    def pack_step_inputs(self, flat):
        """What a traced step gives the model for its data placeholders: the model's inputs,
        or, with a host stage, that stage's outputs (`run` then skips the host calls)."""
        return StageValues(flat) if self.host is not None else self.pack_inputs(flat)

    @property
    def compiled_inputs(self):
        """The tensors the compiled steps start from, in the order of their data arrays."""
        return self.host.outputs if self.host is not None else self.inputs

    def pack_outputs(self, flat):
        if self.output_keys is not None:
            return dict(zip(self.output_keys, flat))
        return flat[0] if self.single_output else list(flat)

    # ---- graph ---------------------------------------------------------------------------
    def _topological_calls(self):
        order, seen = [], set()
        input_ids = {id(t) for t in self.inputs}

        def visit(t):
            call, _ = t._history
            if id(call) in seen:
                return
            seen.add(id(call))
            if isinstance(call.layer, InputLayer):
                if id(t) not in input_ids:
                    raise ValueError(f"Graph disconnected: cannot obtain a value for tensor {t} "
                                     f"(from input layer {call.layer.name!r}); it is not in the "
                                     "model's `inputs`.")
                return
            for x in call.inputs + call.kwarg_tensors():  # a mask= too
                visit(x)
            order.append(call)

        for t in self.outputs:
            visit(t)
        return order

    @property
    def layers(self):
        """The layers in Keras's order (`ops.function.map_graph`): by decreasing depth (the
        longest path to an output), ties by first visit in a depth-first walk from the
        outputs, so that get_weights()/set_weights() lists match Keras's for any graph."""
        first_seen, post_order, done = {}, [], set()

        def visit(t):
            call = t._history[0]
            if id(call) in done:
                return
            first_seen.setdefault(id(call.layer), (len(first_seen), call.layer))
            if not isinstance(call.layer, InputLayer):
                for x in call.inputs + call.kwarg_tensors():
                    visit(x)
            done.add(id(call))
            post_order.append(call)

        for t in self.outputs:
            visit(t)
        call_depth, layer_depth = {}, {}
        for call in reversed(post_order):
            depth = max(call_depth.setdefault(id(call), 0), layer_depth.get(id(call.layer), 0))
            layer_depth[id(call.layer)] = call_depth[id(call)] = depth
            if not isinstance(call.layer, InputLayer):
                for x in call.inputs + call.kwarg_tensors():
                    parent = id(x._history[0])
                    call_depth[parent] = max(depth + 1, call_depth.get(parent, 0))
        for t in self.inputs:  # inputs no output uses
            layer = t._history[0].layer
            if id(layer) not in layer_depth:
                layer_depth[id(layer)] = 0
                first_seen[id(layer)] = (-1, layer)
        order = sorted(first_seen.values(), key=lambda e: (-layer_depth[id(e[1])], e[0]))
        return [layer for _, layer in order]

    def run(self, values, training=None):
        calls = self.calls
        if isinstance(values, StageValues):  # a traced step: the host stage has run
            env = {id(kt): v for kt, v in zip(self.host.outputs, values)}
            calls = self.host.compiled_calls
        else:
            flat = [values] if self.single_input and not isinstance(values, (list, tuple, dict)) \
                else self.flat_inputs(values, flat_order=True)
            env = {id(kt): v for kt, v in zip(self.inputs, flat)}
        for call in calls:
            if self.host is not None and id(call) in self.host.call_ids:
                self.host.run_call(call, env)
                continue
            args = _map_structure(lambda kt: env[id(kt)], call.structure)
            kwargs = {k: _map_structure(lambda v: env[id(v)] if isinstance(v, KerasTensor)
                                        else v, v) for k, v in call.kwargs.items()}
            if training is not None or "training" not in kwargs:
                # Keras: the model's training flag, when given, overrides the call's own.
                kwargs["training"] = training
            result = call.layer(args, *call.args, **kwargs)
            for kt, v in zip(call.outputs, _as_list(result)):
                env[id(kt)] = v
        return self.pack_outputs([env[id(t)] for t in self.outputs])
