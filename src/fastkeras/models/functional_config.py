"""A functional model's config in Keras 3's format, written and read
(keras/src/models/functional.py: `Functional.get_config`, `serialize_node`,
`functional_from_config`, `deserialize_node`; `Model.from_config`).

The config lists the model's layers in graph order, each with its "inbound_nodes": one
entry per call of the layer that belongs to this model, {"args": [...], "kwargs": {...}},
where every input tensor is a `__keras_tensor__` naming the layer, the node (the
call's index among that layer's calls in this model) and the output index that made it.
"input_layers"/"output_layers" map the model's inputs/outputs (one tensor, a list or a
dict) to [layer name, node index, tensor index]; Keras counts a nested functional
model's nodes from 1 there (its own graph is node 0), and so do we."""

from __future__ import annotations

import inspect

from ..layers.input_layer import InputLayer
from ..layers.keras_tensor import KerasTensor
from ..layers.op_layer import OpLayer
from ..saving import serialization_lib
from . import kinds, op_nodes


def is_functional(layer):
    """A functional model (not Sequential, not subclassed): Keras's `Functional`."""
    return (isinstance(layer, kinds.get("Model")) and layer._functional is not None
            and not isinstance(layer, kinds.get("Sequential")))


def map_tensors(fn, struct):
    """fn applied to every KerasTensor of a nest of lists, tuples and dicts."""
    if isinstance(struct, KerasTensor):
        return fn(struct)
    if isinstance(struct, dict):
        return {k: map_tensors(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return type(struct)(map_tensors(fn, v) for v in struct)
    return struct


# ---- writing ------------------------------------------------------------------------------
def functional_get_config(model):
    fg = model._functional
    own = [t._history[0] for t in fg.inputs] + list(fg.calls)
    own_ids = {id(call) for call in own}
    node_index = {}  # id(call) -> its index among its layer's calls in this model
    for layer in {id(c.layer): c.layer for c in own}.values():
        kept = [c for c in layer._calls if id(c) in own_ids]
        node_index.update((id(c), i) for i, c in enumerate(kept))

    def history(t):
        call, index = t._history
        return [call.layer.name, node_index[id(call)], index]

    def tensor_ref(t):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": tuple(t.shape), "dtype": t.dtype,
                           "keras_history": history(t)}}

    layers = []
    for layer in fg.layers:
        if isinstance(layer, OpLayer):
            call = next(c for c in layer._calls if id(c) in own_ids)
            layers.append(op_nodes.op_layer_config(layer, call, lambda v: map_tensors(tensor_ref, v)))
            continue
        entry = serialization_lib.serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": serialization_lib.serialize_keras_object(
                map_tensors(tensor_ref, (call.structure, *call.args))),
             "kwargs": serialization_lib.serialize_keras_object(
                 map_tensors(tensor_ref, _recorded_kwargs(call)))}
            for call in layer._calls if id(call) in own_ids and call.inputs]
        layers.append(entry)

    def io_ref(t):
        name, node, index = history(t)
        return [name, node + (1 if is_functional(t._history[0].layer) else 0), index]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": map_tensors(io_ref, fg.inputs_struct),
            "output_layers": map_tensors(io_ref, fg.outputs_struct)}


def _recorded_kwargs(call):
    """The call's keyword arguments as Keras records them: `training` at the default of
    the layer's call() when that is not None, and `mask=None` for a layer whose call()
    takes a mask (a nested model's does) called on one tensor."""
    kwargs = dict(call.kwargs)
    params = inspect.signature(type(call.layer).call).parameters
    training = params.get("training")
    if "training" not in kwargs and training is not None and \
            training.default not in (None, inspect.Parameter.empty):
        kwargs["training"] = training.default
    takes_mask = "mask" in params or (isinstance(call.layer, kinds.get("Model")) and (
        is_functional(call.layer) or type(call.layer).__name__ == "Sequential"))
    if takes_mask and "mask" not in kwargs and len(call.inputs) == 1:
        kwargs["mask"] = None
    return kwargs


# ---- reading ------------------------------------------------------------------------------
class _NotReady(Exception):
    """A node's input comes from a node not rebuilt yet: try again on the next pass."""


def _model_classes():
    from .. import layers
    names = {k: v for k, v in vars(layers).items() if isinstance(v, type)}
    names.update(kinds.CLASSES)
    return names


def _make_layer(data, custom_objects):
    layer = serialization_lib.deserialize_keras_object(data, custom_objects,
                                                       module_objects=_model_classes())
    from ..layers.layer import Layer
    if not isinstance(layer, (Layer, op_nodes.KerasOp)):
        raise ValueError("Unexpected object from deserialization, expected a layer or "
                         f"operation, got a {type(layer)}")
    return layer


def _revive(value):
    """A node's serialized args/kwargs as objects (KerasTensors keep their history)."""
    if isinstance(value, dict):
        if value.get("class_name", "").startswith("__"):
            return serialization_lib.deserialize_keras_object(value)
        if "class_name" in value and "config" in value:
            return serialization_lib.deserialize_keras_object(value)
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_revive(v) for v in value]
    return value


def functional_from_config(cls, config, custom_objects=None):
    config = dict(config)
    layers_data = config.pop("layers")
    input_layers, output_layers = config.pop("input_layers"), config.pop("output_layers")
    name, trainable = config.pop("name", None), config.pop("trainable", None)
    created, pending, outputs = {}, {}, {}  # by layer name; outputs: flat list per node

    for data in layers_data:
        layer = _make_layer(data, custom_objects)
        created[data["name"]] = layer
        outputs[data["name"]] = [[layer.output_tensor]] if isinstance(layer, InputLayer) else []
        if data.get("inbound_nodes"):
            pending[data["name"]] = list(data["inbound_nodes"])

    def node_tensor(layer_name, node, index):
        if layer_name not in created:
            raise ValueError(f"Unknown layer: {layer_name}")
        made = outputs[layer_name]
        if node >= len(made):
            raise _NotReady(layer_name)
        return made[node][index]

    def node_arguments(node_data):
        if isinstance(node_data, list):  # Keras 2: [[layer, node, tensor(, kwargs)], ...]
            tensors = [node_tensor(*entry[:3]) for entry in node_data]
            kwargs = node_data[0][3] if node_data and len(node_data[0]) > 3 else {}
            return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)

        def link(value):
            history = getattr(value, "_pre_serialization_keras_history", None)
            return node_tensor(*history) if history is not None else value
        args = map_tensors(link, _revive(node_data.get("args", [])))
        kwargs = map_tensors(link, _revive(node_data.get("kwargs", {})))
        return args, kwargs

    while pending:
        progressed = False
        for data in layers_data:
            layer_name = data["name"]
            nodes = pending.get(layer_name)
            while nodes:
                try:
                    args, kwargs = node_arguments(nodes[0])
                except _NotReady:
                    break
                if kwargs.get("mask", None) is None:
                    kwargs.pop("mask", None)
                result = created[layer_name](*args, **kwargs)
                outputs[layer_name].append(_flat_tensors(result))
                nodes.pop(0)
                progressed = True
            if layer_name in pending and not nodes:
                del pending[layer_name]
        if not progressed:
            raise ValueError("Invalid Functional model configuration. The graph of the "
                             "Functional model either has loops or disconnected nodes. The "
                             f"following nodes failed to be resolved: {pending}")

    def io_tensor(ref):
        layer_name, node, index = ref
        if layer_name not in created:
            raise RuntimeError(f"Internal error: could not find layer {layer_name}.")
        if is_functional(created[layer_name]):
            node -= 1  # Keras counts a nested functional model's nodes from 1 here
        return outputs[layer_name][node][index]

    def io_struct(refs):
        if isinstance(refs, list) and len(refs) == 3 and isinstance(refs[0], str):
            return io_tensor(refs)
        if isinstance(refs, dict):
            return {k: io_struct(v) for k, v in refs.items()}
        if isinstance(refs, tuple):
            return tuple(io_struct(v) for v in refs)
        return [io_struct(v) for v in refs]

    return cls(inputs=io_struct(input_layers), outputs=io_struct(output_layers), name=name,
               trainable=trainable, **config)


def _flat_tensors(result):
    if isinstance(result, dict):
        return [result[k] for k in sorted(result)]
    if isinstance(result, (list, tuple)):
        out = []
        for item in result:
            out.extend(_flat_tensors(item))
        return out
    return [result]


def from_model_config(cls, config, custom_objects=None):
    """Keras's `Model.from_config`: a functional model from a functional config (for
    `Model`, `Functional` and subclasses with a functional-like constructor), else the
    class called with the config as keyword arguments."""
    Functional, Model = kinds.get("Functional"), kinds.get("Model")
    is_functional_config = all(k in config for k in ("name", "layers", "input_layers",
                                                     "output_layers"))
    if is_functional_config and (cls in (Functional, Model) or
                                 kinds.functional_like_constructor(cls)):
        return functional_from_config(Functional if cls is Model else cls, config,
                                      custom_objects)
    config = dict(config)
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        config["dtype"] = (dtype.get("config") or {}).get("name", dtype)
    try:
        return cls(**config)
    except TypeError as e:
        raise TypeError(
            "Unable to revive model from config. When overriding the `get_config()` "
            "method, make sure that the returned config contains all items used as "
            f"arguments in the  constructor to {cls}, which is the default behavior. You "
            "can override this default behavior by defining a `from_config(cls, config)` "
            f"class method to specify how to create an instance of {cls.__name__} from its "
            f"config.\n\nReceived config={config}\n\nError encountered during "
            f"deserialization: {e}") from e


def model_from_json(json_string, custom_objects=None):
    """`keras.models.model_from_json`: a model (compiled if its config says how) from
    `model.to_json()`'s string."""
    import json
    return serialization_lib.deserialize_keras_object(json.loads(json_string),
                                                      custom_objects=custom_objects)
