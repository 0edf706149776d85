"""keras.optimizers.schedules: the learning-rate schedules, `serialize` and `deserialize`."""

from .learning_rate_schedule import (CosineDecay, CosineDecayRestarts, ExponentialDecay,
                                     InverseTimeDecay, LearningRateSchedule,
                                     PiecewiseConstantDecay, PolynomialDecay)

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in (
    LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(learning_rate_schedule):
    """Keras's dict: {"module", "class_name", "config", "registered_name"}."""
    from ...saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """A schedule from `serialize`'s dict; built-ins are found by class name."""
    from ...saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects)


__all__ = ["CosineDecay", "CosineDecayRestarts", "ExponentialDecay", "InverseTimeDecay",
           "LearningRateSchedule", "PiecewiseConstantDecay", "PolynomialDecay", "deserialize",
           "serialize"]
