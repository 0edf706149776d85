"""The logs a user's train_step / test_step returns. Keras puts every key of that dict in
fit's and evaluate's logs (History, the callbacks; `val_` keys for test_step's in fit), each
the value of the last step run: a value computed per batch (a gradient norm) is that
batch's, not an epoch mean (a metric's `result()` is its own running mean already).

A step is traced once into the native step, so each returned tensor is written, every step,
into a state variable of its own (one per step kind, key, shape and dtype, kept for the
model's life so that every trace of a kind shares them); the logs are read from those
variables after the steps ran. A metric's `result()` returned as it is is read from the
metric when the logs are read (after the last step, as Keras's); computed with, it is this
step's value, or raises where the metric's result is NumPy (metrics/traced_result.py).
Numbers the step returns are constants of its trace.

A returned tensor computed after a variable was written in the step sees the written value
(graph/step_writes.py); a Variable returned as it is is read after all the step's
updates."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..callbacks.callback_list import plain_logs
from ..graph import Tensor, Variable, bind, current_graph
from ..metrics.metric import Metric
from ..metrics.traced_result import UntracedResult
from ..ops.core import convert


def _flat_items(logs, out):
    """(key, value) pairs, nested dicts flattened into them (Keras's pythonify_logs)."""
    for key, value in logs.items():
        if isinstance(value, dict):
            _flat_items(value, out)
        else:
            out.append((key, value))
    return out


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number, np.ndarray, np.bool_))


class StepLogs:
    """The returned logs of one model's user steps, by step kind ('train', 'test')."""

    def __init__(self):
        self._variables = {}  # (kind, key, shape, dtype) -> Variable with the last value
        # kind -> the distinct ways its traces returned logs: None (nothing returned) or a
        # tuple of (key, Variable or constant). Traces of several batch sizes may differ
        # (a value shaped by the batch), so each step also writes its variant's index.
        self._variants: dict[str, list] = {}
        self._stamps: dict[str, Variable] = {}
        self._results = {}  # while recording: id(value) -> (value, metric) of result()

    def variables(self):
        """Every log variable: the state block must hold them for all plans at once."""
        return list(self._variables.values()) + list(self._stamps.values())

    def trace(self, kind, model, step, data):
        """Traces the user's step of `kind` on `data`, then the writes of the logs it
        returns (a dict, or None: then the logs are the model's metrics)."""
        with _watching_results(model) as results:
            logs = step(data)
        self._results = results
        try:
            self._record(kind, logs)
        finally:
            self._results = {}

    def _record(self, kind, logs):
        if logs is not None and not isinstance(logs, dict):
            raise TypeError(f"`{kind}_step` must return a dict of logs (a name for each "
                            f"value, e.g. {{'loss': loss}}), or None; it returned "
                            f"{type(logs).__name__}.")
        variant = None
        if logs is not None:
            variant = tuple((key, self._write(kind, key, value))
                            for key, value in _flat_items(logs, []))
        variants = self._variants.setdefault(kind, [])
        index = next((i for i, v in enumerate(variants) if _same(v, variant)), None)
        if index is None:
            index = len(variants)
            variants.append(variant)
        stamp = self._stamps.get(kind)
        if stamp is None:
            stamp = self._stamps[kind] = Variable(np.int32(0), dtype="int32", trainable=False,
                                                  name=f"{kind}_logs_variant")
        bind("assign", stamp, convert(np.int32(index), "int32"))

    def _write(self, kind, key, value):
        """The log variable `value` is assigned to (a traced value), or the constant."""
        if not isinstance(key, str):
            raise TypeError(f"The keys of the logs `{kind}_step` returns must be strings; "
                            f"got {key!r}.")
        found = self._results.get(id(value))
        if found is not None and found[0] is value:
            return found[1]  # read from the metric when the logs are read
        if isinstance(value, UntracedResult):  # of a metric the model does not hold
            return value.metric
        if isinstance(value, Variable):
            value = current_graph().variable(value)
        if not isinstance(value, Tensor):
            if not _is_number(value):
                raise TypeError(f"`{kind}_step` returned {type(value).__name__} for log "
                                f"{key!r}: each value must be a tensor or a number.")
            return np.asarray(value)
        ident = (kind, key, tuple(value.shape), value.dtype)
        var = self._variables.get(ident)
        if var is None:
            var = Variable(np.zeros(value.shape, value.dtype), dtype=value.dtype,
                           trainable=False, name=f"{kind}_log_{key}")
            self._variables[ident] = var
        bind("assign", var, value)
        return var

    def read(self, kind):
        """The logs the last step of `kind` returned, plain (floats; arrays of several
        values stay arrays) and sorted, or None where that step returned none."""
        variants = self._variants.get(kind)
        if not variants:
            return None
        variant = variants[int(self._stamps[kind].numpy())]
        if variant is None:
            return None
        return plain_logs({key: _value(v) for key, v in variant})


def _value(entry):
    if isinstance(entry, Variable):
        return np.array(entry.numpy())
    if isinstance(entry, Metric):
        return np.asarray(entry.result())
    return entry


def _metrics_of(model):
    """The model's metrics and those it holds as attributes (a custom step's own)."""
    found = {id(m): m for m in model.metrics}
    for value in vars(model).values():
        if isinstance(value, Metric):
            found.setdefault(id(value), value)
    return list(found.values())


@contextmanager
def _watching_results(model):
    """While a step is traced, every value the model's metrics' result() returns is kept
    (by identity) with its metric: a log holding it as it is is read from the metric after
    the steps. A result that is not traced (a user's metric computing it in NumPy) is a
    constant of the trace: it becomes an UntracedResult, which refuses to be computed
    with."""
    results = {}
    wrapped = []
    for metric in _metrics_of(model):
        if "result" in vars(metric):  # already an instance's own: left alone
            continue

        def result(_original=metric.result, _metric=metric):
            value = _original()
            if _is_number(value):
                value = UntracedResult(_metric)
            results[id(value)] = (value, _metric)
            return value

        metric.result = result
        wrapped.append(metric)
    try:
        yield results
    finally:
        for metric in wrapped:
            del metric.result


def _same(a, b) -> bool:
    """Two variants write the same keys into the same variables (or equal constants)."""
    if a is None or b is None:
        return a is b
    if len(a) != len(b):
        return False
    for (ka, va), (kb, vb) in zip(a, b):
        if ka != kb:
            return False
        if va is not vb and (isinstance(va, (Variable, Metric)) or
                             isinstance(vb, (Variable, Metric)) or not np.array_equal(va, vb)):
            return False
    return True
