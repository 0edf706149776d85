"""compile / fit / evaluate / predict and the *_on_batch methods, with Keras 3 signatures:
arguments checked and data prepared here, the epoch and batch loops (chunks of native
steps, callbacks, progress) in loops.py."""

from __future__ import annotations

import numpy as np

from .. import config as keras_config, losses as losses_module, optimizers
from ..metrics.metric import Metric
from ..utils.packing import unpack_x_y_sample_weight
from . import (array_epochs, compile_utils, data as data_utils, io, loops, multi_output,
               stream_predict, streams, weights)
from .forward import BatchCache, ForwardCache, run_checked
from .steps import StepCache, custom_compute_loss, default_loss, overridden, supervised_step


def _not_supported(**kwargs):
    for name, value in kwargs.items():
        if value is not None and value is not False:
            raise NotImplementedError(f"`{name}` is not supported yet by fastkeras")


class Trainer(io.TrainerData):
    def _init_trainer(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._metric_specs = None
        self._weighted_specs = None
        self._compiled_metrics = []
        self._metric_entries = []  # multi_output.MetricEntry: log names, weighted or not
        self._loss_weights = None
        self._loss_weight = None  # one output's weight, once resolved
        self._compiled_outputs = None  # several outputs: multi_output.CompiledOutputs
        self._metrics_resolved = False
        self._loss_tracker = compile_utils.loss_tracker()
        self._steps = StepCache(self)
        self._forward = ForwardCache(self._steps)
        self._batches = BatchCache(self._steps)
        self.stop_training = False
        self.history = None
        self._initial_epoch = None  # where fit starts when a callback sets it (Keras's)

    # ---- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        _not_supported(run_eagerly=run_eagerly)
        for name, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(f"Expected `{name}` argument to be a list, tuple, or dict. "
                                 f"Received instead: {name}={value} of type {type(value)}")
        if loss_weights is not None and (isinstance(loss_weights, bool) or not isinstance(
                loss_weights, (list, tuple, dict, int, float, np.integer, np.floating))):
            raise ValueError("Expected `loss_weights` argument to be a float (single output "
                             "case) or a list, tuple, or dict (multiple output case). Received "
                             f"instead: loss_weights={loss_weights!r} of type "
                             f"{type(loss_weights).__name__}")
        self.optimizer = optimizers.get(optimizer)
        # One loss, or one per output (a list or a dict keyed by output name), matched to
        # the outputs at the first fit (trainers/multi_output.py).
        if isinstance(loss, dict):
            self.loss = {k: losses_module.resolve(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            self.loss = [losses_module.resolve(v) for v in loss]
        else:
            self.loss = losses_module.resolve(loss)
        self._loss_weights = loss_weights
        self._loss_weight = None
        self._compiled_outputs = None
        self._metric_specs = metrics
        self._weighted_specs = weighted_metrics
        self._compiled_metrics = []
        self._metric_entries = []
        self._metrics_resolved = False
        self._loss_tracker = compile_utils.loss_tracker()
        # What the first fit's optimizer will be built for, to name a later change.
        self._compiled_trainable_state = [(layer, layer.trainable) for layer in self.layers_flat]
        self._optimizer_built_before_compile = self.optimizer.built
        self.compiled = True
        self._steps.reset()

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The step's total loss: the compiled loss plus every add_loss() term. Override it
        (Keras 3's signature) for a custom loss; it is traced into the native step."""
        return default_loss(self, y, y_pred, sample_weight)[1]

    compute_loss.fastkeras_default = True  # an override lacks it (trainers/steps.py)

    def train_step(self, data):
        """One training step on `data` = (x, y) or (x, y, sample_weight), Keras 3's hook.
        Traced once into the native step, never run per batch: an override is written
        with the model, `compute_loss`, `fastkeras.GradientTape` for the gradients (the
        pattern of Keras's TensorFlow guide), `self.optimizer.apply` and the metrics'
        `update_state`. The dict it returns becomes the logs (every key, each the last
        step's value: trainers/step_logs.py); returning None leaves them the metrics'."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        supervised_step(self, x, y, sample_weight, True)

    train_step.fastkeras_default = True

    def test_step(self, data):
        """One evaluation step (Keras 3's hook), traced like train_step."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        supervised_step(self, x, y, sample_weight, False)

    test_step.fastkeras_default = True

    def _assert_compiled(self, method, targets=True):
        """Without `targets` (inputs only) the loss may be the layers' add_loss() terms
        alone, known once the step is traced (steps.default_loss names a missing one)."""
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")
        custom_steps = overridden(self.train_step) or overridden(self.test_step)
        if targets and self.loss is None and not custom_compute_loss(self) and \
                not custom_steps:
            raise ValueError(f"No loss to compute: provide a `loss` argument in `compile()` "
                             f"before calling `{method}()`.")

    @property
    def metrics(self):
        out = ([self._loss_tracker] if self.compiled else []) + list(self._compiled_metrics)
        if self._compiled_outputs is not None:  # each output's loss (Keras's CompileLoss)
            out += self._compiled_outputs.trackers
        # Metrics held as attributes (a custom step's own): Keras tracks them too, so fit
        # and evaluate reset them with the others.
        out += [m for m in vars(self).values() if isinstance(m, Metric)
                and m is not self._loss_tracker and all(m is not o for o in out)]
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _state_variables(self):
        out = list(self.weights)
        if self.optimizer is not None and self.optimizer.built:
            out += self.optimizer.variables
        for m in self.metrics:
            out += m.variables
        return out

    def _state_groups(self):
        """Variables to lay out back to back: the trainable weights and, in the same order,
        each optimizer slot family (so that one flat update covers them all)."""
        groups = [self.trainable_weights]
        if self.optimizer is not None and self.optimizer.built:
            groups += self.optimizer.slot_families()
        return [g for g in groups if g and len({v.dtype for v in g}) == 1]

    # ---- data preparation: io.TrainerData ----------------------------------------------
    def _ensure_optimizer_built(self):
        trainable = self.trainable_weights
        if not self.optimizer.built:
            self.optimizer.build(trainable)
        elif not self.optimizer.is_built_for(trainable):
            raise ValueError(self._trainable_changed_message(trainable))

    def _trainable_changed_message(self, trainable):
        """Why the trainable weights differ from those the optimizer was built for."""
        if self._optimizer_built_before_compile:
            return (f"The optimizer passed to compile() ({self.optimizer.name!r}) was already "
                    "built for other weights (another model, or this model before a change "
                    "of `trainable`). Pass a new optimizer instance, or its name, to compile().")
        changed = [layer.name for layer, was in self._compiled_trainable_state
                   if layer.trainable != was]
        if changed:
            return (f"The `trainable` state of layers {changed} has changed since the model "
                    "was compiled and trained, so its optimizer holds state for other weights. "
                    "Call `model.compile(...)` again after changing `trainable`, then fit.")
        return (f"The model's trainable weights changed since its optimizer was built "
                f"({len(self.optimizer._built_for)} then, {len(trainable)} now): a layer "
                "created weights after the model was first trained. Create every weight in "
                "build(), or call `model.compile(...)` again after adding layers or weights.")

    # ---- fit / evaluate / predict: argument checks and data; the loops are loops.py ---
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        self._assert_compiled("fit", targets=y is not None)
        epochs = keras_config.capped_epochs(epochs)  # keras.config.set_max_epochs
        data_utils.check_fit_arguments(epochs=epochs, initial_epoch=initial_epoch,
                                       validation_freq=validation_freq,
                                       validation_split=validation_split)
        if streams.is_stream(x) or streams.is_stream(validation_data):
            return self._fit_stream(x, y, batch_size, epochs, verbose, callbacks,
                                    validation_split, validation_data, shuffle, class_weight,
                                    sample_weight, initial_epoch, steps_per_epoch,
                                    validation_steps, validation_batch_size, validation_freq)
        steps_per_epoch = array_epochs.check_steps("steps_per_epoch", steps_per_epoch)
        verbose = data_utils.check_verbose(verbose)
        shuffle = array_epochs.check_shuffle(shuffle)
        x, y, sw = self._arrays(x, y, sample_weight, class_weight)
        val = None
        if validation_data is not None:
            val = self._arrays(*data_utils.unpack_validation_data(validation_data),
                               name="validation ")
        elif validation_split:
            (x, y, sw), val = io.split(x, y, sw, validation_split, sample_weight is not None)
        self._ensure_optimizer_built()
        train = self._batches_of("train", x, y, sw, batch_size, steps_per_epoch)
        if val is not None:
            val = self._batches_of("test", *val, validation_batch_size or batch_size,
                                   array_epochs.check_steps("validation_steps",
                                                            validation_steps))
        cbs = loops.callback_list(self, callbacks, verbose, epochs, train.steps,
                                  add_history=True)
        return loops.fit(self, cbs, train, val, epochs, initial_epoch, shuffle,
                         validation_freq)

    def _fit_stream(self, x, y, batch_size, epochs, verbose, callbacks, validation_split,
                    validation_data, shuffle, class_weight, sample_weight, initial_epoch,
                    steps_per_epoch, validation_steps, validation_batch_size, validation_freq):
        """fit() where x or validation_data is a generator or PyDataset (streams.py)."""
        verbose = data_utils.check_verbose(verbose)
        if validation_split and validation_data is None and streams.is_stream(x):
            raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                             f"arrays, found following types in the input: [{type(x)}]")
        if streams.is_stream(x):
            train = streams.Stream(self, "train", streams.source(
                x, y, sample_weight, class_weight, shuffle), steps_per_epoch, class_weight)
            train.reset()
        else:
            xs, ys, sw = self._arrays(x, y, sample_weight, class_weight)
            train = self._batches_of("train", xs, ys, sw, batch_size, array_epochs.check_steps(
                "steps_per_epoch", steps_per_epoch))
        val = None
        if validation_data is not None:
            val = self._test_batches(validation_data, validation_batch_size or batch_size,
                                     validation_steps)
        self._ensure_optimizer_built_if_ready()
        cbs = loops.callback_list(self, callbacks, verbose, epochs, train.steps,
                                  add_history=True)
        return loops.fit(self, cbs, train, val, epochs, initial_epoch, shuffle,
                         validation_freq)

    def _test_batches(self, data, batch_size, steps):
        """evaluate's steps over validation data: a stream, or (x, y[, sample_weight])."""
        if streams.is_stream(data):
            return streams.Stream(self, "test", streams.source(data), steps)
        vx, vy, vsw = self._arrays(*data_utils.unpack_validation_data(data),
                                   name="validation ")
        return self._batches_of("test", vx, vy, vsw, batch_size,
                                array_epochs.check_steps("validation_steps", steps))

    def _arrays(self, x, y, sample_weight=None, class_weight=None, name=""):
        """(x, y, sample weights) of array data, prepared for the steps. Without y (inputs
        only) y is an io.NoTargets: the steps get x as Keras packs it."""
        y_given = y
        if y is None:
            y = io.NoTargets.of_arrays(x)
        x, y = self._prepare_xy(x, y, name + "x", name + "y")
        return x, y, self._sample_weights(y_given, y, sample_weight, class_weight)

    def _ensure_optimizer_built_if_ready(self):
        """The optimizer is built once the model is (a stream's first batch builds it)."""
        if self.built and self.trainable_weights:
            self._ensure_optimizer_built()

    def _batches_of(self, kind, x, y, sw, batch_size, steps=None):
        """The train or test steps over prepared x, y and sample weights (or None), all
        batches per epoch or `steps` of them (array_epochs.py)."""
        steps = keras_config.capped_steps(steps)
        n = io.rows(x)
        return loops.Batches(self, kind, io.data(x, y, sw), n,
                             array_epochs.batch_size_for(batch_size, n, steps),
                             (self._spec(x), self._spec(y), weights.spec(sw)), steps)

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        self._assert_compiled("evaluate", targets=y is not None)
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword arguments {sorted(kwargs)}")
        verbose = data_utils.check_verbose(verbose)
        if streams.is_stream(x):
            batches = streams.Stream(self, "test", streams.source(x, y, sample_weight), steps)
        else:
            steps = array_epochs.check_steps("steps", steps)
            batches = self._batches_of("test", *self._arrays(x, y, sample_weight),
                                       batch_size, steps)
        cbs = loops.callback_list(self, callbacks, verbose, 1, batches.steps)
        logs = loops.evaluate(self, cbs, batches)
        if return_dict:
            return logs
        values = self._ordered(logs)
        return values[0] if len(values) == 1 else values

    def _ordered(self, logs):
        """evaluate()'s list of values, in Keras's order."""
        return multi_output.ordered(logs, self.metrics)

    def _logs(self, kind=None, final=True):
        """fit's and evaluate's logs after steps of `kind` ran: what a user's train_step /
        test_step returned (trainers/step_logs.py), else the metrics' current results by
        log name, sorted. As Keras, the end of an epoch or of evaluate (`final`) reports
        the metrics' results when the step returned exactly their names."""
        returned = self._steps.logs.read(kind) if kind else None
        if returned is not None and not (final and set(returned) == {
                m.name for m in self.metrics}):
            return returned
        # Compiled metrics go by their log names (an output's prefix, `weighted_`, `_1`).
        names = {id(e.metric): e.name for e in self._metric_entries}
        return dict(sorted((names.get(id(m), m.name), float(m.result())) for m in self.metrics))

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        steps = keras_config.capped_steps(array_epochs.check_steps("steps", steps))
        if streams.is_stream(x):
            verbose = data_utils.check_verbose(verbose)
            return stream_predict.predict(self, x, steps,
                                   lambda n: loops.callback_list(self, callbacks, verbose, 1, n))
        if verbose == 0 and steps is None and not callbacks:  # fast path: a known shape
            out = self._forward.fast(x, 32 if batch_size is None else batch_size)
            if out is not None:
                return out
        verbose = data_utils.check_verbose(verbose)
        if steps is not None:  # arrays cut to `steps` batches (rows past them not read)
            return loops.predict_steps(self, callbacks, x, batch_size, verbose, steps)
        batch_size = data_utils.check_batch_size(batch_size)
        if verbose == 0 and not callbacks:
            return self._forward_arrays(x, batch_size)
        return loops.predict(self, callbacks, x, batch_size, verbose)

    def _forward_arrays(self, x, batch_size=None):
        """Forward pass over all rows of x, in batches of `batch_size` (default: one batch)."""
        out = self._forward.fast(x, batch_size)
        if out is not None:
            return out
        if self._structured_io:  # several inputs or outputs: a list (or dict) of arrays
            return io.predict(self, x, batch_size)
        x = self._prepare_x(x)
        return self._forward.make(x, batch_size)(x)

    # ---- on_batch ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Runs one step; the metrics returned are this batch's alone (as in Keras 3)."""
        self._assert_compiled("train_on_batch")
        self.reset_metrics()
        self._run_batch("train", x, y, sample_weight, class_weight)
        return self._batch_result("train", return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        self.reset_metrics()
        self._run_batch("test", x, y, sample_weight)
        return self._batch_result("test", return_dict)

    def _run_batch(self, kind, x, y, sample_weight=None, class_weight=None):
        """One step on one batch; a repeated shape skips conversion and plan lookup."""
        if sample_weight is None and class_weight is None:
            found = self._batches.lookup(kind, x, y, self.loss)
            if found is not None:
                run, xs, labels = found
                run_checked(run, (xs, labels), ("x", "y"))
                return
            if not self._structured_io:  # arrays: kept for the next call of this shape
                xs, labels = self._prepare_xy(x, y)
                if kind == "train":
                    self._ensure_optimizer_built()
                run = self._batches.make(kind, x, y, xs, labels, self._output_shape())
                run_checked(run, (xs, labels), ("x", "y"))
                return
        xs, labels = self._prepare_xy(x, y)  # weights, or several inputs or outputs
        n = io.rows(xs)
        sw = self._sample_weights(y, labels, sample_weight, class_weight, on_batch=True)
        if kind == "train":
            self._ensure_optimizer_built()
        self._steps.executor(kind, n, self._spec(xs), self._spec(labels), weights.spec(sw)).run(
            io.data(xs, labels, sw), None, 0, 1, ())

    def predict_on_batch(self, x):
        return self._forward_arrays(x)

    def _batch_result(self, kind, return_dict):
        logs = self._logs(kind, final=False)  # Keras: the step's own logs
        if return_dict:
            return logs
        values = self._ordered(logs)
        return values[0] if len(values) == 1 else values

