"""LearningRateScheduler: sets the learning rate at the start of each epoch."""

from __future__ import annotations

import numpy as np

from .callback import Callback
from ..utils.progbar import print_msg
from .learning_rates import current, log_learning_rates, optimizers_of


class LearningRateScheduler(Callback):
    """`schedule(epoch, lr)` (or the older `schedule(epoch)`) gives each epoch's learning
    rate, a float (keras.callbacks.LearningRateScheduler). The optimizer reads it as a
    variable inside the native step, so it applies from the epoch's first step."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, current(optimizer))
        except TypeError:  # the older one-argument schedule
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        optimizer.learning_rate = learning_rate
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        for name, opt in optimizers_of(self.model):
            learning_rate = self._update_optimizer_lr(opt, epoch)
            if self.verbose > 0:
                which = f"{name} " if name else ""
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {which}"
                          f"learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        log_learning_rates(self.model, logs if logs is not None else {})
