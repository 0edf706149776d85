"""Losses (keras.losses) and `get()` for string identifiers."""

from .losses import (BinaryCrossentropy, CategoricalCrossentropy, Loss, LossFunctionWrapper,
                     MeanAbsoluteError, MeanSquaredError, SparseCategoricalCrossentropy,
                     binary_crossentropy, categorical_crossentropy, mean_absolute_error,
                     mean_squared_error, sparse_categorical_crossentropy)

_BY_NAME = {
    "binary_crossentropy": BinaryCrossentropy, "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}
for _cls in (BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
             MeanSquaredError, MeanAbsoluteError):
    _BY_NAME[_cls.__name__] = _cls


def get(identifier):
    """A Loss from a string, a Loss instance, or a callable (y_true, y_pred) -> values."""
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        try:
            cls = _BY_NAME[identifier]
        except KeyError:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Known "
                             f"losses: {sorted(k for k in _BY_NAME if k.islower())}") from None
        loss = cls()
        loss.name = identifier if identifier.islower() else loss.name
        return loss
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, dict):  # a Keras config
        from ..saving import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    if callable(identifier):
        return LossFunctionWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "Loss", "LossFunctionWrapper",
           "MeanAbsoluteError", "MeanSquaredError", "SparseCategoricalCrossentropy",
           "binary_crossentropy", "categorical_crossentropy", "get", "mean_absolute_error",
           "mean_squared_error", "sparse_categorical_crossentropy"]
