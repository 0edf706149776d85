"""A metric's `result()` while a user's train_step / test_step is being traced.

fit and evaluate read results eagerly, in NumPy, after a chunk of steps. A custom step,
though, may call `result()` inside its trace (Keras's "customizing fit" guide does) and
compute with it: the value must then be the one *after this step's update_state*, as
Keras's eager step sees it. Two ways:

  ops on the state   Mean, Sum and the metrics built on them, the confusion counts,
                     Precision and Recall (and a user's Metric whose result() uses ops on
                     its variables): a read of a variable inside the trace sees this
                     step's writes (graph/step_writes.py), so the result is a traced
                     tensor, recomputed by every step.
  not traceable      the metrics whose result() is NumPy (AUC, IoU, F-scores, R2, the
                     "X at Y" metrics): inside a trace they give an `UntracedResult`, which
                     step_logs.py reads from the metric after the steps when returned as it
                     is in the logs, and which raises NotImplementedError when computed with
                     (never a silent constant of the trace).
"""

from __future__ import annotations

import functools

from .. import ops
from ..graph import current_graph
from ..ops.core import dtype_of


def tracing() -> bool:
    """Whether a step is being traced now (ops record graph nodes)."""
    return current_graph() is not None


def read(var):
    """The traced read of a state variable (after this step's writes to it)."""
    return current_graph().read(var)


def divide_no_nan(a, b):
    """a / b, and 0 where b is 0 (Keras's divide_no_nan), with ops: where b is 0 the
    quotient is taken by 1 and multiplied by 0; elsewhere it is a / b exactly."""
    zero = ops.cast(ops.equal(b, 0.0), dtype_of(b))
    return ops.multiply(ops.divide(a, ops.add(b, zero)), ops.subtract(1.0, zero))


def untraced_message(metric) -> str:
    return (f"{type(metric).__name__} metric {metric.name!r}: its result() is computed in "
            "NumPy from the metric's state, so inside a traced train_step / test_step it has "
            "no value this step could compute with (it would be a constant of the trace). "
            f"Return the `result()` of {metric.name!r} as it is in the logs (fastkeras reads "
            "it from the metric after the steps, the value Keras logs), or compute what you "
            "need from the metric's variables with ops.")


def _refuse(self, *args, **kwargs):
    raise NotImplementedError(untraced_message(self.metric))


class UntracedResult:
    """What a NumPy-computed result() gives inside a trace: a stand-in for the metric's
    result that only the logs may hold. Every use as a value raises NotImplementedError."""

    __slots__ = ("metric",)

    def __init__(self, metric):
        self.metric = metric

    def __repr__(self):
        return f"<UntracedResult of {self.metric!r}>"

    # Every way a value is computed with: numpy conversion (which every op starts with),
    # numpy functions, Python numbers and arithmetic, indexing.
    __array__ = __array_ufunc__ = __array_function__ = _refuse
    __float__ = __int__ = __index__ = __bool__ = __len__ = __iter__ = __getitem__ = _refuse
    __neg__ = __pos__ = __abs__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = _refuse
    __pow__ = __rpow__ = __mod__ = __rmod__ = __matmul__ = __rmatmul__ = _refuse
    __lt__ = __le__ = __gt__ = __ge__ = _refuse

    @property
    def shape(self):
        _refuse(self)

    @property
    def dtype(self):
        _refuse(self)


def numpy_result(result):
    """Marks a result() computed in NumPy from the state's arrays: inside a trace it gives
    an UntracedResult instead; outside, it runs unchanged."""
    @functools.wraps(result)
    def wrapped(self):
        if tracing():
            return UntracedResult(self)
        return result(self)
    return wrapped
