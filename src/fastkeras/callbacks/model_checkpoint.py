"""ModelCheckpoint: saves the model or its weights during fit, every epoch or every N
batches, optionally only when a monitored metric improves."""

from __future__ import annotations

import os
import warnings

import numpy as np

from ..saving import atomic
from .monitor_callback import MonitorCallback
from ..utils.progbar import print_msg
from .save_schedule import BatchSaveCounter


class ModelCheckpoint(MonitorCallback):
    """Saves `model.save(filepath)` (a `.keras` file) or, with `save_weights_only=True`,
    `model.save_weights(filepath)` (a `.weights.h5` file) (keras.callbacks.ModelCheckpoint).

    `filepath` may hold format fields filled with `epoch` (1-based), `batch` (1-based, with
    `save_freq=N`) and the log values, e.g. "ckpt-{epoch:02d}-{val_loss:.3f}.keras".
    `save_freq`: "epoch" saves at each epoch's end; an integer N after every N training
    batches, counted over the fit as Keras counts them (fit then runs its steps in chunks
    ending on those batches). `save_best_only`: save only when `monitor` beats the best
    value so far (`initial_value_threshold` to start from), the direction given by `mode`.
    Every file is written atomically (by the saving functions), its fsyncs in the
    background (saving/atomic.py): each save is on the disk when fit returns, and a load
    of the file in the meantime waits for it."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath) if isinstance(filepath, os.PathLike) else filepath
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        self._batch_saves = None if save_freq == "epoch" else BatchSaveCounter(save_freq)
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, "
                                 "the filepath provided must end in `.weights.h5` (Keras "
                                 f"weights format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model "
                             f"format). Received: filepath={self.filepath}")

    @property
    def _batch_hook_interval(self):
        """Saving per epoch needs no batch hook (it returns at once, at chunk ends only);
        every N batches, chunks end where a save is due."""
        return None if self._batch_saves is None else self._batch_saves.hook_interval()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        if self._batch_saves is not None:
            self._batch_saves.epoch_begins()

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_saves is not None and self._batch_saves.batch_ended(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_train_end(self, logs=None):
        atomic.wait_for_all()

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # here, once the compiled metrics exist (as Keras)
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    # ---- saving ---------------------------------------------------------------------------
    def _should_save_model(self, epoch, batch, logs, filepath):
        """Whether to save now; prints Keras's messages under `verbose`."""
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.")
            return True
        if self.monitor_op is None and self.best is not None:
            # A batch-level save before the first epoch ended: Keras has no direction yet
            # (and fails); take it now.
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        try:
            if not self._should_save_model(epoch, batch, logs, filepath):
                return
            dirname = os.path.dirname(filepath)
            if dirname and not os.path.exists(dirname):
                os.makedirs(dirname, exist_ok=True)
            with atomic.writing_behind():  # the disk's fsyncs overlap the next epoch
                if self.save_weights_only:
                    self.model.save_weights(filepath, overwrite=True)
                else:
                    self.model.save(filepath, overwrite=True)
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
        except IsADirectoryError:
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}") from None

    def _get_file_path(self, epoch, batch, logs):
        """`filepath` with its fields filled: epoch and batch count from 1."""
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None
