"""When a callback with `save_freq=N` (ModelCheckpoint, BackupAndRestore) saves: Keras's
count of training batches, kept the same while fit calls the batch hook only at the ends
of its chunks of steps."""

from __future__ import annotations

import math


class BatchSaveCounter:
    """Keras counts every training batch once, across epochs and across fit() calls on the
    same callback, and saves when `n` have passed since the last save (the count then
    restarts at 0). fastkeras's fit calls the hook where a chunk of steps ends, `batch`
    being the chunk's last batch, so each call adds the batches since the previous one.

    `hook_interval()` is the callback's `_batch_hook_interval`: chunks must end on every
    step where Keras would save. fit counts its steps from 0, and a count carried over
    from an earlier fit (r batches) puts the saves at n - r, 2n - r, ...: chunks ending
    on every multiple of gcd(n, r) include all of them."""

    def __init__(self, n):
        self.n = n
        self.since_save = 0
        self.last_batch = -1

    def epoch_begins(self):
        self.last_batch = -1

    def batch_ended(self, batch) -> bool:
        """Counts the batches up to `batch` (this epoch's index); True when a save is due."""
        # A batch index not past the last one seen starts a new epoch (as Keras tells).
        self.since_save += batch + 1 if batch <= self.last_batch else batch - self.last_batch
        self.last_batch = batch
        if self.since_save >= self.n:
            self.since_save = 0
            return True
        return False

    def hook_interval(self) -> int:
        n = max(int(self.n), 1)  # Keras: save_freq <= 0 saves at every batch
        return math.gcd(n, self.since_save % n)
