"""Optimizers (keras.optimizers) and `get()` for string identifiers."""

from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_BY_NAME = {"adam": Adam, "sgd": SGD, "rmsprop": RMSprop}


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]()
        except KeyError:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. "
                             f"Known optimizers: {sorted(_BY_NAME)}") from None
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, dict):  # a Keras config
        from ..saving import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


__all__ = ["Adam", "Optimizer", "RMSprop", "SGD", "get"]
