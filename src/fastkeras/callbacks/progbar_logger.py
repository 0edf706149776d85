"""ProgbarLogger: prints the epoch header and a progress bar for fit/evaluate/predict."""

from __future__ import annotations

import sys

from .callback import Callback
from .progbar import Progbar


class ProgbarLogger(Callback):
    def __init__(self, stream=None):
        super().__init__()
        self.stream = stream
        self.progbar = None
        self.verbose = 1
        self.epochs = 1

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def _new_bar(self):
        self.progbar = Progbar(self.steps, verbose=self.verbose, stream=self.stream or sys.stdout)

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            stream = self.stream or sys.stdout
            stream.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            stream.flush()
        self._new_bar()

    def on_train_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, sorted((logs or {}).items()), finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.steps, sorted((logs or {}).items()), finalize=True)

    def on_test_begin(self, logs=None):
        if not self.params.get("in_fit"):
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if not self.params.get("in_fit"):
            self.progbar.update(batch + 1, sorted((logs or {}).items()), finalize=False)

    def on_test_end(self, logs=None):
        if not self.params.get("in_fit"):
            self.progbar.update(self.steps, sorted((logs or {}).items()), finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self.progbar.update(batch + 1, finalize=False)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.steps, finalize=True)
