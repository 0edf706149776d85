"""Keras 3's object config format, written and read: `{"module", "class_name", "config",
"registered_name"}` for classes, `{"module": "builtins", "class_name": "function",
"config": name, ...}` for functions (keras/src/saving/serialization_lib.py).

fastkeras's own objects are written under Keras's public module names ("keras.layers",
"keras.initializers", ...) so that Keras reads them, and read from those names. Nothing is
ever imported by name from a config: only fastkeras's public modules and registered or
passed custom objects can be produced, and lambdas are refused."""

from __future__ import annotations

import importlib
import inspect
import types

import numpy as np

from . import object_registration as registry

# Keras's public module name -> fastkeras's module holding the same public names.
_PUBLIC_MODULES = {
    "keras": "fastkeras", "keras.models": "fastkeras.models", "keras.layers": "fastkeras.layers",
    "keras.initializers": "fastkeras.initializers", "keras.losses": "fastkeras.losses",
    "keras.metrics": "fastkeras.metrics", "keras.optimizers": "fastkeras.optimizers",
    "keras.activations": "fastkeras.activations", "keras.regularizers": "fastkeras.regularizers",
    "keras.constraints": "fastkeras.constraints",
}
# Where a built-in function saved by name alone is looked for, in Keras's order.
_BUILTIN_FUNCTION_MODULES = ("activations", "initializers", "losses", "metrics", "optimizers")


def _public_module_of(cls) -> str | None:
    """Keras's module name for a fastkeras class, None for anything else."""
    parts = cls.__module__.split(".")
    if parts[0] != "fastkeras" or len(parts) < 2:
        return None
    public = "keras" if parts[1] == "models" else f"keras.{parts[1]}"
    return public if public in _PUBLIC_MODULES else None


def serialize_keras_object(obj):
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, np.generic):
        return obj.item()
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
    cls = type(obj)
    registered = registry._GLOBAL_CUSTOM_NAMES.get(cls)
    public = _public_module_of(cls)
    if registered is not None:  # Keras: a registered class is found by its name alone
        module = None
    else:
        module, registered = (public, None) if public else (cls.__module__, cls.__name__)
    return {"module": module, "class_name": cls.__name__,
            "config": serialize_keras_object(obj.get_config()), "registered_name": registered}


def _public_names(keras_module):
    name = _PUBLIC_MODULES.get(keras_module)
    return vars(importlib.import_module(name)) if name else {}


def _locate(config, custom_objects, module_objects):
    """The class or function a config names, or TypeError (Keras's words)."""
    class_name, module = config.get("class_name"), config.get("module")
    is_function = class_name == "function"
    name = config["config"] if is_function else class_name
    registered = name if is_function else (config.get("registered_name") or class_name)
    obj = registry.get_registered_object(registered, custom_objects, module_objects)
    if obj is None and registered != name:
        obj = registry.get_registered_object(name, custom_objects, module_objects)
    if obj is None and is_function and module == "builtins":
        for mod in _BUILTIN_FUNCTION_MODULES:
            obj = _public_names(f"keras.{mod}").get(name)
            if inspect.isfunction(obj):
                return obj
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


def deserialize_keras_object(config, custom_objects=None, module_objects=None, **kwargs):
    """An object from its config (as serialize_keras_object writes it; the older
    {"class_name", "config"} form is found through `module_objects`)."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = registry.get_registered_object(config, custom_objects, module_objects)
        if obj is None:
            raise TypeError(f"Could not locate object '{config}'.")
        return obj
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, module_objects) for c in config]
    if not isinstance(config, dict) or "class_name" not in config:
        raise TypeError(f"Could not parse config: {config}")
    obj = _locate(config, custom_objects, module_objects)
    if config["class_name"] == "function":
        return obj
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise TypeError(f"Could not parse config: {config}")
    with registry.CustomObjectScope(custom_objects):
        return obj.from_config(inner)
