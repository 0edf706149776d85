"""compile()'s loss, loss_weights and metrics for a model with several outputs (Keras 3's
CompileLoss and CompileMetrics), resolved at the first fit when the outputs' shapes and
the targets are known.

* `loss`: one loss (applied to every output), a list in the outputs' order, or a dict keyed
  by output name (None: no loss for that output). The step's loss is the sum of each
  output's loss times its `loss_weights` entry, plus the layers' add_loss() terms.
* Logs: `loss` (the total), `{name}_loss` for each output's unweighted loss (only where
  more than one output has a loss), `{name}_{metric}` for each output's metrics.
* Names: a dict-output model's keys, else the names of the layers producing the outputs.
"""

from __future__ import annotations

import numpy as np

from .. import losses as losses_module, ops
from ..losses.losses import reduce_values
from ..metrics.metric import Mean
from .compile_utils import resolve_metric


class OutputLoss:
    __slots__ = ("index", "loss", "weight", "name", "tracker")

    def __init__(self, index, loss, weight, name):
        self.index, self.loss, self.weight, self.name = index, loss, weight, name
        self.tracker = None


def _weights(loss_weights, names, single_loss):
    """One weight (or None) per output, from loss_weights as Keras reads it."""
    n = len(names)
    if loss_weights is None:
        return [None] * n
    if isinstance(loss_weights, dict):
        unknown = [k for k in loss_weights if k not in names]
        if single_loss and len(loss_weights) == 1:
            return [float(next(iter(loss_weights.values())))] * n
        if unknown:
            raise ValueError(f"`loss_weights` has key {unknown[0]!r}, which matches no model "
                             f"output; the outputs are {names}")
        return [float(loss_weights[k]) if k in loss_weights else None for k in names]
    if isinstance(loss_weights, (list, tuple)):
        if single_loss and len(loss_weights) == 1:
            return [float(loss_weights[0])] * n
        if len(loss_weights) != n or single_loss:
            raise ValueError(f"`loss_weights` must match the number of losses, got "
                             f"{1 if single_loss else n} losses and {len(loss_weights)} weights.")
        return [None if w is None else float(w) for w in loss_weights]
    if isinstance(loss_weights, (int, float, np.integer, np.floating)) and \
            not isinstance(loss_weights, bool):
        if not single_loss:
            raise ValueError(f"`loss_weights` must match the number of losses, got {n} "
                             "losses and 1 weights: pass a list or a dict keyed by output "
                             f"name {names}")
        return [float(loss_weights)] * n
    raise ValueError("Expected `loss_weights` argument to be a float (single output case) or "
                     "a list, tuple, or dict (multiple output case). Received instead: "
                     f"loss_weights={loss_weights!r} of type {type(loss_weights).__name__}")


def single_output_loss(loss, loss_weights, names):
    """(loss, weight) of a one-output model given `loss` as a list or dict (Keras accepts
    [loss] and {output name: loss}) and `loss_weights` as a number, [w] or {name: w}."""
    if isinstance(loss, (list, tuple)):
        if len(loss) != 1:
            raise ValueError(f"`loss` lists {len(loss)} losses, but the model has one output")
        loss = loss[0]
    elif isinstance(loss, dict):
        if len(loss) != 1 or (names is not None and list(loss) != list(names)):
            raise ValueError(f"Expected keys {names} in loss dict, but found "
                             f"loss.keys()={list(loss)}")
        loss = next(iter(loss.values()))
    weight = _weights(loss_weights, names or ["output"], True)[0]
    return losses_module.resolve(loss), weight


def resolve_losses(loss, loss_weights, names, dict_outputs):
    """The OutputLoss entries, in Keras's order (the outputs' order; a dict loss on a
    dict-output model in the dict's order)."""
    n = len(names)
    if isinstance(loss, (list, tuple)):
        if len(loss) != n:
            raise ValueError(f"`loss` lists {len(loss)} losses, but the model has {n} outputs "
                             f"{names}: pass one per output (None for an output without a "
                             "loss), or a dict keyed by output name")
        order, by_index = list(range(n)), list(loss)
    elif isinstance(loss, dict):
        if dict_outputs:
            unknown = [k for k in loss if k not in names]
            if unknown:
                raise KeyError(f"The path: ({unknown[0]!r},) in the `loss` argument, can't be "
                               f"found in the model's outputs {names}")
            order = [names.index(k) for k in loss]
        elif set(loss) != set(names):
            raise ValueError(f"Expected keys {names} in loss dict, but found "
                             f"loss.keys()={list(loss)}")
        else:
            order = list(range(n))
        by_index = [loss.get(k) for k in names]
    else:
        order, by_index = list(range(n)), [loss] * n
    weights = _weights(loss_weights, names, not isinstance(loss, (list, tuple, dict)))
    entries = [OutputLoss(i, losses_module.resolve(by_index[i]), weights[i], names[i])
               for i in order if by_index[i] is not None]
    if not entries:
        raise ValueError("Every output's loss is None: provide a `loss` for at least one "
                         "output in `compile()`.")
    if len(entries) > 1:  # Keras tracks each output's loss only where there are several
        for e in entries:
            e.tracker = Mean(name=f"{e.name}_loss")
    return entries


def _flatten_metrics(spec):
    if spec is None:
        return []
    if isinstance(spec, dict):
        spec = list(spec.values())
    if isinstance(spec, (list, tuple)):
        return [m for s in spec for m in _flatten_metrics(s)]
    return [spec]


def _per_output_specs(metrics, names, argument):
    """One metrics spec per output: a list with one entry per output (a metric, a list of
    them or None), or a dict keyed by output name; one output takes them all."""
    n = len(names)
    if not metrics:
        return [None] * n
    if n == 1:
        return [metrics]
    if isinstance(metrics, (list, tuple)) and len(metrics) == n:
        return list(metrics)
    if isinstance(metrics, dict) and set(metrics) <= set(names):
        return [metrics.get(k) for k in names]
    raise ValueError(f"Invalid `{argument}`. `{argument}` should contain metrics objects and "
                     "either be a dict or a list matching the output names of the "
                     f"functional model {names} or match the output structure of the "
                     f"model: {['X'] * n}.\nReceived: {argument}={metrics!r}")


class MetricEntry:
    """A compiled metric: its log name, the output it reads, and whether the sample
    weights reach it (`weighted_metrics`)."""

    __slots__ = ("name", "metric", "index", "weighted")

    def __init__(self, name, metric, index, weighted):
        self.name, self.metric, self.index, self.weighted = name, metric, index, weighted


def resolve_metrics(metrics, weighted_metrics, names, y_shapes, pred_shapes):
    """[MetricEntry]: `metrics`, then `weighted_metrics`, named as Keras's CompileMetrics:
    `{output}_{metric}` where there are several outputs; a repeated name gets `_1`, `_2`...;
    a weighted metric whose name is taken becomes `{output}_weighted_{metric}`."""
    several = len(names) > 1
    out, counts, seen = [], {}, set()
    for weighted, spec, argument in ((False, metrics, "metrics"),
                                     (True, weighted_metrics, "weighted_metrics")):
        for i, output_spec in enumerate(_per_output_specs(spec, names, argument)):
            prefix = f"{names[i]}_" if several else ""
            for identifier in _flatten_metrics(output_spec):
                metric = resolve_metric(identifier, y_shapes[i], pred_shapes[i])
                if id(metric) in seen:
                    raise ValueError(f"The metric object {metric.name!r} is given for several "
                                     "outputs (or in both `metrics` and `weighted_metrics`); "
                                     "pass a new instance (or its name) for each")
                seen.add(id(metric))
                name = prefix + metric.name
                if name in counts and weighted:
                    name = f"{prefix}weighted_{metric.name}"
                if name in counts:  # Keras's unique names: mae, mae_1, ...
                    counts[name] += 1
                    name = f"{name}_{counts[name] - 1}"
                else:
                    counts[name] = 1
                out.append(MetricEntry(name, metric, i, weighted))
    return out


def per_output_weights(fg, sample_weight, n):
    """The step's sample weights as one value (or None) per output: one tensor is every
    output's, several are given as the outputs are (a list, or a dict by name)."""
    if isinstance(sample_weight, (list, tuple, dict)):
        return fg.flat_outputs(sample_weight, "sample_weight")
    return [sample_weight] * n


def update_metrics(entries, y_true, y_pred, sample_weight):
    """Records every entry's update into the step being traced; flat lists per output."""
    for e in entries:
        sw = sample_weight[e.index] if e.weighted else None
        e.metric.update_state(y_true[e.index], y_pred[e.index], sample_weight=sw)


def ordered(logs, metrics):
    """evaluate()'s list: Keras's `_flatten_metrics_in_order`: the logs under each of the
    model's metrics' own names, in its order (a name met twice is listed twice, as in
    Keras), then every other key sorted."""
    names = [m.name for m in metrics]
    values = [logs[k] for k in names if k in logs]
    values += [logs[k] for k in sorted(logs) if k not in names]
    return values


class CompiledOutputs:
    """The resolved losses and metrics of a model with several outputs."""

    def __init__(self, model, y_shapes, pred_shapes):
        fg = model._functional
        self.fg = fg
        self.names = fg.output_names
        self.losses = resolve_losses(model.loss, model._loss_weights, self.names,
                                     fg.output_keys is not None)
        self.metric_entries = resolve_metrics(model._metric_specs, model._weighted_specs,
                                              self.names, y_shapes, pred_shapes)
        self.trackers = [e.tracker for e in self.losses if e.tracker is not None]
        self.loss_by_output = {e.index: e.loss for e in self.losses}

    @property
    def metrics(self):
        return [e.metric for e in self.metric_entries]

    def loss(self, y_true, y_pred, sample_weight=None):
        """The weighted sum of the outputs' losses, recorded into the step being traced;
        each output's unweighted loss also goes to its tracker (Keras's CompileLoss)."""
        yt = self.fg.flat_outputs(y_true, "y")
        yp = self.fg.flat_outputs(y_pred, "y_pred")
        sw = per_output_weights(self.fg, sample_weight, len(yp))
        total = None
        for e in self.losses:
            value = reduce_values(e.loss.call(yt[e.index], yp[e.index]), e.loss.reduction,
                                  sw[e.index], yp[e.index])
            if e.tracker is not None:
                e.tracker.update_state(value, sample_weight=np.float32(yp[e.index].shape[0]))
            if e.weight is not None:
                value = ops.multiply(value, np.float32(e.weight))
            total = value if total is None else ops.add(total, value)
        return total

    def update_metrics(self, y_true, y_pred, sample_weight=None):
        yp = self.fg.flat_outputs(y_pred, "y_pred")
        update_metrics(self.metric_entries, self.fg.flat_outputs(y_true, "y"), yp,
                       per_output_weights(self.fg, sample_weight, len(yp)))
