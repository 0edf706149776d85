"""Losses (keras.losses): every Keras 3.15 loss, `get`, `serialize` and `deserialize` with
Keras's names and aliases."""

import inspect

from .ctc_loss import CTC, ctc
from .metric_learning import Circle, circle
from .losses import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                     CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                     CategoricalHinge, CosineSimilarity, Dice, Hinge, Huber, KLDivergence,
                     LogCosh, Loss, LossFunctionWrapper, MeanAbsoluteError,
                     MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
                     Poisson, SparseCategoricalCrossentropy, SquaredHinge, Tversky,
                     binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                     categorical_focal_crossentropy, categorical_generalized_cross_entropy,
                     categorical_hinge, cosine_similarity, dice, hinge, huber, kl_divergence,
                     log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                     mean_squared_error, mean_squared_logarithmic_error, poisson,
                     sparse_categorical_crossentropy, squared_hinge, tversky)

# What `get` and `deserialize` find by name: Keras's ALL_OBJECTS (its classes and functions
# under their own names; CategoricalGeneralizedCrossEntropy is exported but not listed
# there), plus its short aliases.
_ALL_OBJECTS = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, CTC, Circle,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky, ctc, circle)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in _ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
})


def serialize(loss):
    """A Loss's or loss function's config (Keras's format)."""
    from ..saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """A Loss or loss function from its config (or a name of ALL_OBJECTS_DICT)."""
    from ..saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(name, module_objects=ALL_OBJECTS_DICT,
                                    custom_objects=custom_objects)


def get(identifier):
    """Keras's `losses.get`: a name gives that function or a new instance of that class
    ('mse' -> mean_squared_error, 'MeanSquaredError' -> MeanSquaredError()), a config dict
    its object, a callable itself, a Loss class an instance; None gives None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


def resolve(identifier):
    """The Loss object compile() trains with: `get`, then a plain function (a built-in one
    by name, or the user's) wrapped in a LossFunctionWrapper named after it."""
    loss = get(identifier)
    if loss is None or isinstance(loss, Loss):
        return loss
    name = identifier if isinstance(identifier, str) else getattr(loss, "__name__", None)
    return LossFunctionWrapper(loss, name=name)


__all__ = ["BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
           "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
           "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh",
           "Loss", "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
           "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "binary_crossentropy",
           "binary_focal_crossentropy", "categorical_crossentropy",
           "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
           "categorical_hinge", "circle", "cosine_similarity", "ctc", "deserialize", "dice", "get",
           "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
           "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
           "poisson", "serialize", "sparse_categorical_crossentropy", "squared_hinge", "tversky"]
