"""keras.constraints: projections applied to a weight after each optimizer update.

Keras 3's formulas (keras/src/constraints), norms over `axis` (0: each output unit of a Dense
kernel): MaxNorm w * clip(n, 0, max) / (eps + n); NonNeg max(w, 0); UnitNorm w / (eps + n);
MinMaxNorm w * (rate * clip(n, min, max) + (1 - rate) * n) / (eps + n), eps = 1e-7. Inside a
train step they run as the `constrain` effect, after the weight's update (graph/primitives/
updates.py); called directly they compute eagerly with keras.ops."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..saving.identifiers import identifier_functions

_EPSILON = 1e-7


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


def _blocks(shape, axis):
    """(outer, reduce, inner) seeing `shape` with the norm axes in the middle, or None when
    the axes are not one contiguous run (not expressible by the constrain effect)."""
    nd = len(shape)
    axes = sorted({a % nd for a in ((axis,) if isinstance(axis, int) else axis)}) if nd else []
    if not axes or axes != list(range(axes[0], axes[-1] + 1)):
        return None
    prod = lambda dims: int(np.prod(dims, dtype=np.int64))  # noqa: E731
    return prod(shape[:axes[0]]), prod(shape[axes[0]:axes[-1] + 1]), prod(shape[axes[-1] + 1:])


class Constraint:
    def __call__(self, w):
        return w

    def step_attrs(self, shape):
        """The `constrain` effect's attributes for a weight of `shape`, or None where this
        constraint cannot run as that effect (a user's subclass)."""
        return None

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, float(self.max_value))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}

    def step_attrs(self, shape):
        blocks = _blocks(shape, self.axis)
        return None if blocks is None or type(self) is not MaxNorm else dict(
            zip(("outer", "reduce", "inner"), blocks), kind="max_norm",
            max_value=float(self.max_value))


class NonNeg(Constraint):
    def __call__(self, w):
        return ops.maximum(w, np.float32(0.0))

    def step_attrs(self, shape):
        size = int(np.prod(shape, dtype=np.int64))
        return None if type(self) is not NonNeg else {"kind": "non_neg", "outer": 1,
                                                      "reduce": size, "inner": 1}


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), _EPSILON))

    def get_config(self):
        return {"axis": self.axis}

    def step_attrs(self, shape):
        blocks = _blocks(shape, self.axis)
        return None if blocks is None or type(self) is not UnitNorm else dict(
            zip(("outer", "reduce", "inner"), blocks), kind="unit_norm")


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(float(self.rate),
                                       ops.clip(norms, float(self.min_value),
                                                float(self.max_value))),
                          ops.multiply(1.0 - float(self.rate), norms))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}

    def step_attrs(self, shape):
        blocks = _blocks(shape, self.axis)
        return None if blocks is None or type(self) is not MinMaxNorm else dict(
            zip(("outer", "reduce", "inner"), blocks), kind="min_max_norm",
            max_value=float(self.max_value), min_value=float(self.min_value),
            rate=float(self.rate))


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_NAMES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
          "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


serialize, deserialize, get = identifier_functions("constraint", _NAMES)

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]
