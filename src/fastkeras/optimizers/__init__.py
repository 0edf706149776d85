"""Optimizers (keras.optimizers): every family as a composite update (Adam and SGD also as
native kernels), `get()`, `serialize()` and `deserialize()`."""

from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .multi_optimizer import MultiOptimizer, OptimizerMap
from .muon import Muon
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .schedule_free_adamw import ScheduleFreeAdamW
from .sgd import SGD
from . import schedules  # noqa: F401  (keras.optimizers.schedules)

# Keras's identifiers: each class's name, lower-cased (Lamb is not one, in Keras either).
ALL_OBJECTS_DICT = {cls.__name__.lower(): cls for cls in (
    Optimizer, Adam, SGD, RMSprop, Adadelta, AdamW, Adagrad, Adamax, Nadam, Ftrl, Lion,
    Adafactor, LossScaleOptimizer, Muon, ScheduleFreeAdamW, MultiOptimizer, OptimizerMap)}


def serialize(optimizer):
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from its config; built-in class names match in any case (Keras)."""
    from ..saving.serialization_lib import deserialize_keras_object
    if config["class_name"].lower() in ALL_OBJECTS_DICT:
        config = dict(config, class_name=config["class_name"].lower())
    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects)


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() == "lossscaleoptimizer":  # Keras: its config lacks the key
            raise KeyError("inner_optimizer")
        if identifier.lower() not in ALL_OBJECTS_DICT or identifier.lower() == "optimizer":
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}")
        return ALL_OBJECTS_DICT[identifier.lower()]()
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
        if isinstance(obj, Optimizer):
            return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


__all__ = ["Adadelta", "Adafactor", "Adagrad", "Adam", "Adamax", "AdamW", "Ftrl", "Lamb",
           "Lion", "LossScaleOptimizer", "MultiOptimizer", "Muon", "Nadam", "Optimizer",
           "OptimizerMap", "RMSprop", "ScheduleFreeAdamW", "SGD", "deserialize", "get",
           "serialize"]
