"""keras.dtype_policies: the DTypePolicy of layers. fastkeras computes in float32 only, so
'float32' is the one policy; mixed and other float policies raise NotImplementedError."""

_SUPPORTED = "float32"
_UNSUPPORTED = ("float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16")
_global_policy = [None]  # None: the default, Keras's floatx policy


def _check_name(name):
    if name is None:
        return _SUPPORTED
    if not isinstance(name, str):
        raise TypeError(f"'name' must be a string, such as 'float32'. Received: name={name} "
                        f"(of type {type(name)})")
    if name in _UNSUPPORTED:
        raise NotImplementedError(f"DTypePolicy {name!r} is not supported by fastkeras: its "
                                  f"layers compute and store variables in '{_SUPPORTED}' "
                                  "(mixed precision is not implemented).")
    if name != _SUPPORTED:
        raise ValueError(f"Cannot convert '{name}' to a DTypePolicy: fastkeras supports "
                         f"only '{_SUPPORTED}'.")
    return name


class DTypePolicy:
    """A layer's compute and variable dtypes (both 'float32' here)."""

    def __init__(self, name=None):
        self._name = _check_name(name)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._name

    @property
    def variable_dtype(self):
        return self._name

    @property
    def quantization_mode(self):
        return None

    def convert_input(self, x, autocast, dtype):
        return x  # everything is already float32

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other.name == self.name

    def __hash__(self):
        return hash((type(self).__name__, self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


FloatDTypePolicy = DTypePolicy  # Keras's name for the same float policy


def get(identifier):
    """A DTypePolicy from a policy, its name, its config dict, or None (the global one)."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        if identifier.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
            raise ValueError(f"Cannot interpret dtype policy config: {identifier}")
        return DTypePolicy(**(identifier.get("config") or {}))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance "
                     f"of DTypePolicy. Received: dtype={identifier}")


def serialize(policy):
    return {"module": "keras", "class_name": "DTypePolicy", "config": policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    return get(config)


def set_dtype_policy(policy):
    """Sets the global policy: a DTypePolicy or its name ('float32' only here)."""
    _global_policy[0] = get(policy) if policy is not None else None


def dtype_policy():
    return _global_policy[0] or DTypePolicy(_SUPPORTED)


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
