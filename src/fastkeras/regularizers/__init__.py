"""keras.regularizers: penalties on weights (or activations) added to the loss.

A weight's regularizer is traced into the train step: its value joins the step's loss
(Layer.regularization_losses), so it costs no Python per step. Formulas are Keras 3's:
L1 l1 * sum(|x|), L2 l2 * sum(x**2) (no 1/2), OrthogonalRegularizer
factor * 0.5 * sum(|offdiag(N N^T)|) / (size (size - 1) / 2) on the L2-normalised rows
(or columns) N."""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..saving.identifiers import identifier_functions


def _non_negative(value, name):
    if isinstance(value, bool) or not isinstance(value, (float, int, np.floating, np.integer)) \
            or math.isinf(value) or math.isnan(value) or value < 0:
        raise ValueError(f"Invalid value for argument {name}: expected a non-negative float."
                         f"Received: {name}={value}")
    return float(value)


class Regularizer:
    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _non_negative(l1, "l1")
        self.l2 = _non_negative(l2, "l2")

    def __call__(self, x):
        out = 0.0
        if self.l1:
            out = ops.add(out, ops.multiply(np.float32(self.l1), ops.sum(ops.abs(x))))
        if self.l2:
            out = ops.add(out, ops.multiply(np.float32(self.l2), ops.sum(ops.square(x))))
        return out

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = _non_negative(l1, "l1")

    def __call__(self, x):
        return ops.multiply(np.float32(self.l1), ops.sum(ops.abs(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        self.l2 = _non_negative(l2, "l2")

    def __call__(self, x):
        return ops.multiply(np.float32(self.l2), ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _non_negative(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(f"Invalid value for argument `mode`. Expected one of "
                             f"{{'rows', 'columns'}}. Received: mode={mode}")
        self.mode = mode

    def __call__(self, inputs):
        shape = ops.shape(inputs)
        if len(shape) != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                             f"inputs.shape={shape}")
        if self.mode == "rows":
            n = ops.normalize(inputs, axis=1)
            product, size = ops.matmul(n, ops.transpose(n)), shape[0]
        else:
            n = ops.normalize(inputs, axis=0)
            product, size = ops.matmul(ops.transpose(n), n), shape[1]
        off_diagonal = ops.multiply(product, (1.0 - np.eye(size)).astype(np.float32))
        pairs = size * (size - 1.0) / 2.0
        return ops.multiply(np.float32(self.factor * 0.5 / pairs),
                            ops.sum(ops.abs(off_diagonal)))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer,
          "L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer}


serialize, deserialize, get = identifier_functions("regularizer", _NAMES)

__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get",
           "l1", "l1_l2", "l2", "orthogonal_regularizer", "serialize"]
