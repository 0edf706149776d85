"""TerminateOnNaN: stops fit when the loss becomes NaN or infinite."""

from __future__ import annotations

import math

from .callback import Callback
from ..utils.progbar import print_msg


class TerminateOnNaN(Callback):
    """Stops training (or raises RuntimeError, with `raise_error=True`) when the loss in the
    batch logs is NaN or infinite (keras.callbacks.TerminateOnNaN).

    fastkeras checks at the end of each chunk of native steps, not after every batch:
    the logged loss is the epoch's running mean, which stays NaN/inf from the first bad
    batch on, so training still stops within the epoch where the loss went bad (within
    about a second of steps), with Keras's message naming the batch where it was seen.
    Checking every batch would cost a return to Python per step in every fit using it."""

    _batch_hook_interval = None

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or not (math.isnan(loss) or math.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
