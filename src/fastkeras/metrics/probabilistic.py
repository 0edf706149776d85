"""Hinge and probabilistic metrics: the loss functions of those names, averaged."""

from __future__ import annotations

from .loss_functions import loss_function
from .metric import MeanMetricWrapper
from .regression import _NamedOnly


class Hinge(_NamedOnly):
    def __init__(self, name="hinge", dtype=None):
        super().__init__(loss_function("hinge"), name=name, dtype=dtype)


class SquaredHinge(_NamedOnly):
    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(loss_function("squared_hinge"), name=name, dtype=dtype)


class CategoricalHinge(_NamedOnly):
    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(loss_function("categorical_hinge"), name=name, dtype=dtype)


class KLDivergence(_NamedOnly):
    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(loss_function("kl_divergence"), name=name, dtype=dtype)


class Poisson(_NamedOnly):
    def __init__(self, name="poisson", dtype=None):
        super().__init__(loss_function("poisson"), name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(loss_function("binary_crossentropy"), name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(loss_function("categorical_crossentropy"), name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(loss_function("sparse_categorical_crossentropy"), name=name,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
