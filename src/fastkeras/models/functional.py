"""The layer graph of a functional model: which layer calls lead from the inputs to the
outputs, in an order that can be replayed on graph tensors."""

from __future__ import annotations

from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.layer import _map_structure


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class FunctionalGraph:
    def __init__(self, inputs, outputs):
        self.inputs = _as_list(inputs)
        self.outputs = _as_list(outputs)
        self.single_output = not isinstance(outputs, (list, tuple))
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
        self.calls = self._topological_calls()

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
            for x in call.inputs:
                visit(x)
            order.append(call)

        for t in self.outputs:
            visit(t)
        return order

    @property
    def layers(self):
        out = [t._history[0].layer for t in self.inputs]
        for call in self.calls:
            if call.layer not in out:
                out.append(call.layer)
        return out

    def run(self, values, training=None):
        env = {id(kt): v for kt, v in zip(self.inputs, _as_list(values))}
        for call in self.calls:
            args = _map_structure(lambda kt: env[id(kt)], call.structure)
            kwargs = dict(call.kwargs)
            kwargs.setdefault("training", training)
            result = call.layer(args, **kwargs)
            for kt, v in zip(call.outputs, _as_list(result)):
                env[id(kt)] = v
        outs = [env[id(t)] for t in self.outputs]
        return outs[0] if self.single_output else outs
