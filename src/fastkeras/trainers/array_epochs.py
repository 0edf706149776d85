"""Epochs over arrays as Keras 3.15's ArrayDataAdapter and EpochIterator make them
(keras/src/trainers/data_adapters/array_data_adapter.py, trainers/epoch_iterator.py):

- `shuffle=True` draws one permutation of all rows per pass; `shuffle="batch"` keeps the
  batches in order and permutes the rows inside each batch-sized block (the short last
  block included), so a batch holds the same rows as unshuffled, in another order;
- `steps_per_epoch` (and evaluate's `steps`, fit's `validation_steps`): a pass over the
  data runs on across epochs; an epoch asking for more batches than the pass has left runs
  those, warns that the input ran out, and the next epoch starts a fresh pass;
- without a batch_size, `steps` sets it: ceil(rows / steps) (Keras's; else 32)."""

from __future__ import annotations

import math

import numpy as np

from ..utils.random import generator
from . import data as data_utils

SHUFFLE_MODES = (True, False, "batch")


def check_shuffle(shuffle):
    if not any(shuffle is m or (isinstance(shuffle, str) and shuffle == m)
               for m in SHUFFLE_MODES):
        raise ValueError(f"`shuffle` must be True, False or 'batch', received: "
                         f"shuffle={shuffle!r}")
    return shuffle


def check_steps(name, steps):
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps <= 0:
        raise ValueError(f"`{name}` must be a positive integer or None, received: "
                         f"{name}={steps!r}")
    return int(steps)


def batch_size_for(batch_size, rows, steps):
    """The batch size of arrays of `rows` rows: given, else ceil(rows / steps) with
    `steps`, else 32."""
    if batch_size is None and steps:
        return int(math.ceil(rows / steps))
    return data_utils.check_batch_size(batch_size)


def permutation(rows, batch_size, shuffle):
    """The row order of one pass (None: in order)."""
    if not shuffle:
        return None
    rng = generator()
    if isinstance(shuffle, str):  # "batch": a uniform order inside each block, blocks kept
        block = np.arange(rows, dtype=np.int64) // batch_size
        return np.argsort(block + rng.random(rows), kind="stable").astype(np.int64)
    return rng.permutation(rows).astype(np.int64)


class ArrayEpochs:
    """Where each epoch's batches start and stop in the pass over `count` batches."""

    def __init__(self, count, steps_per_epoch=None):
        self.count, self.steps_per_epoch = count, steps_per_epoch
        self.reset()

    @property
    def steps(self):
        """The steps an epoch announces (the progress bar's): steps_per_epoch, else all."""
        return self.steps_per_epoch or self.count

    def reset(self):
        """The next epoch starts a fresh pass (a loop's start; Keras's reset())."""
        self._start = None

    def next_window(self):
        """(fresh pass?, first batch, stop batch, ran out?) of the next epoch."""
        fresh = self._start is None or self.steps_per_epoch is None
        first = 0 if fresh else self._start
        wanted = self.steps_per_epoch or self.count
        stop = min(first + wanted, self.count)
        self._start = None if stop >= self.count else stop
        return fresh, first, stop, first + wanted > self.count
