"""What a layer's config holds beyond what its class writes (Keras 3's rules): the
automatic config of a class that does not override get_config() (keras/src/ops/operation.py
`__new__`/`get_config`), the "build_config" of the shapes it was built for (the build()
wrapper of keras/src/layers/layer.py), and the DTypePolicy form of its dtype."""

from __future__ import annotations

import functools
import inspect

import numpy as np


@functools.lru_cache(maxsize=None)
def signature(fn):
    return inspect.signature(fn)


def dtype_policy_config(name):
    """A layer's dtype as Keras 3 writes it: its DTypePolicy's config."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name},
            "registered_name": None}


def policy_name(dtype, owner):
    """A DTypePolicy config's dtype name (anything else as it is)."""
    if not isinstance(dtype, dict):
        return dtype
    if dtype.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        raise ValueError(f"{owner}: invalid layer dtype {dtype!r}")
    return (dtype.get("config") or {}).get("name")


def build_shapes(inputs):
    """The shapes build() gets for these inputs: a traced tensor's batch size is the
    trace's, not the data's, so it is None (as for a KerasTensor made by an Input)."""
    from ..graph import Tensor
    from ..layers.keras_tensor import KerasTensor

    def shape(t):
        if isinstance(t, (list, tuple)):
            return type(t)(shape(i) for i in t)
        if isinstance(t, (Tensor, KerasTensor)) and len(t.shape):
            return (None,) + tuple(t.shape[1:])
        return tuple(t.shape)

    return shape(inputs)


# Keras's layers that are built when made (`_build_at_init()`): no "build_config".
KERAS_BUILT_AT_INIT = frozenset((
    "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "ActivityRegularization",
    "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "UnitNormalization", "Identity",
    "Masking", "OpLayer"))


@functools.lru_cache(maxsize=None)
def built_at_init(cls):
    return any(c.__name__ in KERAS_BUILT_AT_INIT and c.__module__.startswith("fastkeras.")
               for c in cls.__mro__)


# Arguments every Layer takes: get_config() writes them itself (or, for input_shape and
# input_dim, Sequential turns them into an InputLayer), so the automatic config skips them.
BASE_ARGS = frozenset(("activity_regularizer", "trainable", "name", "dtype", "input_shape",
                        "input_dim", "batch_input_shape"))
_AUTO_TYPES = (str, int, float, bool, type(None))


def auto_config(cls, args, kwargs):
    """Keras's automatic config (ops/operation.py `__new__`): the constructor's arguments
    with their defaults, when all are plain values; else a string saying why not."""
    sig = signature(cls.__init__)
    try:
        bound = sig.bind(None, *args, **kwargs)
    except TypeError:
        return "unbound"
    params = list(sig.parameters.values())[1:]
    if any(p.kind == p.POSITIONAL_ONLY for p in params):
        return "positional"
    bound.apply_defaults()
    out = dict(bound.arguments)
    out.pop(next(iter(sig.parameters)))
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            out.update(out.pop(p.name, {}))
        elif p.kind == p.VAR_POSITIONAL and out.pop(p.name, ()):
            return "positional"
    out.pop("name", None)

    def plain(v):
        if isinstance(v, dict):
            return all(plain(i) for i in v.values())
        if isinstance(v, (list, tuple)):
            return all(plain(i) for i in v)
        return isinstance(v, _AUTO_TYPES)

    return out if plain(out) else "values"


def shape_record(x):
    """A build argument as Keras's build config keeps it: shapes as tuples (dicts kept)."""
    if isinstance(x, dict):
        return {k: shape_record(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        if all(d is None or isinstance(d, (int, np.integer)) for d in x):
            return tuple(None if d is None else int(d) for d in x)
        return [shape_record(v) for v in x]
    return x


def recording_build(build):
    """Wraps a build() so that the layer keeps the shapes it was built for (Keras's
    `_build_shapes_dict`, written as "build_config") and is marked built."""
    if getattr(build, "_records_shapes", False):
        return build

    @functools.wraps(build)
    def wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        try:
            bound = dict(signature(build).bind(self, *args, **kwargs).arguments)
        except TypeError:
            bound = {}
        bound.pop(next(iter(bound), None), None)
        object.__setattr__(self, "_build_shapes_dict",
                           {k: shape_record(v) for k, v in bound.items()})
        self.built = True
        return result

    wrapper._records_shapes = True
    return wrapper


def automatic_config(layer):
    """{"name", **the constructor's arguments} for a class without its own get_config()
    (Keras's automatic config; "name" only if __init__ can take it back), or Keras's
    NotImplementedError when those arguments are not plain values."""
    auto = layer.__dict__.get("_auto_config")
    if not isinstance(auto, dict):
        raise NotImplementedError(
            f"Object {type(layer).__name__} was created by passing "
            + ("positional only or variadic positional arguments (e.g., `*args`) to "
               "`__init__()`, which is not supported by the automatic config generation."
               if auto == "positional" else
               "non-serializable argument values in `__init__()`, and therefore the object "
               "must override `get_config()` in order to be serializable.")
            + " Please implement `get_config()` (and `from_config()`) returning the "
            "constructor's arguments.")
    config = {"name": layer.name}
    config.update({k: v for k, v in auto.items() if k not in BASE_ARGS})
    params = signature(type(layer).__init__).parameters
    kwargs = params.get("kwargs")
    if "name" not in params and not (kwargs is not None and kwargs.kind == kwargs.VAR_KEYWORD):
        config.pop("name")  # __init__ could not take it back
    return config


def build_config(shapes):
    """Keras's `get_build_config()` of a layer built with `shapes` (build()'s arguments by
    name), None if it was never built."""
    if not shapes:
        return None
    if len(shapes) == 1:
        return {"input_shape": next(iter(shapes.values()))}
    return {"shapes_dict": shapes}
