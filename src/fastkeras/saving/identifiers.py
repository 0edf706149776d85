"""serialize / deserialize / get for a family of Keras objects named by identifiers
(regularizers, constraints): Keras's `get` takes None, a name, a config dict, a class (made
with no arguments) or any callable."""

from __future__ import annotations

from . import serialization_lib


def identifier_functions(kind, names):
    """(serialize, deserialize, get) for objects of `kind` whose names map to classes in
    `names`."""
    def serialize(obj):
        return serialization_lib.serialize_keras_object(obj)

    def deserialize(config, custom_objects=None):
        return serialization_lib.deserialize_keras_object(config, custom_objects,
                                                          module_objects=names)

    def get(identifier):
        if identifier is None:
            return None
        if isinstance(identifier, dict):
            obj = deserialize(identifier)
        elif isinstance(identifier, str):
            obj = names.get(identifier)
        else:
            obj = identifier
        if isinstance(obj, type):
            obj = obj()
        if not callable(obj):
            raise ValueError(f"Could not interpret {kind} identifier: {identifier}")
        return obj

    return serialize, deserialize, get
