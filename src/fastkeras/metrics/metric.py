"""Metric base classes. A metric keeps a float64 `total` and `count`; `update_state` adds
per-sample values with the `accumulate` primitive, so the same code runs eagerly (on the
variables' arrays) and inside a compiled step (as effect nodes)."""

from __future__ import annotations

import numpy as np

from ..graph import Variable, bind
from .. import ops
from ..ops.core import convert, shape_of


class Metric:
    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__.lower()
        self.dtype = dtype or "float32"
        self.total = Variable(np.zeros((), "float64"), dtype="float64", trainable=False,
                              name="total")
        self.count = Variable(np.zeros((), "float64"), dtype="float64", trainable=False,
                              name="count")
        self.total.path = f"{self.name}/total"
        self.count.path = f"{self.name}/count"

    @property
    def variables(self):
        return [self.total, self.count]

    def add_values(self, values, sample_weight=None):
        values = convert(values)
        if sample_weight is not None:
            sw = convert(sample_weight, "float32")
            values = ops.multiply(values, ops.broadcast_to(sw, shape_of(values))
                                  if shape_of(sw) != shape_of(values) else sw)
            bind("accumulate", self.count, sw)
        else:
            n = int(np.prod(shape_of(values)))
            bind("accumulate", self.count, np.float32(n))
        bind("accumulate", self.total, values)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        count = float(self.count.value)
        return np.float32(float(self.total.value) / count if count else 0.0)

    def reset_state(self):
        self.total.value[...] = 0
        self.count.value[...] = 0

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The (weighted) mean of the values passed to update_state."""

    def update_state(self, values, sample_weight=None):
        self.add_values(values, sample_weight)


class Sum(Metric):
    def update_state(self, values, sample_weight=None):
        self.add_values(values, sample_weight)

    def result(self):
        return np.float32(self.total.value)


class MeanMetricWrapper(Metric):
    """Mean over samples of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.add_values(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config
