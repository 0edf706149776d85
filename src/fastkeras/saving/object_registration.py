"""The registry of custom objects (Keras 3's `keras.saving` names): classes and functions a
user registers, scoped `custom_objects`, and the lookup that deserialization uses."""

from __future__ import annotations

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS: dict = {}  # registered name -> object
_GLOBAL_CUSTOM_NAMES: dict = {}  # object -> registered name


class _Scope(threading.local):
    objects: dict = {}


_scope = _Scope()


class CustomObjectScope:
    """`with custom_object_scope({"name": obj}):` exposes objects to deserialization."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self.backup = None

    def __enter__(self):
        self.backup = _scope.objects
        _scope.objects = {**self.backup, **self.custom_objects}
        return self

    def __exit__(self, *exc):
        _scope.objects = self.backup


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The live global dict of registered objects (scoped ones are not in it)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under `"package>name"` (default name: its own)."""
    def decorator(arg):
        registered_name = f"{package}>{name if name is not None else arg.__name__}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg
    return decorator


def get_registered_name(obj):
    return _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Keras's order: the active scope, the global registry, `custom_objects`, then
    `module_objects`; None when none has it."""
    for table in (_scope.objects, _GLOBAL_CUSTOM_OBJECTS, custom_objects or {},
                  module_objects or {}):
        if name in table:
            return table[name]
    return None
