"""The predict fast path: `predict(x, verbose=0)`, `predict_on_batch(x)` and `model(x)` go
straight to the compiled forward plan.

The first call with a given input shape and batch size takes the checked path and leaves a
`ForwardRunner` behind; later calls with a C-contiguous float32 array of that shape go to
the executor, which also checks the values for NaN/inf: no data adapter, callbacks or plan
lookup. Where the backend has one (cpu), the runner's `native` call does all of that in one
Python call, and the runner last used is tried first (a 1-row predict: ~2 us of Python
around a ~13 us forward)."""

from __future__ import annotations

import copy

import numpy as np


class ForwardRunner:
    """Runs every batch of one input shape through the predict plan(s) in one call each."""

    __slots__ = ("calls", "out_row_shape", "out_dtype", "n", "batch_size", "version", "native")

    def __init__(self, steps, n, batch_size, x_spec, version):
        """batch_size None: all n rows in one batch."""
        full, rem = divmod(n, batch_size or n)
        executors = []  # (executor, first row, step count)
        if full:
            executors.append((steps.executor("predict", batch_size or n, x_spec), 0, full))
        if rem:
            executors.append((steps.executor("predict", rem, x_spec), full * batch_size, 1))
        # The native entry point itself when there is one: one Python call less per batch.
        self.calls = [(getattr(ex, "run_native", ex.run), start, count)
                      for ex, start, count in executors]
        ex = executors[0][0]
        buf = ex.plan.buffers[ex.plan.outputs[0]]
        self.out_row_shape = tuple(buf.shape[1:])
        self.out_dtype = buf.dtype
        self.n = n
        self.batch_size = batch_size
        self.version = version
        # x -> output (NaN/inf checked), or None for any x but a C-contiguous array of
        # exactly this shape and dtype; None where the backend has no such call.
        self.native = steps.forward_call(executors, (n,) + tuple(x_spec[0]),
                                         (n,) + self.out_row_shape)

    def __call__(self, x, check_finite=False):
        out = np.empty((self.n,) + self.out_row_shape, self.out_dtype)
        try:
            for run, start, count in self.calls:
                run((x,), None, start, count, (out,), check_finite)
        except ValueError as e:
            raise _naming_x(e) from None
        return out


def _naming_x(e: ValueError) -> ValueError:
    """The executor's NaN/inf error about its input 0, naming `x` instead."""
    msg = str(e)
    return ValueError(msg.replace("input 0", "`x`", 1)) if "NaN or inf" in msg else e


class ForwardCache:
    """ForwardRunners by (input shape, batch size); emptied when the plans change."""

    MAX_ENTRIES = 16

    def __init__(self, steps):
        self.steps = steps
        self.runners = {}
        self.last = None  # the runner with a native call that ran last
        steps.dependents.append(self)

    def __deepcopy__(self, memo):
        return ForwardCache(copy.deepcopy(self.steps, memo))  # empty: runners are caches

    def clear(self):
        self.runners.clear()
        self.last = None

    def fast(self, x, batch_size):
        """The output for x when x is an array of a shape already run with this batch size
        (values checked for NaN/inf by the executor), else None: take the checked path."""
        state = self.steps.state  # StepCache.claim() inlined: the 1-row predict's hot path
        if state is not None and state.lost:
            state.claim()
        last = self.last
        if last is not None and last.batch_size == batch_size and \
                last.version == self.steps.version:
            try:
                out = last.native(x)
            except ValueError as e:
                raise _naming_x(e) from None
            if out is not None:
                return out
        runner = self.lookup(x, batch_size)
        if runner is None:
            return None
        if runner.native is not None:
            self.last = runner
        return runner(x, check_finite=True)

    def lookup(self, x, batch_size):
        """The runner for `x` if x can skip conversion and shape checks, else None."""
        if type(x) is not np.ndarray or x.dtype != np.float32 or not x.flags.c_contiguous:
            return None
        runner = self.runners.get((x.shape, batch_size))
        if runner is None or runner.version != self.steps.version:
            return None
        return runner  # the executor checks the values (check_finite=True)

    def make(self, x, batch_size):
        """Builds (and keeps) the runner for a checked, converted `x`; batch_size None means
        the whole array in one batch."""
        if len(self.runners) >= self.MAX_ENTRIES:
            self.runners.pop(next(iter(self.runners)))
        spec = (tuple(x.shape[1:]), x.dtype.name)
        # The first plan of a model creates its state block, which bumps the version: stamp
        # the runner with the version after its executors exist, or the next call would find
        # it stale. Built again if the version moved (the executors are cached by then).
        while True:
            version = self.steps.version
            runner = ForwardRunner(self.steps, len(x), batch_size, spec, version)
            if self.steps.version == version:
                break
        self.runners[(x.shape, batch_size)] = runner
        return runner


class BatchEntry:
    __slots__ = ("run", "labels_ready", "pred_shape", "version")

    def __init__(self, run, labels_ready, pred_shape, version):
        self.run = run
        self.labels_ready = labels_ready  # y arrives exactly as the plan wants its labels
        self.pred_shape = pred_shape
        self.version = version


def run_checked(run, arrays, names, outputs=()):
    """One step with the executor's NaN/inf check, its message naming the array."""
    try:
        run(arrays, None, 0, 1, outputs, True)
    except ValueError as e:
        msg = str(e)
        if msg.startswith("input ") and "NaN or inf" in msg:
            index = int(msg.split()[1])
            raise ValueError(f"`{names[index]}`" + msg[len(f"input {index}"):]) from None
        raise


class BatchCache:
    """train_on_batch / test_on_batch: the step executor by (kind, x and y shapes and dtypes),
    so that a repeated call goes straight to the native step (which checks for NaN/inf; the
    kernels check label ranges)."""

    MAX_ENTRIES = 16

    def __init__(self, steps):
        self.steps = steps
        self.entries = {}
        steps.dependents.append(self)

    def __deepcopy__(self, memo):
        return BatchCache(copy.deepcopy(self.steps, memo))

    def clear(self):
        self.entries.clear()

    @staticmethod
    def _key(kind, x, y):
        return (kind, x.shape, x.dtype.char, y.shape, y.dtype.char)

    def lookup(self, kind, x, y, loss):
        """(native run, x, labels) when x and y match a known entry, else None."""
        if type(x) is not np.ndarray or type(y) is not np.ndarray:
            return None
        entry = self.entries.get(self._key(kind, x, y))
        if entry is None or entry.version != self.steps.version or not x.flags.c_contiguous \
                or not y.flags.c_contiguous:
            return None
        self.steps.claim()
        if entry.labels_ready:
            return entry.run, x, y
        from .compile_utils import prepare_labels
        return entry.run, x, prepare_labels(y, loss, entry.pred_shape)

    def make(self, kind, raw_x, raw_y, x, labels, pred_shape):
        if len(self.entries) >= self.MAX_ENTRIES:
            self.entries.pop(next(iter(self.entries)))
        spec = lambda a: (tuple(a.shape[1:]), a.dtype.name)  # noqa: E731
        ex = self.steps.executor(kind, len(x), spec(x), spec(labels))
        run = getattr(ex, "run_native", ex.run)
        if isinstance(raw_x, np.ndarray) and isinstance(raw_y, np.ndarray) and \
                raw_x.dtype == x.dtype:
            ready = raw_y.dtype == labels.dtype and raw_y.shape == labels.shape
            self.entries[self._key(kind, raw_x, raw_y)] = BatchEntry(run, ready, pred_shape,
                                                                     self.steps.version)
        return run
