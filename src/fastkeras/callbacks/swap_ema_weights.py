"""SwapEMAWeights: evaluate (and predict) with the optimizer's moving averages of the
weights (keras.callbacks.SwapEMAWeights, for an optimizer with `use_ema=True`)."""

from __future__ import annotations

import numpy as np

from .callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's EMA weights before evaluation (and
    prediction) and back after it; with `swap_on_epoch=True` also at each epoch's end and
    the next one's beginning, so that other callbacks (ModelCheckpoint) see the averages.
    Keras's `on_predict_end` tests the wrong flag and leaves the averages in the model
    after predict; here predict swaps back."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _pairs(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False) or not getattr(optimizer, "built", False):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on the "
                             f"optimizer. Received: use_ema="
                             f"{getattr(optimizer, 'use_ema', None)}")
        return list(zip(optimizer._built_for, optimizer._averages))

    def _swap_variables(self):
        for variable, average in self._pairs():
            weights = np.array(variable.numpy(), copy=True)
            variable.assign(average.numpy())
            average.assign(weights)

    def _finalize_ema_values(self):
        for variable, average in self._pairs():
            average.assign(variable.numpy())

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap_variables()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if epoch == self.params["epochs"] - 1:
                self._finalize_ema_values()

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
