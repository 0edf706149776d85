"""Metric base classes (keras.metrics.Metric, Mean, Sum, MeanMetricWrapper).

A metric's state is a list of non-trainable Variables made with `add_variable`.
`update_state` changes them with ops and `Variable.assign` (or the `accumulate` primitive),
so the same code runs eagerly on the variables' arrays and, traced, as effects of the
compiled step; `result()` reads the variables in Python after a chunk of steps (inside a
traced custom step it is this step's value, or refuses: metrics/traced_result.py).

The Mean family keeps a float64 `total` and `count` summed with `accumulate` (one effect
each per step), which loses nothing over thousands of steps.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import Variable, bind
from ..losses.loss import apply_mask
from ..losses.losses import squeeze_or_expand_to_same_rank
from ..ops.core import convert, shape_of
from ..utils.naming import to_snake_case
from .traced_result import divide_no_nan, tracing


class Metric:
    """Base class: subclasses create state with `add_variable` and implement
    `update_state(...)` and `result()`."""

    def __init__(self, dtype=None, name=None):
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = dtype or "float32"
        self._metric_variables = []

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable state variable, tracked in `self.variables` (Keras 3 API)."""
        from .. import initializers
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(f"Invalid value for argument `aggregation`: {aggregation!r}. "
                             "Expected one of 'none', 'mean', 'sum', 'only_first_replica'")
        shape = tuple(int(d) for d in (shape or ()))
        dtype = dtype or self.dtype
        init = initializers.get(initializer if initializer is not None else "zeros")
        var = Variable(value=np.asarray(init(shape, dtype=dtype), dtype=dtype), dtype=dtype,
                       trainable=False, name=name)
        var.path = f"{self.name}/{var.name}"
        self._metric_variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        return list(self._metric_variables)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self):
        for v in self.variables:
            v.value[...] = 0

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def samplewise(values, sample_weight, reduce=ops.mean):
    """Keras's reduce_to_samplewise_values: (per-sample values * weights, the weights as
    counted), values reduced (mean, or sum for Sum) down to the weights' rank first."""
    values = convert(values, "float32")
    if sample_weight is None:
        return values, None
    sw = convert(sample_weight, "float32")
    values, sw = squeeze_or_expand_to_same_rank(values, sw)
    rv, rw = len(shape_of(values)), len(shape_of(sw))
    if rv > rw:
        values = reduce(values, axis=tuple(range(rw, rv)))
    sw = ops.broadcast_to(sw, shape_of(values))
    values = ops.multiply(values, sw)
    if rw > 1:  # temporal weights: each sample counts by its reduced weights and values
        sw = reduce(sw, axis=tuple(range(1, rw)))
        values = reduce(values, axis=tuple(range(1, rw)))
    return values, sw


class Reduce(Metric):
    """Keeps a float64 `total` and `count` (the Mean family's state)."""

    def __init__(self, name=None, dtype=None):
        super().__init__(dtype=dtype, name=name)
        self.total = self.add_variable((), "zeros", dtype="float64", name="total")
        self.count = self.add_variable((), "zeros", dtype="float64", name="count")

    _reduce = staticmethod(ops.mean)  # how a sample's several values become one

    def add_values(self, values, sample_weight=None):
        values, sw = samplewise(values, sample_weight, self._reduce)
        if sw is not None:
            bind("accumulate", self.count, sw)
        else:  # each sample counts once; a rank-k value is its mean
            shape = shape_of(values)
            rows = shape[0] if shape else 1
            bind("accumulate", self.count, np.float32(rows))
            if len(shape) > 1 and self._reduce is ops.mean:
                values = ops.multiply(values, np.float32(rows / int(np.prod(shape))))
        bind("accumulate", self.total, values)


class Mean(Reduce):
    """The (weighted) mean of the values passed to update_state."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None):
        self.add_values(values, sample_weight)

    def result(self):
        if tracing():  # this step's value, from the state as this step's update left it
            return ops.cast(divide_no_nan(self.total, self.count), "float32")
        count = float(self.count.value)
        return np.float32(float(self.total.value) / count if count else 0.0)


class Sum(Reduce):
    _reduce = staticmethod(ops.sum)

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None):
        self.add_values(values, sample_weight)

    def result(self):
        if tracing():
            return ops.cast(self.total, "float32")
        return np.float32(self.total.value)


class MeanMetricWrapper(Mean):
    """Mean over samples of `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper",
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Keras: a masked prediction's padded steps weigh 0 (times any sample weights).
        from ..layers.masks import get_keras_mask
        mask = get_keras_mask(y_pred)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, self.dtype, reduction="sum")
        self.add_values(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = super().get_config()
        if type(self) is MeanMetricWrapper:  # a subclass names its function by its class
            from ..saving.serialization_lib import serialize_keras_object
            config["fn"] = serialize_keras_object(self._fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper:  # Keras saves the function under "fn"
            from ..saving.serialization_lib import deserialize_keras_object
            config = dict(config)
            fn = config.pop("fn")
            fn = deserialize_keras_object(fn) if isinstance(fn, dict) else fn
            return cls(fn, **config)
        return cls(**config)
