"""Keras's `keras.src.losses.losses` in one place: every loss function and class, from the
family modules (probabilistic, regression, hinge, segmentation), plus the label helper the
accuracy metrics share. Metrics and trainers import from here."""

from __future__ import annotations

from .. import ops
from ..ops.core import convert, shape_of
from .hinge import (CategoricalHinge, Hinge, SquaredHinge, categorical_hinge,
                    convert_binary_labels_to_hinge, hinge, squared_hinge)
from .loss import (Loss, LossFunctionWrapper, reduce_values, reduce_weighted_values,
                   squeeze_or_expand_to_same_rank)
from .probabilistic import (BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy,
                            CategoricalFocalCrossentropy, CategoricalGeneralizedCrossEntropy,
                            KLDivergence, Poisson, SparseCategoricalCrossentropy,
                            binary_crossentropy, binary_focal_crossentropy,
                            categorical_crossentropy, categorical_focal_crossentropy,
                            categorical_generalized_cross_entropy, kl_divergence, poisson,
                            sparse_categorical_crossentropy)
from .regression import (CosineSimilarity, Huber, LogCosh, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError,
                         MeanSquaredLogarithmicError, cosine_similarity, huber, log_cosh,
                         mean_absolute_error, mean_absolute_percentage_error,
                         mean_squared_error, mean_squared_logarithmic_error)
from .segmentation import Dice, Tversky, dice, tversky


def sparse_labels(y_true, y_pred):
    """int32 labels of shape y_pred.shape[:-1] (a trailing axis of 1 is squeezed)."""
    st, sp = shape_of(y_true), shape_of(y_pred)
    if len(st) == len(sp) and st and st[-1] == 1:
        y_true = ops.squeeze(y_true, -1)
    return convert(y_true, "int32")


__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge",
    "convert_binary_labels_to_hinge", "cosine_similarity", "dice", "hinge", "huber",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson", "reduce_values",
    "reduce_weighted_values", "sparse_categorical_crossentropy", "sparse_labels",
    "squared_hinge", "squeeze_or_expand_to_same_rank", "tversky"]
