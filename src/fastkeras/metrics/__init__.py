"""Metrics (keras.metrics) and `get()` for string identifiers."""

from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       accuracy, binary_accuracy, categorical_accuracy,
                       sparse_categorical_accuracy)
from .metric import Mean, MeanMetricWrapper, Metric, Sum
from .regression import MeanAbsoluteError, MeanSquaredError

_BY_NAME = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def get(identifier):
    """A Metric from a string, a Metric instance or a callable (y_true, y_pred) -> values.
    ('accuracy' as a compile() argument is resolved from the loss and shapes instead.)"""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        try:
            metric = _BY_NAME[identifier]()
        except KeyError:
            raise ValueError(f"Could not interpret metric identifier: {identifier!r}. Known "
                             f"metrics: {sorted(_BY_NAME)}") from None
        metric.name = identifier
        return metric
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict):  # a Keras config
        from ..saving import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


__all__ = ["Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError",
           "MeanMetricWrapper", "MeanSquaredError", "Metric", "SparseCategoricalAccuracy", "Sum",
           "accuracy", "binary_accuracy", "categorical_accuracy", "get",
           "sparse_categorical_accuracy"]
