"""`keras.ops` calls on KerasTensors in a functional model's config, as Keras 3 writes them:
an operation entry {"module": "keras.src.ops.numpy", "class_name": "Concatenate",
"config": {"name": ..., "axis": -1}, ...} whose "inbound_nodes" hold the call's other
arguments. Keras's op classes take some of the function's arguments in their
constructor (written in "config") and the rest when called (written in the node); the
table below says which, for the ops fastkeras has (keras/src/ops/*.py)."""

from __future__ import annotations

import functools
import inspect
import re

from ..saving import serialization_lib

# Arguments each op's Keras class takes in its constructor (the others are call arguments).
_INIT_ARGS = {
    "amax": ("axis", "keepdims"), "any": ("axis", "keepdims"), "pad": ("pad_width", "mode"), "amin": ("axis", "keepdims"), "argmax": ("axis", "keepdims"),
    "binary_crossentropy": ("from_logits",), "broadcast_to": ("shape",), "cast": ("dtype",),
    "categorical_crossentropy": ("from_logits", "axis"), "clip": ("x_min", "x_max"),
    "concatenate": ("axis",), "elu": ("alpha",), "expand_dims": ("axis",),
    "gelu": ("approximate",), "leaky_relu": ("negative_slope",), "log_softmax": ("axis",),
    "max": ("axis", "keepdims", "initial"), "mean": ("axis", "keepdims"),
    "min": ("axis", "keepdims", "initial"), "moments": ("axes", "keepdims", "synchronized"),
    "normalize": ("axis", "order", "epsilon"), "reshape": ("newshape",), "softmax": ("axis",),
    "sparse_categorical_crossentropy": ("from_logits", "axis"), "squeeze": ("axis",),
    "std": ("axis", "keepdims"), "sum": ("axis", "keepdims"), "take": ("axis",),
    "transpose": ("axes",), "var": ("axis", "keepdims"),
}
# Keras's module of each op outside keras.src.ops.numpy.
_MODULES = dict.fromkeys(
    ("relu relu6 sigmoid softplus softsign silu swish gelu elu selu leaky_relu hard_sigmoid "
     "softmax log_softmax moments normalize binary_crossentropy categorical_crossentropy "
     "sparse_categorical_crossentropy batch_normalization layer_normalization").split(), "nn")
_MODULES.update(erf="math", rsqrt="math", cast="core", scan="core")
_ALIASES = {"swish": "silu"}  # Keras's swish is its Silu op


def keras_class_name(fn_name):
    fn_name = _ALIASES.get(fn_name, fn_name)
    return "".join(part.capitalize() for part in fn_name.split("_"))


def _fn_name(class_name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()


@functools.lru_cache(maxsize=None)
def _signature(fn):
    return inspect.signature(fn)


# ---- writing ------------------------------------------------------------------------------
def op_layer_config(layer, call, refs):
    """The config entry of an OpLayer applied by `call`; `refs` turns KerasTensors into
    their references."""
    from ..layers.op_layer import _replace
    fn = layer.fn
    name = _ALIASES.get(fn.__name__, fn.__name__)
    # The op's arguments with this call's tensors (a cloned op keeps the original's).
    args, kwargs = _replace([list(layer.args), dict(layer.kwargs)], iter(call.inputs))
    bound = _signature(fn).bind(*args, **kwargs)
    bound.apply_defaults()
    init_names = _INIT_ARGS.get(name, ())
    call_args, call_kwargs, init = [], {}, {"name": layer.name}
    for arg, value in bound.arguments.items():
        kind = _signature(fn).parameters[arg].kind
        if arg in init_names:
            init[arg] = value
        elif kind == inspect.Parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif kind == inspect.Parameter.VAR_KEYWORD:
            init.update(value)
        elif init.keys() - {"name"}:  # after a constructor argument: by keyword (Keras's
            call_kwargs[arg] = value  # Pad(pad_width, mode)(x, constant_values=...))
        else:
            call_args.append(value)
    for arg in init_names:  # Keras writes every constructor argument
        init.setdefault(arg, None)
    class_name = keras_class_name(name)
    return {"module": f"keras.src.ops.{_MODULES.get(name, 'numpy')}",
            "class_name": class_name,
            "config": serialization_lib.serialize_keras_object(init),
            "registered_name": class_name, "name": layer.name,
            "inbound_nodes": [{"args": serialization_lib.serialize_keras_object(
                refs(tuple(call_args))), "kwargs": serialization_lib.serialize_keras_object(
                refs(call_kwargs))}]}


# ---- reading ------------------------------------------------------------------------------
class KerasOp:
    """A Keras op read from a config: the fastkeras op function of that name with the op's
    constructor arguments. Called on KerasTensors it adds the op to the graph (an OpLayer,
    given the op's name)."""

    def __init__(self, fn, config):
        self.fn = fn
        self.name = config.get("name") or fn.__name__
        params = _signature(fn).parameters
        self.init = {}
        for arg, value in config.items():
            if arg == "name":
                continue
            if arg in params:
                self.init[arg] = value
            elif value is not None:
                raise NotImplementedError(f"ops.{fn.__name__}({arg}={value!r}) is not "
                                          "supported yet by fastkeras")

    def __call__(self, *args, **kwargs):
        from ..layers.keras_tensor import KerasTensor
        out = self.fn(*args, **self.init, **kwargs)
        flat = out if isinstance(out, (list, tuple)) else [out]
        for t in flat:
            if isinstance(t, KerasTensor) and t._history is not None:
                t._history[0].layer.name = self.name
        return out


class _KerasOpClass:
    def __init__(self, class_name, fn):
        self.class_name, self.fn = class_name, fn

    def from_config(self, config):
        return KerasOp(self.fn, config)


def keras_op(class_name, full_config=None):
    """What deserialization makes of a "keras.src.ops.*" entry (TypeError if fastkeras has
    no such op)."""
    from .. import ops
    name = _fn_name(class_name)
    fn = getattr(ops, name, None)
    if not callable(fn):
        raise TypeError(f"Could not locate class '{class_name}': fastkeras has no "
                        f"`keras.ops.{name}` yet. Full object config: {full_config}")
    return _KerasOpClass(class_name, fn)


serialization_lib.set_op_reader(keras_op)
