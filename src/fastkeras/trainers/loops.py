"""The loops of fit, evaluate and predict: epochs, batches, callbacks and progress, with
Keras 3's hook order and logs (keras/src/backend/jax/trainer.py).

Steps run natively in chunks: one executor call runs many steps, and Python comes back
between chunks only where something needs it (`Chunks`). A batch-level hook no callback
replaces is never called; one that is replaced is called per batch (or per N steps, or
per chunk, as the callback declares: `Callback._batch_hook_interval`)."""

from __future__ import annotations

import time

import numpy as np

from ..callbacks import Callback, CallbackList
from . import io
from .array_epochs import ArrayEpochs, batch_size_for, permutation
from .streams import interrupted

# A live progress bar is redrawn about this often; chunks of steps are sized to match.
PROGRESS_SECONDS = 0.1
# Otherwise fit still returns to Python about this often, so that Ctrl-C and
# stop_training are honoured within a second even on long epochs.
CHUNK_SECONDS = 1.0


def callback_list(model, callbacks, verbose, epochs, steps, add_history=False):
    """Keras's CallbackList for one call: the user's callbacks (or their own CallbackList,
    used as given), then a History (fit) and a ProgbarLogger (verbose != 0)."""
    if isinstance(callbacks, CallbackList):
        return callbacks
    cbs = CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0)
    for cb in cbs.callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback instances, got {cb!r}")
    cbs.set_model(model)
    cbs.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    return cbs


class Chunks:
    """How many steps each executor call of one loop runs, and which batch hooks it calls:
    - one step per call when a callback replaces a batch-level hook of this loop and wants
      every batch (the default: Keras calls those per batch);
    - chunks ending on every multiple of N steps for a callback asking for every Nth;
    - otherwise chunks sized to take about `seconds`: 0.1 s while a progress bar redraws,
      1 s in fit (`bounded`), and evaluate or predict with nothing to call in between run
      all their steps in one call."""

    def __init__(self, callbacks, kind, bounded):
        self.call_begin, self.call_end, intervals = callbacks.batch_hook_needs(kind)
        live = callbacks.progress_live(kind)
        self.call_end = self.call_end or live  # the bar redraws at chunk ends
        self.every = sorted(intervals)
        if live:
            self.seconds = PROGRESS_SECONDS
        elif bounded or self.call_begin or self.call_end:
            self.seconds = CHUNK_SECONDS
        else:
            self.seconds = None
        self.size = 1  # steps per call, adapted to the measured step time

    @property
    def any_call(self):
        return self.call_begin or self.call_end

    def next(self, remaining, seen):
        """Steps for the next call, at most `remaining`; `seen` steps ran before it."""
        if self.seconds is None:
            return remaining
        k = min(self.size, remaining)
        for n in self.every:
            k = min(k, n - seen % n)
        return k

    def ran(self, steps, seconds):
        """Grows (at most 8x) or shrinks the chunk so that one call takes ~self.seconds."""
        if self.seconds is None:
            return
        per_step = seconds / max(steps, 1)
        self.size = self.size * 8 if per_step <= 0 else \
            max(1, min(self.size * 8, int(self.seconds / per_step)))


class Batches:
    """One pass over `n` rows of the executors' arrays `data`: `full` batches of
    `batch_size` rows, then one short batch of the `rem` rows left, each size run by its
    own executor of step kind `kind` ('train', 'test', 'predict'); `specs` are the
    executor's data specs after the batch size."""

    def __init__(self, model, kind, data, n, batch_size, specs, steps_per_epoch=None):
        self.model, self.kind, self.data, self.n = model, kind, data, n
        self.batch_size, self.specs = batch_size, specs
        self.full, self.rem = divmod(n, batch_size)
        self.count = self.full + (1 if self.rem else 0)  # batches in one pass
        self.epochs = ArrayEpochs(self.count, steps_per_epoch)
        self.steps = self.epochs.steps
        self._perm = None
        self._version = None
        self._executors()  # compiled now: a bad model fails before any callback runs

    def _executors(self):
        """(full-batch executor, short-batch executor), taken again whenever the model's
        plans changed since (a new state block drops the executors built before it)."""
        cache = self.model._steps
        while self._version != cache.version:
            version = cache.version
            self._full = cache.executor(self.kind, self.batch_size, *self.specs) \
                if self.full else None
            self._rem = cache.executor(self.kind, self.rem, *self.specs) if self.rem else None
            if cache.version == version:
                self._version = version
        return self._full, self._rem

    def steps_in_call(self, first, stop, chunks, seen):
        """Steps of the call starting at step `first` (before `stop`): a chunk of whole
        batches, or the short batch alone."""
        return chunks.next(min(self.full, stop) - first, seen) if first < self.full else 1

    def run_epoch(self, chunks, on_begin, on_end, stopped, seen=0, shuffle=False,
                  outputs=()):
        """One epoch's steps (all batches, or steps_per_epoch of them: array_epochs.py),
        the rows in a fresh order per pass as `shuffle` says; returns the steps run."""
        fresh, first, stop, ran_out = self.epochs.next_window()
        if fresh:
            self._perm = permutation(self.n, self.batch_size, shuffle)
        done = _pass(self, chunks, on_begin, on_end, stopped, seen, self._perm, outputs,
                     first, stop)
        if ran_out and first + done >= stop:
            interrupted()
        return done

    def run(self, first, k, perm=None, outputs=()):
        full, rem = self._executors()
        self.model._steps.claim()  # a callback may have run a model sharing our weights
        if first < self.full:
            full.run(self.data, perm, first * self.batch_size, k, outputs)
        else:
            rem.run(self.data, perm, self.full * self.batch_size, 1, outputs)

    def rows_before(self, steps):
        """How many rows the first `steps` steps cover."""
        return min(steps * self.batch_size, self.n)

    def output_arrays(self):
        """An empty array per predict output, for all n rows (the executors write theirs)."""
        plan = (self._full or self._rem).plan
        return [np.empty((self.n,) + tuple(plan.buffers[o].shape[1:]), plan.buffers[o].dtype)
                for o in plan.outputs]


def _pass(batches, chunks, on_begin, on_end, stopped, seen=0, perm=None, outputs=(),
          start=0, stop=None):
    """Runs batches [start, stop) of `batches` in chunks, calling on_begin(first step) and
    on_end(first step, steps) around each where `chunks` says (steps counted from `start`);
    stops early once `stopped()`. Returns the number of steps run."""
    stop = batches.count if stop is None else stop
    at = start
    while at < stop:
        k = batches.steps_in_call(at, stop, chunks, seen + at - start)
        if chunks.call_begin:
            on_begin(at - start)
        t0 = time.perf_counter()
        batches.run(at, k, perm, outputs)
        if at < batches.full:
            chunks.ran(k, time.perf_counter() - t0)
        at += k
        if chunks.call_end:
            on_end(at - k - start, k)
        if stopped():
            break
    return at - start


def fit(model, callbacks, train, val, epochs, initial_epoch, shuffle, validation_freq):
    """fit's epochs over `train` (Batches), validating on `val` (Batches or None) every
    `validation_freq` epochs through evaluate's loop, as Keras (the test hooks included)."""
    model.stop_training = False
    model._initial_epoch = None
    callbacks.on_train_begin()
    # A callback may move the start, as Keras lets BackupAndRestore do. Unlike Keras, the
    # value does not outlive this fit: a later fit starts where it is told to.
    initial_epoch = model._initial_epoch or initial_epoch
    chunks = Chunks(callbacks, "train", bounded=True)
    logs = {}
    seen = 0  # steps run in this fit: where a chunk must end for an every-N callback
    for epoch in range(initial_epoch, epochs):
        model.reset_metrics()
        callbacks.on_epoch_begin(epoch)
        on_end = lambda first, k: callbacks.on_train_batch_end(  # noqa: E731
            first + k - 1, model._logs("train", final=False))
        if isinstance(train, Batches):
            seen += train.run_epoch(chunks, callbacks.on_train_batch_begin, on_end,
                                    lambda: model.stop_training, seen, shuffle)
        else:  # a generator or PyDataset (streams.py)
            seen += train.run_epoch(chunks, callbacks.on_train_batch_begin, on_end,
                                    lambda: model.stop_training, seen)
        epoch_logs = model._logs("train")
        if val is not None and (epoch + 1) % validation_freq == 0:
            val_logs = evaluate(model, callbacks, val)
            epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
        callbacks.on_epoch_end(epoch, epoch_logs)
        logs = epoch_logs
        if model.stop_training:
            break
    if epochs > 0 and model.optimizer is not None:  # Keras: EMA averages become the weights
        model.optimizer.finalize_variable_values(model.trainable_weights)
    callbacks.on_train_end(logs)
    return model.history


def evaluate(model, callbacks, batches):
    """One pass of test steps over `batches`: the metrics' results (sorted by name)."""
    callbacks.on_test_begin()
    model.stop_evaluating = False
    model.reset_metrics()
    batches.reset() if not isinstance(batches, Batches) else batches.epochs.reset()
    batches.run_epoch(Chunks(callbacks, "test", bounded=False), callbacks.on_test_batch_begin,
                      lambda first, k: callbacks.on_test_batch_end(
                          first + k - 1, model._logs("test", final=False)),
                      lambda: model.stop_evaluating)
    logs = model._logs("test")
    callbacks.on_test_end(logs)
    return logs


def predict(model, callbacks, x, batch_size, verbose):
    """predict() with callbacks or a progress bar: the forward pass in one call where no
    hook runs between batches, else in chunks, each followed by on_predict_batch_end with
    {"outputs": that chunk's outputs}."""
    xs = model._prepare_x(x)
    n = io.rows(xs)
    callbacks = callback_list(model, callbacks, verbose, 1, -(-n // batch_size))
    callbacks.on_predict_begin()
    model.stop_predicting = False
    chunks = Chunks(callbacks, "predict", bounded=False)
    if not chunks.any_call:
        out = model._forward_arrays(x if model._structured_io else xs, batch_size)
    else:
        batches = Batches(model, "predict", io.flat(xs), n, batch_size, (io.spec(xs),))
        outs = batches.output_arrays()
        pack = model._functional.pack_outputs if model._structured_io else (lambda o: o[0])

        def on_end(first, k):
            lo, hi = batches.rows_before(first), batches.rows_before(first + k)
            callbacks.on_predict_batch_end(first + k - 1,
                                           {"outputs": pack([o[lo:hi] for o in outs])})

        done = _pass(batches, chunks, callbacks.on_predict_batch_begin, on_end,
                     lambda: model.stop_predicting, outputs=outs)
        rows = batches.rows_before(done)
        out = pack(outs if rows == n else [o[:rows] for o in outs])
    callbacks.on_predict_end()
    return out


def predict_steps(model, callbacks, x, batch_size, verbose, steps):
    """predict(x, steps=...) on arrays: the rows of the first `steps` batches (batch_size
    ceil(rows / steps) when not given, as Keras); more steps than batches warns that the
    input ran out, and predicts them all."""
    n = io.rows(model._prepare_x(x))
    batch_size = batch_size_for(batch_size, n, steps)
    count = -(-n // batch_size)
    if steps > count:
        interrupted()
    rows = min(steps * batch_size, n)
    if rows < n:
        x = _head(x, rows)
    if verbose == 0 and not callbacks:
        return model._forward_arrays(x, batch_size)
    return predict(model, callbacks, x, batch_size, verbose)


def _head(x, rows):
    """The first `rows` rows of x: an array, or a list, tuple or dict of them."""
    if isinstance(x, dict):
        return {k: _head(v, rows) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(hasattr(v, "shape") for v in x):
        return type(x)(_head(v, rows) for v in x)
    return (x.iloc if hasattr(x, "iloc") else np.asarray(x))[:rows]
