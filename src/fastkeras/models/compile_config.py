"""A model's "compile_config" (Keras 3's `get_compile_config`/`compile_from_config`): what
compile() was given, so that a model read back from its config is compiled the same way."""

from __future__ import annotations

import inspect
import warnings

from ..saving import serialization_lib
from . import kinds

# Keras's keys, in its order (trainers/trainer.py `_compile_config`).
_KEYS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
         "steps_per_execution", "jit_compile")


def compile_arguments(compile_fn, model, args, kwargs):
    """compile()'s arguments by name, defaults included."""
    bound = inspect.signature(compile_fn).bind(model, *args, **kwargs)
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(arguments)))
    return arguments


def compile_config(model):
    given = dict(getattr(model, "_compile_args", None) or {})
    given["optimizer"] = model.optimizer  # the optimizer object compile() resolved, as Keras
    if given.get("jit_compile") == "auto":
        given["jit_compile"] = True  # what Keras resolves "auto" to (with JAX)
    return {k: serialization_lib.serialize_keras_object(given.get(k)) for k in _KEYS}


def _revive(value):
    if isinstance(value, dict):
        if "class_name" in value:
            return serialization_lib.deserialize_keras_object(value)
        return {k: _revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


def compile_from_config(model, config):
    if type(model).compile is not kinds.get("Model").compile:
        warnings.warn("`compile()` was not called as part of model loading because the "
                      "model's `compile()` method is custom. All subclassed Models that have "
                      "`compile()` overridden should also override `get_compile_config()` and "
                      "`compile_from_config(config)`. Alternatively, you can call `compile()` "
                      "manually after loading.", stacklevel=2)
        return
    config = {k: _revive(v) for k, v in config.items()}
    params = inspect.signature(kinds.get("Model").compile).parameters
    model.compile(**{k: v for k, v in config.items() if k in params})
