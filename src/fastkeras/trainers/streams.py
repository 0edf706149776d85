"""fit / evaluate / predict fed by a Python generator or a `keras.utils.PyDataset`.

Epochs follow Keras 3's EpochIterator (keras/src/trainers/epoch_iterator.py): with
`steps_per_epoch` one iterator runs on across epochs; a source that runs out warns and ends
that epoch; a generator replays its first two batches (read ahead to learn the batch
structure) whenever a fresh iterator is taken, as Keras's does. A PyDataset's batch order is
shuffled per epoch with Python's `random` (Keras's), its `on_epoch_end` also called once when
a loop starts (Keras's reset).

Speed: batches are never run one Python step each. `Stream.run_epoch` copies up to k
batches of one shape into contiguous buffers (one per array, kept and grown across chunks),
converts and checks them once per chunk (the array path's `_prepare_xy`), and runs the k
steps in one executor call."""

from __future__ import annotations

import collections
import itertools
import random
import time
import types
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import config as keras_config
from ..utils.py_dataset import PyDataset
from . import io, weights

PEEKED = 2  # batches read ahead from a generator (Keras's NUM_BATCHES_FOR_TENSOR_SPEC)
MAX_CHUNK_ROWS = 1 << 16  # rows gathered per executor call when nothing else bounds it


def is_stream(x):
    return isinstance(x, (types.GeneratorType, PyDataset))


def _unsupported(arg, what, kind):
    raise ValueError(f"When providing `x` as a {kind}, `{arg}` should not be passed. "
                     f"Instead, {what} should be included as part of the {kind}.")


def _standardize(batch, kind):
    """(x, y, sample_weight) of one batch: a tuple of 1 to 3, an array (x alone) or a dict."""
    if type(batch) is tuple and 1 <= len(batch) <= 3:
        return batch + (None,) * (3 - len(batch))
    if isinstance(batch, dict) and kind == "PyDataset":
        return batch, None, None
    if isinstance(batch, np.ndarray) and kind == "PyDataset":
        return batch, None, None
    if isinstance(batch, list) and kind == "PyDataset" and 1 <= len(batch) <= 3:
        return tuple(batch) + (None,) * (3 - len(batch))
    if kind == "PyDataset":
        raise ValueError("PyDataset.__getitem__() must return a tuple or a dict. If a tuple, "
                         "it must be ordered either (input,) or (inputs, targets) or (inputs, "
                         f"targets, sample_weights). Received: {str(batch)[:100]}... of type "
                         f"{type(batch)}")
    raise ValueError("When passing a Python generator to a Keras model, the generator must "
                     "return a tuple, either (input,) or (inputs, targets) or (inputs, "
                     f"targets, sample_weights). Received: {str(batch)[:100]}")


class GeneratorSource:
    kind = "generator"
    num_batches = None

    def __init__(self, gen):
        self._first = list(itertools.islice(gen, PEEKED))
        self._gen = gen
        if not self._first:
            raise ValueError("When passing a Python generator to a Keras model, the generator "
                             "must yield at least one batch. Received an empty generator.")
        _standardize(self._first[0], self.kind)

    def iterator(self):
        return itertools.chain(self._first, self._gen)

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


class DatasetSource:
    kind = "PyDataset"

    def __init__(self, dataset, shuffle):
        self.dataset = dataset
        # A stand-in for a tf.data.Dataset (utils/timeseries.py) keeps its order, as Keras's.
        self.shuffle = shuffle and not getattr(dataset, "keeps_batch_order", False)
        self.workers = dataset.workers
        if dataset.use_multiprocessing:
            raise NotImplementedError(
                "PyDataset(use_multiprocessing=True) is not supported by fastkeras: its "
                "batches are fetched by threads. Use `workers=N` with "
                "`use_multiprocessing=False` (the native steps release the GIL).")
        self.queue = max(1, int(dataset.max_queue_size or 1))

    @property
    def num_batches(self):
        return self.dataset.num_batches

    def iterator(self):
        n = self.num_batches
        if n is None:
            order = itertools.count()
        else:
            order = list(range(n))
            if self.shuffle:  # Python's global `random`, as Keras 3.15 (set_random_seed)
                random.shuffle(order)
        if self.workers > 1:
            return self._threaded(order)
        return (self.dataset[i] for i in order)

    def _threaded(self, order):
        """Batches in order, `workers` threads fetching up to `max_queue_size` ahead."""
        with ThreadPoolExecutor(self.workers) as pool:
            pending = collections.deque()
            indices = iter(order)
            for i in itertools.islice(indices, self.queue):
                pending.append(pool.submit(self.dataset.__getitem__, i))
            while pending:
                batch = pending.popleft().result()
                for i in itertools.islice(indices, 1):
                    pending.append(pool.submit(self.dataset.__getitem__, i))
                yield batch

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def source(x, y=None, sample_weight=None, class_weight=None, shuffle=False):
    """The batch source of a generator or PyDataset x, with Keras's argument errors."""
    if isinstance(x, PyDataset):
        kind = "PyDataset"
    else:
        kind = "generator"
    if y is not None:
        _unsupported("y", "the targets", kind)
    if sample_weight is not None:
        _unsupported("sample_weights", "the sample weights", kind)
    if kind == "generator":
        if class_weight is not None:
            raise ValueError("Argument `class_weight` is not supported for Python generator "
                             f"inputs. Received: class_weight={class_weight}")
        if shuffle:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` "
                          "was provided as a generator. The generator is expected to yield "
                          "already-shuffled data.", stacklevel=3)
        return GeneratorSource(x)
    if x.num_batches is None and shuffle:
        warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was "
                      "provided as an infinite PyDataset. The PyDataset is expected to "
                      "already be shuffled.", stacklevel=3)
    return DatasetSource(x, shuffle)


def interrupted():
    warnings.warn("Your input ran out of data; interrupting training. Make sure that your "
                  "dataset or generator can generate at least `steps_per_epoch * epochs` "
                  "batches. You may need to use the `.repeat()` function when building your "
                  "dataset.", stacklevel=4)


class Stream:
    """One loop's batches from `src`: Keras's epoch rules (`batches`) and chunked runs
    (`run_epoch`) of step kind `kind` ('train' or 'test')."""

    def __init__(self, model, kind, src, steps=None, class_weight=None):
        self.model, self.kind, self.src = model, kind, src
        self.steps_per_epoch = keras_config.capped_steps(steps)
        self.class_weight = class_weight
        self._num_batches = src.num_batches
        self._it, self._seen = None, 0
        self._buffers = {}  # batch signature -> list of arrays, reused across chunks

    @property
    def steps(self):
        """The progress bar's steps: steps_per_epoch, else the source's length if known."""
        return self.steps_per_epoch or self._num_batches

    def reset(self):
        """Before a loop: a fresh iterator next epoch (and the source's on_epoch_end)."""
        self._it, self._seen = None, 0
        self._num_batches = self.src.num_batches if self.src.num_batches is not None \
            else self._num_batches
        self.src.on_epoch_end()

    def batches(self):
        """One epoch's raw batches, as Keras's EpochIterator yields them."""
        self.src.on_epoch_begin()
        limit = self.steps_per_epoch or self._num_batches or -1
        if limit > 0:
            if self._it is None or self.steps_per_epoch is None:
                self._it, self._seen = iter(self.src.iterator()), 0
            for _ in range(limit):
                if self._num_batches and self._seen >= self._num_batches:
                    if self.steps_per_epoch:
                        interrupted()
                    break
                self._seen += 1  # counted before the pull, as Keras's (num_batches after
                try:             # running out is one more than the batches there were)
                    batch = next(self._it)
                except StopIteration:
                    self._ran_out()
                    return
                yield batch
            if self._num_batches and self._seen >= self._num_batches:
                self._it, self._seen = iter(self.src.iterator()), 0
        else:
            self._it, self._seen = iter(self.src.iterator()), 0
            while True:
                self._seen += 1
                try:
                    batch = next(self._it)
                except StopIteration:
                    self._ran_out()
                    return
                yield batch
        self.src.on_epoch_end()

    def _ran_out(self):
        if self._num_batches is None:  # how an unknown epoch size is learnt
            self._num_batches = self._seen
        interrupted()  # Keras 3.15 warns whenever an iterator runs out mid-epoch
        self._it = None
        self.src.on_epoch_end()

    # ---- chunked runs ------------------------------------------------------------------
    def run_epoch(self, chunks, on_begin, on_end, stopped, seen=0):
        """Runs one epoch in chunks of same-shaped batches; returns the steps run."""
        feed = self.batches()
        pending = None  # a batch read that did not fit the chunk before it
        done = 0
        while True:
            limit = (self.steps_per_epoch or self._num_batches or 1 << 30) - done
            t0 = time.perf_counter()
            count, sig, pending = self._gather(feed, pending, chunks, max(limit, 1), seen + done)
            if not count:
                return done
            if chunks.call_begin:
                on_begin(done)
            self._run(sig, count)
            chunks.ran(count, time.perf_counter() - t0)
            done += count
            if chunks.call_end:
                on_end(done - count, count)
            if stopped():
                feed.close()
                return done

    def _gather(self, feed, pending, chunks, limit, seen):
        """Copies up to the chunk's number of same-signature batches into the buffers:
        (batches copied, their signature, the next batch if it has another signature)."""
        first = pending if pending is not None else next(feed, None)
        if first is None:
            return 0, None, None
        parts, leaves, sig = _flatten(_standardize(first, self.src.kind))
        sig = (sig, _packing(first))
        rows = sig[0][1][0][0][0] if sig[0][1] else 1
        k = max(1, min(chunks.next(limit, seen), MAX_CHUNK_ROWS // max(rows, 1)))
        bufs = self._buffers_for(sig, leaves, k)
        _copy(bufs, leaves, 0, rows)
        count = 1
        kind = self.src.kind
        while count < k:
            batch = next(feed, None)
            if batch is None:
                break
            _, leaves, bsig = _flatten(_standardize(batch, kind))
            if (bsig, _packing(batch)) != sig:
                return count, (parts, sig, rows), batch
            _copy(bufs, leaves, count * rows, rows)
            count += 1
        return count, (parts, sig, rows), None

    def _buffers_for(self, sig, leaves, k):
        bufs = self._buffers.get(sig)
        rows = len(leaves[0]) if leaves else 1
        if bufs is None or len(bufs[0]) < k * rows:
            bufs = [np.empty((k * rows,) + a.shape[1:], a.dtype) for a in leaves]
            self._buffers[sig] = bufs
        return bufs

    def _run(self, sig, count):
        parts, key, rows = sig
        n = count * rows
        arrays = [b[:n] for b in self._buffers[key]]
        x, y, sw = _unflatten(parts, arrays)
        model = self.model
        if y is None:  # inputs only: the step gets the batch as yielded (Keras's)
            y = io.NoTargets(key[1], isinstance(parts[0], tuple) and parts[0][0] == "dict")
        x, labels = model._prepare_xy(x, y)
        sw = model._sample_weights(y, labels, sw, self.class_weight)
        if self.kind == "train":
            model._ensure_optimizer_built()
        ex = model._steps.executor(self.kind, rows, model._spec(x), model._spec(labels),
                                   weights.spec(sw))
        model._steps.claim()
        ex.run(io.data(x, labels, sw), None, 0, count, ())


def _packing(batch):
    """How Keras hands a batch without y to the step (io.NoTargets): a tuple as yielded,
    (x,) for a PyDataset's lone array, a lone dict as it is."""
    return len(batch) if isinstance(batch, (tuple, list)) else int(not isinstance(batch, dict))


def _flatten(batch):
    """(structure of (x, y, sw), leaf arrays, signature: structure + each leaf's
    (shape, dtype)). Structures: None, one array, a list/tuple or a dict of arrays."""
    parts, leaves = [], []
    for part in batch:
        if part is None:
            parts.append(None)
        elif isinstance(part, dict):
            parts.append(("dict", tuple(part)))
            leaves.extend(_leaf(v) for v in part.values())
        elif isinstance(part, (list, tuple)) and part and not np.isscalar(part[0]) and \
                not isinstance(part[0], (list, tuple)):
            parts.append(("list", len(part)))
            leaves.extend(_leaf(v) for v in part)
        else:
            parts.append("array")
            leaves.append(_leaf(part))
    parts = tuple(parts)
    return parts, leaves, (parts, tuple((a.shape, a.dtype) for a in leaves))


def _leaf(v):
    if type(v) is np.ndarray:
        return v
    if hasattr(v, "to_numpy"):  # pandas
        return v.to_numpy()
    return np.asarray(v)


def _copy(bufs, leaves, start, rows):
    for buf, a in zip(bufs, leaves):
        buf[start:start + rows] = a


def _unflatten(parts, arrays):
    out, i = [], 0
    for part in parts:
        if part is None:
            out.append(None)
        elif part == "array":
            out.append(arrays[i])
            i += 1
        elif part[0] == "dict":
            out.append(dict(zip(part[1], arrays[i:i + len(part[1])])))
            i += len(part[1])
        else:
            out.append(list(arrays[i:i + part[1]]))
            i += part[1]
    return out
