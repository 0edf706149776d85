"""Callback: the base class of every callback, with Keras 3's hooks.

fit, evaluate and predict run their steps natively in chunks (trainers/loops.py), so a
batch-level hook costs a return to Python. A loop calls one only where a callback replaces
Keras's no-op default (marked with `default`, as Keras's utils.default); a callback that
does not need every batch says so with `_batch_hook_interval`."""

from __future__ import annotations


def default(method):
    """Marks a hook as the base class's no-op: a callback that keeps it needs no call."""
    method._is_default = True
    return method


def is_default(method) -> bool:
    return getattr(method, "_is_default", False)


class Callback:
    """Base class of callbacks (keras.callbacks.Callback).

    Attributes: `params` (fit's {"verbose", "epochs", "steps"}) and `model`."""

    # How often fit must call the batch-level hooks this callback replaces (fastkeras):
    #   1     every batch, as Keras does (the default: user code sees each batch);
    #   N > 1 at least after every Nth training step, counted over the whole fit (chunks of
    #         steps end there), e.g. a checkpoint saved every N batches;
    #   None  whenever a chunk of steps ends, the contract Keras gives under
    #         `steps_per_execution`: the batch index says where the chunk ended.
    _batch_hook_interval = 1

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @default
    def on_batch_begin(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_begin`."""

    @default
    def on_batch_end(self, batch, logs=None):
        """A backwards compatibility alias for `on_train_batch_end`."""

    @default
    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of an epoch of fit."""

    @default
    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of an epoch of fit; `logs` has the epoch's metrics and, after a
        validation pass, the same prefixed with `val_`."""

    @default
    def on_train_batch_begin(self, batch, logs=None):
        """Called before a training batch (or a chunk of them: `batch` is its first)."""
        self.on_batch_begin(batch, logs=logs)

    @default
    def on_train_batch_end(self, batch, logs=None):
        """Called after a training batch (or a chunk of them: `batch` is its last); `logs`
        has the metrics aggregated over the epoch so far."""
        self.on_batch_end(batch, logs=logs)

    @default
    def on_test_batch_begin(self, batch, logs=None):
        """Called before a batch of evaluate, or of fit's validation."""

    @default
    def on_test_batch_end(self, batch, logs=None):
        """Called after a batch of evaluate, or of fit's validation; `logs` has the metrics
        aggregated so far."""

    @default
    def on_predict_batch_begin(self, batch, logs=None):
        """Called before a batch of predict."""

    @default
    def on_predict_batch_end(self, batch, logs=None):
        """Called after a batch of predict; `logs` is {"outputs": the batch's outputs}."""

    @default
    def on_train_begin(self, logs=None):
        """Called at the start of fit."""

    @default
    def on_train_end(self, logs=None):
        """Called at the end of fit; `logs` are the last epoch's."""

    @default
    def on_test_begin(self, logs=None):
        """Called at the start of evaluate, or of fit's validation."""

    @default
    def on_test_end(self, logs=None):
        """Called at the end of evaluate, or of fit's validation, with its results."""

    @default
    def on_predict_begin(self, logs=None):
        """Called at the start of predict."""

    @default
    def on_predict_end(self, logs=None):
        """Called at the end of predict."""
