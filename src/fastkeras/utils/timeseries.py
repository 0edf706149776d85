"""keras.utils.timeseries_dataset_from_array without TensorFlow: a PyDataset of windows.

Keras 3.15 builds a tf.data pipeline (or, with format="grain", a Grain one); fastkeras
returns `TimeseriesDataset`, a `PyDataset` whose item i is batch i, `(batch_of_sequences,
batch_of_targets)` or, without targets, `batch_of_sequences`, as NumPy arrays. `fit`,
`evaluate` and `predict` take it as they take any PyDataset; its batches keep their order
under fit's `shuffle` (as Keras's tf.data.Dataset does: fit does not reorder a dataset).

Windows, targets and batch order are Keras's for shuffle=False. With shuffle=True the start
positions are permuted by `np.random.RandomState(seed)` exactly as Keras does first; Keras
then also shuffles the windows within a buffer of `batch_size * 8` with TensorFlow's own
random stream, which fastkeras cannot reproduce, so shuffled batches differ from Keras's
(each window still appears once per epoch). The windows are gathered per batch on demand,
so memory stays at the data plus one batch.
"""

from __future__ import annotations

import numpy as np

from .py_dataset import PyDataset


def _check_arguments(length, sequence_stride, sampling_rate, start_index, end_index, fmt):
    """Keras's argument checks, in its order (a 0 start or end index is not checked, as in
    Keras, whose tests are `if start_index:` and `if end_index:`)."""
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {length}")
    if fmt not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={fmt}')


class TimeseriesDataset(PyDataset):
    """Batches of sliding windows over `data` (see timeseries_dataset_from_array)."""

    keeps_batch_order = True  # fit's `shuffle` leaves it alone (trainers/streams.py)

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        # Offsets of a window's steps from its start.
        self._steps = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        if self.batch_size is None:  # unbatched: one window per item, as Keras's
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"TimeseriesDataset index {index} out of range for {len(self)} "
                             f"{'samples' if self.batch_size is None else 'batches'}")
        index %= len(self)
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[np.add.outer(starts, self._steps)]
        if self.targets is None:
            return windows
        return windows, self.targets[starts]


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Sliding windows over `data` (axis 0 is time): window j takes the steps
    `s_j, s_j + sampling_rate, ...` (`sequence_length` of them) of
    `data[start_index:end_index]`, with `s_j = j * sequence_stride`, and the target
    `targets[start_index:][s_j]`. Returns a `TimeseriesDataset` (a PyDataset) of batches
    of `batch_size` windows (the last may be smaller; None: single windows). `format`
    ("tf" or "grain") is checked as Keras does; both give the same NumPy dataset here."""
    data = np.asarray(data)
    length = len(data)
    _check_arguments(length, sequence_stride, sampling_rate, start_index, end_index, format)
    start_index = 0 if start_index is None else start_index
    end_index = length if end_index is None else end_index
    num_windows = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_windows = min(num_windows, len(targets))
    starts = np.arange(0, num_windows, sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(int(1e6))
        np.random.RandomState(seed).shuffle(starts)
    if targets is not None:
        targets = targets[start_index:end_index]
        if len(starts) and starts.max() >= len(targets):
            raise ValueError(
                f"`targets` has {len(targets)} entries from start_index={start_index} on, but "
                f"the windows start up to {int(starts.max())} steps after start_index: each "
                "window needs the target at its start (targets[start_index + start])")
    return TimeseriesDataset(data[start_index:end_index], targets, starts, sequence_length,
                             sampling_rate, batch_size)
