"""TensorBoard: Keras's event-file logging callback, written through tensorboardX.

The run directories, tags and steps are Keras 3's (`log_dir/train`, `log_dir/validation`;
`epoch_<name>` at the epoch index, `batch_<name>` at the fit's step count,
`evaluation_<name>_vs_iterations` at `optimizer.iterations`, `<weight path>/histogram`).
tensorboardX stores a scalar as a `simple_value` and a histogram as a `HistogramProto`
where TensorFlow writes tensor summaries; TensorBoard reads both forms the same way.
"""

from __future__ import annotations

import itertools
import os
import time
import warnings

import numpy as np

from .callback import Callback

# tf.summary.histogram's default: 30 equal-width buckets between the minimum and maximum.
_HISTOGRAM_BUCKETS = 30
# tf.summary.image's default max_outputs: at most three images per weight.
_MAX_IMAGES = 3
# Event file names end as TensorFlow's do (".<pid>.<counter>.v2"), so that two writers
# opened in the same second (fit, then evaluate) never share, and clobber, one file.
_file_counter = itertools.count()


def _tensorboardx_summary():
    """tensorboardX's summary builders (its `summary` module)."""
    try:
        from tensorboardX import summary
    except ImportError as exc:
        raise ImportError("keras.callbacks.TensorBoard writes its event files with "
                          "tensorboardX, which is not installed. Install it with "
                          "`pip install fastkeras[tensorboard]`.") from exc
    return summary


class _RunWriter:
    """One run directory's event file. Events are written as they come (tensorboardX's
    SummaryWriter queues them to a thread, and its flush() does not wait for that queue,
    so an epoch's events could still be missing after it)."""

    def __init__(self, logdir):
        from tensorboardX.event_file_writer import EventsWriter
        os.makedirs(logdir, exist_ok=True)
        suffix = f".{os.getpid()}.{next(_file_counter)}.v2"
        self._events = EventsWriter(os.path.join(logdir, "events"), suffix)

    def add(self, summary, step):
        from tensorboardX.proto.event_pb2 import Event
        self._events.write_event(Event(wall_time=time.time(), step=int(step), summary=summary))

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()


def _check_frequency(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer (0 turns it off). "
                         f"Received: {name}={value!r}")
    return int(value)


def _check_update_freq(update_freq):
    if update_freq in ("epoch", "batch"):
        return 1 if update_freq == "batch" else "epoch"
    if isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer)) \
            or update_freq < 1:
        raise ValueError("`update_freq` must be 'epoch', 'batch' or a positive integer "
                         f"(a number of batches). Received: update_freq={update_freq!r}")
    return int(update_freq)


def _refuse_profiling(profile_batch):
    # Keras raises ValueError for a backend that has no profiler; fastkeras has none.
    if profile_batch:
        raise ValueError("Profiling is not available in fastkeras: its kernels run outside "
                         "the TensorFlow/JAX profilers. Received: "
                         f"profile_batch={profile_batch!r} (must be 0)")
    if not isinstance(profile_batch, (int, np.integer)):
        raise ValueError("profile_batch must be a non-negative integer or 2-tuple of "
                         f"positive integers. Found: {profile_batch!r}")


def _refuse_embeddings(embeddings_freq):
    if embeddings_freq:
        raise NotImplementedError(
            "`embeddings_freq` is not supported yet by fastkeras: the TensorBoard projector "
            "reads TensorFlow checkpoints, which fastkeras does not write. Received: "
            f"embeddings_freq={embeddings_freq!r} (use 0)")


def _weight_image(values):
    """Keras's picture of a weight as an NHWC batch (None where Keras draws none): a bias
    as one column, a Dense kernel as one image (wider than tall), a 1D-conv kernel as one
    image per output channel."""
    w = np.squeeze(values)
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:  # channels_last (fastkeras's only data format): channels first
        w = w.transpose(2, 0, 1)[..., np.newaxis]
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    # tf.summary.image's conversion of floats: scaled by 255.5, saturated to [0, 255].
    w = np.nan_to_num(w[:_MAX_IMAGES], nan=0.0)
    return np.clip(w * 255.5, 0, 255).astype(np.uint8)


class TensorBoard(Callback):
    """Writes TensorBoard event files (Keras's `keras.callbacks.TensorBoard`).

    Honoured: `log_dir`, `histogram_freq`, `write_graph` (the model's JSON config under the
    tag "keras", which TensorBoard's graph tab draws; there is no TensorFlow op graph to add),
    `write_images` (with `histogram_freq`; needs Pillow), `write_steps_per_second`,
    `update_freq`. Refused: a nonzero `profile_batch` (ValueError, as Keras on a backend
    without a profiler) and a nonzero `embeddings_freq` (NotImplementedError);
    `embeddings_metadata` is accepted and, as in Keras without `embeddings_freq`, unused.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        _tensorboardx_summary()  # fail here, not at the end of the first epoch
        if write_images:
            try:
                import PIL  # noqa: F401  (tensorboardX encodes images with it)
            except ImportError as exc:
                raise ImportError("TensorBoard(write_images=True) needs Pillow to encode "
                                  "the images: `pip install pillow`.") from exc
        _refuse_profiling(profile_batch)
        _refuse_embeddings(embeddings_freq)
        self.log_dir = str(log_dir)
        self.histogram_freq = _check_frequency("histogram_freq", histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = _check_update_freq(update_freq)
        # Chunks of steps end every `update_freq` steps (Callback._batch_hook_interval), not
        # after every step; with 'epoch' the batch hook has nothing to do.
        self._batch_hook_interval = None if self.update_freq == "epoch" else self.update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}  # run name ("train", "validation") -> _RunWriter, made on use
        self._steps_before_epoch = 0  # train steps of this fit before the current epoch
        self._steps_seen = 0  # train steps of this fit up to the last batch hook
        self._batch_start = (0.0, 0)  # (time, steps seen) when the current batch began
        self._epoch_start = (0.0, 0)  # (time, optimizer.iterations) when the epoch began

    # ---- writers -------------------------------------------------------------------------
    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = _RunWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _add_scalars(self, run, values, step, prefix, suffix=""):
        if not values:
            return
        writer, summary = self._writer(run), _tensorboardx_summary()
        for name, value in values.items():
            writer.add(summary.scalar(f"{prefix}{name}{suffix}", float(value)), step)

    def _flush_writers(self):
        for writer in self._writers.values():
            writer.flush()

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ---- model and optimizer -------------------------------------------------------------
    def set_model(self, model):
        self._close_writers()  # a new fit/evaluate/predict starts new event files, as Keras
        self._model = model
        if self.write_graph:
            self._write_model_config()

    def _write_model_config(self):
        """The model's JSON config as Keras's `keras_model_summary` writes it: a string
        tensor under the tag "keras" at step 0, for the graph plugin's conceptual graph."""
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            config = self.model.to_json()
        except Exception as exc:  # as Keras: a model that cannot serialize is not an error
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}")
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[config.encode("utf-8")])
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer = self._writer("train")
        writer.add(summary, step=0)
        writer.flush()  # predict() ends with no hook that would flush it

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return None
        return int(np.asarray(optimizer.iterations.numpy()))

    def _learning_rate(self):
        from ..optimizers import Optimizer
        optimizer = getattr(self.model, "optimizer", None)
        return float(optimizer.learning_rate) if isinstance(optimizer, Optimizer) else None

    # ---- hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._steps_before_epoch = self._steps_seen = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = (time.perf_counter(), self._iterations() or 0)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        self._log_epoch_metrics(epoch, logs, val_logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        self._steps_before_epoch = self._steps_seen
        self._flush_writers()

    def on_test_end(self, logs=None):
        self._log_evaluation(logs)
        self._flush_writers()

    def on_train_batch_begin(self, batch, logs=None):
        if self.update_freq != "epoch":
            self._batch_start = (time.perf_counter(), self._steps_seen)

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq != "epoch":
            self._log_batch(batch, logs)

    # ---- what each hook writes -----------------------------------------------------------
    def _log_batch(self, batch, logs):
        """`batch_<name>` scalars (and `batch_steps_per_second`) at the fit's step count,
        whenever that count reaches a multiple of `update_freq` (Keras: step % freq == 0).
        `batch` is the index of the last step run in this epoch, so one hook call may stand
        for several steps."""
        steps = self._steps_before_epoch + batch + 1
        previous, self._steps_seen = self._steps_seen, steps
        if steps // self.update_freq == previous // self.update_freq:
            return
        values = dict(logs) if isinstance(logs, dict) else {}
        if self.write_steps_per_second:
            began, steps_at_begin = self._batch_start
            elapsed = time.perf_counter() - began
            values["steps_per_second"] = (steps - steps_at_begin) / max(elapsed, 1e-9)
        self._add_scalars("train", values, steps, prefix="batch_")

    def _log_epoch_metrics(self, epoch, logs, val_logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second:
            began, iterations_at_begin = self._epoch_start
            steps = (self._iterations() or 0) - iterations_at_begin
            train_logs["steps_per_second"] = steps / max(time.perf_counter() - began, 1e-9)
        self._add_scalars("train", train_logs, epoch, prefix="epoch_")
        self._add_scalars("validation", val_logs, epoch, prefix="epoch_")

    def _log_evaluation(self, logs):
        """Keras's evaluation summaries: every result of an evaluation (evaluate(), or
        fit's validation) at the optimizer's iteration count."""
        step = self._iterations()
        if step is None or not logs:
            return
        self._add_scalars("validation", logs, step, prefix="evaluation_",
                          suffix="_vs_iterations")

    def _log_weights(self, epoch):
        writer, summary = self._writer("train"), _tensorboardx_summary()
        for layer in self.model.layers:
            for weight in layer.weights:
                values = np.asarray(weight.numpy())
                if values.dtype.kind not in "biuf":
                    continue  # not a number: nothing to draw
                values = values.astype(np.float64)
                tag = weight.path.replace(":", "_")
                finite = values[np.isfinite(values)]  # a diverged weight still gets a picture
                if finite.size:
                    writer.add(summary.histogram(f"{tag}/histogram", finite,
                                                 bins=_HISTOGRAM_BUCKETS), epoch)
                image = _weight_image(values) if self.write_images else None
                if image is not None:  # several images are drawn side by side in one
                    writer.add(summary.image(f"{tag}/image", image, dataformats="NHWC"),
                               epoch)
