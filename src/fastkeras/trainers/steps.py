"""Traces the train, test and predict steps of a model into graphs, compiles them into
plans (one per step kind, batch size and backend) and keeps their executors.

The train step is one graph: forward, loss, backward, optimizer update and metric
accumulation. Metrics and the loss tracker live in the state block, so an executor runs any
number of steps without returning to Python."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np

from .. import backends
from ..graph import Graph, bind, current_graph
from ..graph.autodiff import grad
from ..graph.planner import compile_plan
from ..graph.step_writes import ReadAfterNativeUpdate, updates_as_ops
from ..graph.state import StateBlock
from ..layers.masks import get_keras_mask
from ..losses.losses import reduce_values
from ..ops.core import convert, shape_of
from . import sharding, weights
from .io import MultiSpec, NoTargets
from .multi_output import update_metrics
from .step_logs import StepLogs


def _op_output(t):
    """Plan outputs must be computed buffers; pass-through inputs get a copy."""
    if t.node.prim is None:
        return bind("reshape", t, shape=t.shape)
    return t


def _placeholders(g, batch, spec, name, pack):
    """One placeholder per array of `spec`: (flat list, the value the model sees). Several
    (a MultiSpec) are packed as the model's inputs or outputs are (a list or a dict)."""
    if isinstance(spec, MultiSpec):
        flat = [g.placeholder((batch,) + s[0], s[1], f"{name}{i}") for i, s in enumerate(spec)]
        return flat, pack(flat)
    t = g.placeholder((batch,) + spec[0], spec[1], name)
    return [t], t


def _packers(model):
    fg = model._functional
    if fg is None:
        return list, list
    return fg.pack_step_inputs, fg.pack_outputs


def trace_predict(model, batch, x_spec):
    g = Graph("predict")
    g.notes["step"] = True  # no layer may create weights while a step is traced
    with g:
        inputs, x = _placeholders(g, batch, x_spec, "x", _packers(model)[0])
        y = model(x, training=False)
        if model._structured_io:
            outputs = [_op_output(t) for t in model._functional.flat_outputs(y, "outputs")]
        else:
            outputs = [_op_output(y)]
    return g, inputs, outputs


def _trace_supervised(model, name, batch, x_spec, y_spec, train, weighted):
    g = Graph(name)
    g.notes["step"] = True
    # The state block lays these out back to back (Trainer._state_groups); an optimizer's
    # flat view may not take another run of their variables (optimizers/optimizer.py).
    g.notes["state_groups"] = [tuple(v.uid for v in grp) for grp in model._state_groups()]
    pack_x, pack_y = _packers(model)
    with g:
        inputs, x = _placeholders(g, batch, x_spec, "x", pack_x)
        no_targets = isinstance(y_spec, NoTargets)  # fit(x) without y
        y_flat, y_true = ([], None) if no_targets else \
            _placeholders(g, batch, y_spec, "y", pack_y)
        inputs += y_flat
        sw_flat, sw = weights.placeholders(g, batch, weighted, pack_y)
        inputs += sw_flat
        step = model.train_step if train else model.test_step
        if overridden(step):  # the user's step: traced as it is, no per-sample values
            data = y_spec.pack(x, sw, _input_names(model)) if no_targets else \
                (x, y_true) + ((sw,) if weighted else ())
            model._steps.logs.trace("train" if train else "test", model, step, data)
        else:
            if no_targets:
                _check_targetless(model)
            supervised_step(model, x, y_true, sw, train)
    return g, inputs, []


def _input_names(model):
    fg = model._functional
    return fg.input_names if fg is not None and fg.host is None else ()


def _check_targetless(model):
    """The built-in step without y: Keras's compiled loss and metrics fail on y=None, so
    they are refused here by name; a model whose only losses are add_loss() trains."""
    if model.loss is not None or model._metric_specs or model._weighted_specs:
        raise ValueError(
            "The compiled loss and metrics need targets: fit() and evaluate() got inputs "
            "only (no `y`). Pass `y`, or compile without `loss` and `metrics` where the "
            "model's losses are its own (add_loss(), or a custom train_step / test_step).")


def supervised_step(model, x, y_true, sw, train):
    """Trainer.train_step / test_step: forward, loss, (gradients and the optimizer's
    update), and the loss tracker and metrics, recorded into the graph being traced."""
    g = current_graph()
    y_pred = model(x, training=train)
    if overridden(model.compute_loss):  # the user's loss: no per-sample values to shard on
        loss = call_compute_loss(model, x, y_true, y_pred, sw, train)
    else:
        values, loss = default_loss(model, y_true, y_pred, sw)
        # One output: the step may run as data-parallel shards, unless the output carries a
        # mask: Keras's masked mean divides by the whole batch's count of unmasked steps,
        # which no shard's mean sees (the mean of shards' means is another number).
        if values is not None and get_keras_mask(y_pred) is None:
            g.notes["row_roots"] = [y_pred, values]
    if train:
        trainable = model.trainable_weights
        # Keras: the gradients of the scaled loss (loss_scale_factor, LossScaleOptimizer);
        # the tracker below gets the loss itself.
        grads = grad(model.optimizer.scale_loss(loss), [g.variable(v) for v in trainable])
        # Keras's trainer differentiates with respect to every trainable variable: one the
        # loss does not reach (unused, or read only through stop_gradient) gets a zero
        # gradient, so weight decay and momentum still move it.
        grads = [gr if gr is not None else g.constant(np.zeros(v.shape, v.dtype))
                 for gr, v in zip(grads, trainable)]
        model.optimizer.apply(grads, trainable)
    _track(model, loss, y_true, y_pred, sw, _batch_of(x))


def trace_test(model, batch, x_spec, y_spec, weighted=False):
    return _trace_supervised(model, "test", batch, x_spec, y_spec, False, weighted)


def trace_train(model, batch, x_spec, y_spec, weighted=False):
    return _trace_supervised(model, "train", batch, x_spec, y_spec, True, weighted)


def _trace(tracer, *args):
    """tracer(*args); a step that reads a variable after its optimizer's native in-place
    update (a GAN's generator loss through the discriminator it just updated) is traced
    again with the updates written as ops, whose new values later reads can take."""
    try:
        return tracer(*args)
    except ReadAfterNativeUpdate:
        with updates_as_ops():
            return tracer(*args)


def overridden(method) -> bool:
    """True when a bound Trainer hook (train_step, test_step, compute_loss) is the user's:
    Trainer's own carry the `fastkeras_default` mark."""
    return not getattr(method, "fastkeras_default", False)


def custom_compute_loss(model) -> bool:
    return overridden(model.compute_loss)


def call_compute_loss(model, x, y, y_pred, sample_weight, training):
    """The user's compute_loss, with or without `training` (added in Keras 3.3)."""
    import inspect
    params = inspect.signature(model.compute_loss).parameters
    if "training" in params or any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return model.compute_loss(x, y, y_pred, sample_weight, training=training)
    return model.compute_loss(x, y, y_pred, sample_weight)


def _batch_of(x):
    while isinstance(x, (list, tuple, dict)):
        x = next(iter(x.values())) if isinstance(x, dict) else x[0]
    return x.shape[0]


def default_loss(model, y_true, y_pred, sample_weight=None):
    """(per-sample losses, the loss). Default reduction sum_over_batch_size: per-sample
    losses (times their weights) summed, divided by their number, times the loss weight;
    then, as Keras's compute_loss, plus every scalar the layers gave add_loss() while
    traced. Several outputs: the weighted sum of their losses, and no per-sample values."""
    outputs = model._compiled_outputs
    if outputs is not None:
        values, loss = None, outputs.loss(y_true, y_pred, sample_weight)
    elif model.loss is None:  # no compiled loss: the add_loss() terms alone (Keras's)
        values, loss = None, None
    else:
        values = model.loss.call(y_true, y_pred)
        loss = reduce_values(values, model.loss.reduction, sample_weight, y_pred)
        if model._loss_weight is not None:
            loss = bind("multiply", loss, convert(np.float32(model._loss_weight), loss.dtype))
    for _, extra in current_graph().notes.get("losses", []):
        extra = convert(extra)
        if shape_of(extra):  # Keras sums a non-scalar loss
            extra = bind("sum", extra, axes=None)
        loss = extra if loss is None else bind("add", loss, convert(extra, loss.dtype))
    if loss is None:
        raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
    return values, loss


def _track(model, loss, y_true, y_pred, sample_weight, batch):
    """The loss tracker (weighted by the batch's rows, as Keras), then the compiled metrics;
    `weighted_metrics` also get the sample weights."""
    model._loss_tracker.update_state(loss, sample_weight=np.float32(batch))
    if model._compiled_outputs is not None:
        model._compiled_outputs.update_metrics(y_true, y_pred, sample_weight)
        return
    update_metrics(model._metric_entries, [y_true], [y_pred], [sample_weight])


_TRACERS = {"train": trace_train, "test": trace_test, "predict": trace_predict}


class StepCache:
    """Compiled plans and executors of one model, and the state block they share. At most
    `MAX_EXECUTORS` are kept (least recently used dropped): calling a model on many different
    batch sizes must not grow memory without bound."""

    MAX_EXECUTORS = 16

    def __init__(self, model):
        self.model = model
        self.state: StateBlock | None = None
        self._executors: OrderedDict = OrderedDict()
        # Bumped whenever executors are dropped, so that holders of one know it is stale.
        self.version = 0
        # Caches of runners built on these executors (forward.py), emptied with them.
        self.dependents = []
        # What the user's train_step / test_step return, written by each step.
        self.logs = StepLogs()

    def __deepcopy__(self, memo):
        """Plans and executors are caches over native memory: a copied model starts with
        none and builds its own (Keras models deep-copy)."""
        return StepCache(copy.deepcopy(self.model, memo))

    def reset(self):
        self._executors.clear()
        for cache in self.dependents:
            cache.clear()
        self.version += 1

    def claim(self):
        """Called before running any executor: where another model that shares variables
        with this one ran since, its values are copied back into this model's block."""
        state = self.state
        if state is not None and state.lost:
            state.claim()

    def ensure_state(self, variables, groups=()):
        """The block for a plan over `variables`, which must be everything the model's live
        plans use: a new block holds exactly those, so the state of an optimizer or metrics
        that a recompile replaced is freed with the old block."""
        if self.state is None or not self.state.covers(variables, groups):
            self.state = StateBlock(list(variables), groups)
            self.reset()  # executors point into the old block
        return self.state

    def executor(self, kind, batch, x_spec, y_spec=None, weighted=False):
        self.claim()
        backend = backends.get_backend()
        trainable = tuple(v.uid for v in self.model.trainable_weights) if kind == "train" else ()
        key = (kind, batch, x_spec, y_spec, weighted, backend.name, trainable)
        ex = self._executors.get(key)
        if ex is not None:
            self._executors.move_to_end(key)
        else:
            ex = None
            shards = sharding.shard_count(self.model, batch, backend) if kind == "train" else 1
            small = shards > 1 and sharding.small_model(self.model)
            if small:
                ex = self._sharded_train(backend, batch, shards, x_spec, y_spec, weighted)
            if ex is None:
                tracer = _TRACERS[kind]
                args = (x_spec,) if kind == "predict" else (x_spec, y_spec, weighted)
                graph, inputs, outputs = _trace(tracer, self.model, batch, *args)
                # A larger model shards when its weights serve many FLOPs a sample (traced
                # once more at the shard's rows).
                if shards > 1 and not small and sharding.reuses_weights(graph, batch):
                    ex = self._sharded_train(backend, batch, shards, x_spec, y_spec, weighted)
            if ex is None:
                plan = self._compile(graph, inputs, outputs, batch, f"{kind}[{batch}]")
                ex = backend.executor(plan, self.state.block)
            self._executors[key] = ex
            while len(self._executors) > self.MAX_EXECUTORS:
                self._executors.popitem(last=False)
        return ex

    def forward_call(self, parts, x_shape, out_shape):
        """The backend's one-call predict over (executor, first row, steps) parts, or None
        where the backend has none (trainers/forward.py)."""
        make = getattr(backends.get_backend(), "forward_call", None)
        return make(parts, x_shape, out_shape) if make else None

    def _compile(self, graph, inputs, outputs, batch, name):
        state = self.ensure_state(self.model._state_variables() + self.logs.variables() +
                                  graph.variables(),
                                  self.model._state_groups() + graph.variable_groups())
        return compile_plan(graph, inputs, outputs, state, batch, name=name)

    def _sharded_train(self, backend, batch, shards, x_spec, y_spec, weighted):
        """The train step traced at batch / shards and run data-parallel, or None when its
        graph or plan does not qualify (trainers/sharding.py)."""
        rows = batch // shards
        graph, inputs, outputs = _trace(trace_train, self.model, rows, x_spec, y_spec,
                                        weighted)
        if not sharding.graph_qualifies(graph, rows):
            return None
        plan = self._compile(graph, inputs, outputs, rows, f"train[{batch} as {shards}x{rows}]")
        layout = sharding.effect_layout(plan)
        if layout is None:
            return None
        return backend.sharded_executor(plan, self.state.block, shards, *layout)
