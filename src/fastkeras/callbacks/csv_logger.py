"""CSVLogger: writes each epoch's logs to a CSV file, atomically."""

from __future__ import annotations

import collections.abc
import csv
import io
import os

import numpy as np

from ..saving import atomic
from .callback import Callback


_AS_THEY_ARE = frozenset((float, int, str))  # most cells: no Iterable ABC check


def _cell(value):
    """Keras's cell text: strings as they are, a list of values as "[a, b]"."""
    if type(value) in _AS_THEY_ARE or isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Writes one row per epoch: `epoch`, then the log keys sorted (keras.callbacks.CSVLogger).
    The columns are fixed at the first epoch; where it has no `val_` keys, a `val_` column
    is added for each key (written "NA"), as Keras does. `append=True` continues an
    existing file (its header kept).

    Keras appends each row to an open file; here each epoch rewrites the whole (small)
    file atomically (saving/atomic.py) with the same bytes, so a process killed at any
    moment leaves the complete rows of the epochs done, never a torn row. The fsyncs run in
    the background (saving/atomic.py); the file is complete on the disk when fit returns."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None  # a text file in memory; its bytes are the file's
        self._file_bytes = None  # the bytes under csv_file

    def on_train_begin(self, logs=None):
        kept = b""  # what the file held before this fit (append=True)
        atomic.wait_for(self.filename)
        if self.append and os.path.exists(self.filename):
            with open(self.filename, "rb") as f:
                kept = f.read()
            self.append_header = not kept  # a header only in an empty file
        else:
            atomic.write_atomic(self.filename, b"")  # Keras opens it: created, or emptied
        # The bytes Keras's open(path, "w" or "a") file would hold (the platform's line
        # endings and default encoding), kept for the whole fit: each epoch encodes only
        # its own row.
        self._file_bytes = io.BytesIO()
        self._file_bytes.write(kept)
        self.csv_file = io.TextIOWrapper(self._file_bytes)
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            class Dialect(csv.excel):
                delimiter = self.sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _cell(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()  # the row's text encoded into _file_bytes
        with atomic.writing_behind():  # the disk's fsyncs overlap the next epoch
            atomic.write_atomic(self.filename, self._file_bytes.getvalue())

    def on_train_end(self, logs=None):
        self.writer = None
        atomic.wait_for_all()
