"""Keras 3's object config format, written and read: `{"module", "class_name", "config",
"registered_name"}` for classes, `{"module": "builtins", "class_name": "function",
"config": name, ...}` for functions (keras/src/saving/serialization_lib.py).

fastkeras's own objects are written under Keras's public module names ("keras.layers",
"keras.initializers", ...) so that Keras reads them, and read from those names. Nothing is
ever imported by name from a config: only fastkeras's public classes and functions and
registered or passed custom objects can be produced.

Safe mode (Keras's `safe_mode`, on by default): a lambda's bytecode in a config is refused.
The mode of a deserialization is fixed when it starts (a thread-local scope, as Keras's
SafeModeScope) and nothing the config names can change it while it runs: the global
`enable_unsafe_deserialization()` is read only when no deserialization is in progress
(CVE-2025-9906: a config calling it to switch safe mode off for the rest of the load)."""

from __future__ import annotations

import functools
import importlib
import inspect
import threading
import types

import numpy as np

from . import object_registration as registry


class _SafeMode(threading.local):
    scope = None  # the safe mode of the deserialization running on this thread, if any


_safe_mode = _SafeMode()
_unsafe_by_default = [False]  # set by enable_unsafe_deserialization()


class SafeModeScope:
    """`with SafeModeScope(False):` deserializes in that mode (Keras's scope)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode
        self.original_value = None

    def __enter__(self):
        self.original_value = _safe_mode.scope
        _safe_mode.scope = bool(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe_mode.scope = self.original_value


def enable_unsafe_deserialization():
    """`keras.config.enable_unsafe_deserialization()`: later loads accept lambdas'
    bytecode (a load already running keeps the mode it started with)."""
    _unsafe_by_default[0] = True


def in_safe_mode():
    """The mode of the deserialization in progress; None when none is."""
    return _safe_mode.scope


# Keras's public module name -> fastkeras's module holding the same public names.
_PUBLIC_MODULES = {
    "keras": "fastkeras", "keras.models": "fastkeras.models", "keras.layers": "fastkeras.layers",
    "keras.initializers": "fastkeras.initializers", "keras.losses": "fastkeras.losses",
    "keras.metrics": "fastkeras.metrics", "keras.optimizers": "fastkeras.optimizers",
    "keras.optimizers.schedules": "fastkeras.optimizers.schedules",
    "keras.activations": "fastkeras.activations", "keras.regularizers": "fastkeras.regularizers",
    "keras.constraints": "fastkeras.constraints",
}
# Where a built-in function saved by name alone is looked for, in Keras's order.
_BUILTIN_FUNCTION_MODULES = ("activations", "initializers", "losses", "metrics", "optimizers")


# Classes Keras writes under a private module name (it exports no public one).
_KERAS_PRIVATE = {("keras.src.models.functional", "Functional"): ("fastkeras.models.model",
                                                                   "Functional")}


@functools.lru_cache(maxsize=512)  # per class: a model's save asks for the same few
def _public_module_of(cls) -> str | None:
    """Keras's module name for a fastkeras class, None for anything else."""
    for (keras_module, name), (module, _) in _KERAS_PRIVATE.items():
        if cls.__module__ == module and cls.__name__ == name:
            return keras_module
    parts = cls.__module__.split(".")
    if parts[0] != "fastkeras" or len(parts) < 2:
        return None
    public = "keras" if parts[1] == "models" else f"keras.{parts[1]}"
    if parts[1:3] == ["optimizers", "schedules"]:  # Keras's one public sub-namespace here
        public = "keras.optimizers.schedules"
    return public if public in _PUBLIC_MODULES else None


# Values written as they are, found by exact type: most of a config's values (a model's
# save serializes a few hundred). Subclasses (an IntEnum, a str subclass) take the general
# path below, which returns them as they are too.
_PLAIN_TYPES = frozenset((type(None), bool, int, float, str))


def serialize_keras_object(obj):
    cls = type(obj)
    if cls in _PLAIN_TYPES:
        return obj
    if cls is dict:
        return {k: v if type(v) in _PLAIN_TYPES else serialize_keras_object(v)
                for k, v in obj.items()}
    if cls is list:
        return _serialized_items(obj)
    if cls is tuple:  # a tuple stays one, as in Keras (JSON: a list)
        return tuple(_serialized_items(obj))
    return _serialize_other(obj)


def _serialized_items(items):
    return [v if type(v) in _PLAIN_TYPES else serialize_keras_object(v) for v in items]


_keras_tensor_class = []  # [KerasTensor] once first needed (layers/ sits above saving/)


def _is_keras_tensor(obj):
    if not _keras_tensor_class:
        from ..layers.keras_tensor import KerasTensor
        _keras_tensor_class.append(KerasTensor)
    return isinstance(obj, _keras_tensor_class[0])


def _serialize_other(obj):
    """serialize_keras_object of anything but a plain value, dict, list or tuple (or of a
    subclass of one of those)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        items = _serialized_items(obj)
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start),
            "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if _is_keras_tensor(obj):
        history = None
        if obj._history is not None:
            call, index = obj._history
            history = [call.layer.name, _index(call.layer._calls, call), index]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": obj.shape, "dtype": obj.dtype, "keras_history": history}}
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError("fastkeras does not serialize lambdas (they cannot be loaded "
                             "safely); use a named function, registered with "
                             "@keras.saving.register_keras_serializable()")
        name = registry._GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no get_config()")
    return _serialize_configurable(obj)


def _serialize_configurable(obj):
    """An object with get_config(): its class's names, its config (computed now, from the
    live object), and its build and compile configs where it has them."""
    cls = type(obj)
    registered = registry._GLOBAL_CUSTOM_NAMES.get(cls)
    public = _public_module_of(cls)
    if registered is not None:  # Keras: a registered class is found by its name alone
        module = None
    elif (public, cls.__name__) in _KERAS_PRIVATE:
        module, registered = public, cls.__name__  # as Keras writes its non-public classes
    else:
        module, registered = (public, None) if public else (cls.__module__, cls.__name__)
    config = {"module": module, "class_name": cls.__name__,
              "config": serialize_keras_object(obj.get_config()),
              "registered_name": registered}
    # Keras's get_build_and_compile_config: what rebuilds the weights and recompiles.
    build_config = obj.get_build_config() if hasattr(obj, "get_build_config") else None
    if build_config is not None:
        config["build_config"] = serialize_keras_object(build_config)
    compile_config = obj.get_compile_config() if hasattr(obj, "get_compile_config") else None
    if compile_config is not None:
        config["compile_config"] = serialize_keras_object(compile_config)
    return config


def _index(items, item):
    return next(i for i, x in enumerate(items) if x is item)


def _public_names(keras_module):
    name = _PUBLIC_MODULES.get(keras_module)
    return vars(importlib.import_module(name)) if name else {}


# How a `keras.src.ops.*` entry of a functional config is read: models/op_nodes.py sets it
# when it is imported (the models sit above this module; it does not import them).
_OP_READER = []


def set_op_reader(fn):
    _OP_READER[:] = [fn]


def _locate(config, custom_objects, module_objects):
    """The class or function a config names, or TypeError (Keras's words)."""
    class_name, module = config.get("class_name"), config.get("module")
    is_function = class_name == "function"
    name = config["config"] if is_function else class_name
    registered = name if is_function else (config.get("registered_name") or class_name)
    private = _KERAS_PRIVATE.get((module, class_name))
    if private is not None:
        return getattr(importlib.import_module(private[0]), private[1])
    if isinstance(module, str) and module.startswith("keras.src.ops.") and _OP_READER:
        return _OP_READER[0](class_name, config)  # an op of a functional graph
    obj = registry.get_registered_object(registered, custom_objects, module_objects)
    if obj is None and registered != name:
        obj = registry.get_registered_object(name, custom_objects, module_objects)
    if obj is None and is_function and module == "builtins":
        for mod in _BUILTIN_FUNCTION_MODULES:
            obj = _public_names(f"keras.{mod}").get(name)
            if inspect.isfunction(obj) and obj.__module__.startswith("fastkeras."):
                return obj  # fastkeras's own functions only, not what a module imported
        obj = None
    if obj is None and module in _PUBLIC_MODULES:
        candidate = _public_names(module).get(name)
        if inspect.isclass(candidate) and hasattr(candidate, "from_config"):
            obj = candidate
    if obj is None:
        kind = "function" if is_function else "class"
        raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and "
                        "functions are decorated with "
                        "`@keras.saving.register_keras_serializable()`. If they are already "
                        "decorated, make sure they are all imported so that the decorator is "
                        f"run before trying to load them. Full object config: {config}")
    return obj


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """An object from its config (as serialize_keras_object writes it; the older
    {"class_name", "config"} form is found through `module_objects=`). Inside another
    deserialization, that one's safe mode holds; otherwise `safe_mode`, unless
    `enable_unsafe_deserialization()` was called."""
    module_objects = kwargs.pop("module_objects", None)
    if _safe_mode.scope is not None:
        return _deserialize(config, custom_objects, module_objects)
    with SafeModeScope(bool(safe_mode) and not _unsafe_by_default[0]):
        return _deserialize(config, custom_objects, module_objects)


def _deserialize(config, custom_objects, module_objects):
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = registry.get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise TypeError(f"Could not locate object '{config}'.")
        return obj
    if isinstance(config, (list, tuple)):
        return [_deserialize(c, custom_objects, module_objects) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise TypeError(f"Could not parse config: {config}")
    special = _SPECIAL.get(config["class_name"])
    if special is not None:
        return special(config.get("config") or {}, custom_objects)
    obj = _locate(config, custom_objects, module_objects)
    if config["class_name"] == "function":
        return obj
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise TypeError(f"Could not parse config: {config}")
    with registry.CustomObjectScope(custom_objects):
        try:
            if "custom_objects" in inspect.signature(obj.from_config).parameters:
                instance = obj.from_config(inner, custom_objects=custom_objects)
            else:
                instance = obj.from_config(inner)
        except TypeError as e:
            raise TypeError(
                f"{obj} could not be deserialized properly. Please ensure that components "
                "that are Python object instances (layers, models, etc.) returned by "
                "`get_config()` are explicitly deserialized in the model's `from_config()` "
                f"method.\n\nconfig={config}.\n\nException encountered: {e}") from e
        # Keras: the weights are made from "build_config", the model compiled from
        # "compile_config", as the object was when it was saved.
        build_config = config.get("build_config")
        if build_config and not getattr(instance, "built", True):
            instance.build_from_config(build_config)
            instance.built = True
        compile_config = config.get("compile_config")
        if compile_config and hasattr(instance, "compile_from_config"):
            instance.compile_from_config(compile_config)
    return instance


def _revive_keras_tensor(config, custom_objects):
    """A `__keras_tensor__` entry: a KerasTensor of that shape and dtype that remembers
    where it came from (`keras_history`), for the functional model that reconnects it."""
    from ..layers.keras_tensor import KerasTensor
    tensor = KerasTensor(config["shape"], config.get("dtype") or "float32")
    tensor._pre_serialization_keras_history = config.get("keras_history")
    return tensor


def _slice(config, custom_objects):
    return slice(*(_deserialize(config.get(k), custom_objects, None)
                   for k in ("start", "stop", "step")))


def _lambda(config, custom_objects):
    """A `__lambda__` entry: a Python function's bytecode. Refused in safe mode; otherwise
    loaded (Keras's `func_load`): code, argument defaults and closure values."""
    if _safe_mode.scope is not False:
        raise ValueError(
            "Requested the deserialization of a Python lambda. This carries a potential "
            "risk of arbitrary code execution and thus it is disallowed by default. If you "
            "trust the source of the artifact, you can override this error by passing "
            "`safe_mode=False` to the loading function, or calling "
            "`keras.config.enable_unsafe_deserialization()`.")
    import base64
    import builtins
    import marshal
    value = config.get("value")
    code, defaults, closure = value if value is not None else (
        config.get("code"), config.get("defaults"), config.get("closure"))
    try:
        code = marshal.loads(base64.b64decode(code))
        if not isinstance(code, types.CodeType):
            raise ValueError("not a code object")
        import fastkeras
        return types.FunctionType(
            code, {"__builtins__": builtins, "keras": fastkeras}, code.co_name,
            tuple(defaults) if defaults is not None else None,
            tuple(types.CellType(v) for v in closure) if closure is not None else None)
    except Exception as e:
        raise ValueError(f"Could not load a lambda's bytecode (written by another Python "
                         f"version?): {e}") from e


_SPECIAL = {
    "__lambda__": _lambda,
    "__keras_tensor__": _revive_keras_tensor,
    "__numpy__": lambda c, _: np.array(c["value"], dtype=c["dtype"]),
    "__tensor__": lambda c, _: np.array(c["value"], dtype=c["dtype"]),
    "__bytes__": lambda c, _: c["value"].encode("utf-8"),
    "__ellipsis__": lambda c, _: Ellipsis,
    "__slice__": _slice,
}
