"""Data for functional models with several inputs or outputs (or given as lists/dicts).

fit/evaluate/predict convert x and y once per call: each input to its Input's declared
dtype (int32 ids stay int32), each target to the labels its output's loss wants. A model
of one input and one output keeps the single-array path (trainer.py); here x and y are a
tuple of arrays where the model has several, and the executors get one data array per
input, per target and the sample weights (rows gathered by the shuffle permutation)."""

from __future__ import annotations

import numpy as np

from . import compile_utils, data as data_utils, multi_output, weights


class MultiSpec(tuple):
    """The (row shape, dtype) of each of several arrays: one placeholder each."""

    __slots__ = ()


class NoTargets(tuple):
    """Stands for y (and its spec) in data without targets: no arrays, and how the step's
    `data` is packed, as Keras gives it (data_adapter_utils.pack_x_y_sample_weight, or
    what a stream yields): `packing` 0 x alone, 1 (x,), 2 (x, None), 3 (x, None,
    sample_weight); x given as a dict reaches the step as a dict (`x_is_dict`)."""

    __slots__ = ()

    def __new__(cls, packing, x_is_dict=False):
        return super().__new__(cls, (int(packing), bool(x_is_dict)))

    @property
    def packing(self):
        return self[0]

    def pack(self, x, sample_weight, input_names=()):
        if self[1] and isinstance(x, list) and input_names:  # the inputs by name, as given
            x = dict(zip(input_names, x))
        return (x, (x,), (x, None), (x, None, sample_weight))[self.packing]

    @classmethod
    def of_arrays(cls, x):
        """fit(x) / evaluate(x) on arrays: a list or tuple of inputs goes as (x,)."""
        return cls(1 if isinstance(x, (list, tuple)) else 0, isinstance(x, dict))


def spec(a):
    if isinstance(a, NoTargets):
        return a
    if type(a) is tuple:
        return MultiSpec((tuple(v.shape[1:]), v.dtype.name) for v in a)
    return (tuple(a.shape[1:]), a.dtype.name)


def flat(a):
    """The data arrays of x or y: a tuple's entries, or the one array (none: no y)."""
    if isinstance(a, NoTargets):
        return []
    return list(a) if type(a) is tuple else [a]


def rows(a):
    return len(a[0]) if type(a) is tuple else len(a)


def data(x, y, sw=None):
    """The executor's data arrays: inputs, targets, then the sample weights if any (one
    array, or one per output: weights.py)."""
    return flat(x) + flat(y) + weights.flat(sw)


def split(x, y, sw, validation_split, weigh_validation):
    """fit's validation_split over every array, before any shuffling: ((x, y, sw) to train
    on, (x, y, sw) to validate). Keras splits `sample_weight` with the data, so that the
    validation losses are weighted too; class weights apply to training only."""
    arrays = data(x, y, sw)
    train, val = data_utils.split_validation(arrays, validation_split)
    train = [np.ascontiguousarray(a) for a in train]
    val = [np.ascontiguousarray(a) for a in val]
    nx, ny = len(flat(x)), len(flat(y))

    def pack(arrays, like):
        if isinstance(like, NoTargets):  # no y
            return like
        return tuple(arrays) if type(like) is tuple else arrays[0]

    val_sw = weights.pack(val[nx + ny:], sw) if weigh_validation else None
    return ((pack(train[:nx], x), pack(train[nx:nx + ny], y), weights.pack(train[nx + ny:], sw)),
            (pack(val[:nx], x), pack(val[nx:nx + ny], y), val_sw))


def _names(name, given, keys):
    """How each array of x or y is named in messages: x, x[1] or x['ids']."""
    if isinstance(given, dict):
        return [f"{name}[{k!r}]" for k in keys]
    if len(keys) == 1:
        return [name]
    return [f"{name}[{i}]" for i in range(len(keys))]


def _sizes_check(named):
    """Keras's cardinality error, naming each argument's array sizes."""
    sizes = {name: [len(a) for a in arrays] for name, arrays in named}
    if len({n for s in sizes.values() for n in s}) > 1:
        detail = "\n".join(f"'{k}' sizes: {', '.join(map(str, s))}" for k, s in sizes.items())
        raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the same "
                         f"number of samples.\n{detail}")


def prepare_x(model, x, name="x", check_sizes=True):
    """x for a functional model as one array (one input) or a tuple (several), each of its
    Input's dtype and checked against its shape (a trailing axis of 1 added or dropped, as
    in Keras). A model with a host stage gets that stage's outputs, always as a tuple."""
    fg = model._functional
    values = fg.flat_inputs(x, name)
    out = []
    for label, value, t in zip(_names(name, x, fg.input_names), values, fg.inputs):
        if t.dtype == "string":
            arr = _strings(value, label)
        else:
            arr = data_utils.as_array(value, label, t.dtype)
        want = len(t.shape)
        if arr.ndim == want - 1 and t.shape[-1] == 1:
            arr = arr.reshape(arr.shape + (1,))
        elif arr.ndim == want + 1 and arr.shape[-1] == 1 and want > 1:
            arr = arr.reshape(arr.shape[:-1])
        data_utils.check_finite(arr, label)
        data_utils.check_features(arr, t.shape, label)
        out.append(arr)
    if len(out) > 1 and check_sizes:
        _sizes_check([(name, out)])
    if fg.host is not None:  # once per call, on all rows: the steps start from its outputs
        return tuple(fg.host.apply(out))
    return tuple(out) if len(out) > 1 else out[0]


def _strings(value, label):
    """A string input's data as an array of str (refused: numbers, none, no samples)."""
    from ..layers.host_layer import as_strings
    if value is None:
        raise ValueError(f"`{label}` is None; expected an array of samples")
    arr = as_strings(value, f"`{label}`")
    if arr.ndim == 0 or arr.shape[0] == 0:
        raise ValueError(f"`{label}` must be an array of samples, got {arr.shape}")
    return arr


def prepare_targets(model, x, y, name="y", xname="x"):
    """(raw target arrays, one per output, and the model's output shapes); the lengths
    checked against x."""
    fg = model._functional
    values = fg.flat_outputs(y, name)
    ys = []
    for label, value in zip(_names(name, y, fg.output_names), values):
        arr = data_utils.as_array(value, label, None)
        data_utils.check_finite(arr, label)
        ys.append((label, arr))
    _sizes_check([(xname, flat(x)), (name, [a for _, a in ys])])
    return ys, model._output_shapes_flat()


def labels(model, ys, pred_shapes):
    """Each target as its output's loss wants it (compile_utils.prepare_labels); one array
    for one output, else a tuple."""
    out = []
    for i, ((label, y), pred_shape) in enumerate(zip(ys, pred_shapes)):
        arr = compile_utils.prepare_labels(y, model._loss_of_output(i), pred_shape)
        # Checked again as the kernels will read them (float64 beyond float32's range).
        data_utils.check_finite(arr, label)
        out.append(arr)
    return tuple(out) if len(out) > 1 else out[0]


def predict(model, x, batch_size=None):
    """The forward pass of a model with several inputs or outputs over all rows of x, in
    batches of `batch_size` (None: one batch): a list (or dict) of arrays for several
    outputs, as in Keras."""
    xs = model._prepare_x(x)
    arrays = flat(xs)
    n = len(arrays[0])
    bs = batch_size or n
    full, rem = divmod(n, bs)
    parts = [(bs, 0, full)] if full else []
    if rem:
        parts.append((rem, full * bs, 1))
    steps = model._steps
    # The first plan of a model creates its state block and drops the executors made
    # before: take them all again until none was dropped (as forward.ForwardRunner).
    while True:
        version = steps.version
        executors = [(steps.executor("predict", b, spec(xs)), start, count)
                     for b, start, count in parts]
        if steps.version == version:
            break
    plan = executors[0][0].plan
    outs = [np.empty((n,) + tuple(plan.buffers[o].shape[1:]), plan.buffers[o].dtype)
            for o in plan.outputs]
    for ex, start, count in executors:
        ex.run(arrays, None, start, count, outs)
    return model._functional.pack_outputs(outs)


_STRUCTS = (list, tuple, dict)


def _targetless_weights(packing, sample_weight, class_weight):
    """Weights of data without y: Keras packs x alone, dropping `sample_weight`, unless a
    stream yields (x, None, sample_weight); class weights need the targets' classes."""
    if class_weight is not None:
        raise ValueError("`class_weight` needs targets to weigh their classes, but no `y` "
                         "was given. Pass `y`, or leave out `class_weight`.")
    if packing.packing != 3 or sample_weight is None:
        return None
    return weights.sample_weights(None, len(sample_weight), sample_weight)


class TrainerData:
    """The Trainer's data preparation: one array for a model of one input and one output
    (unchanged, the fast path), the structured path above otherwise."""

    # Whether x feeds the first layer as it is (Sequential); a subclassed model's call()
    # may slice or transform x before any layer sees it.
    _x_feeds_first_layer = False

    @property
    def _structured_io(self):
        """True where x and y take the structured path: several inputs or outputs (as set
        by the model), or a host stage, whose outputs are a tuple of arrays."""
        fg = self.__dict__.get("_functional")
        return self.__dict__.get("_structured_io_given", False) or (fg is not None and
                                                           fg.host is not None)

    @_structured_io.setter
    def _structured_io(self, value):
        self.__dict__["_structured_io_given"] = value

    def _prepare_x(self, x, name="x"):
        if self._functional is not None and (self._structured_io or type(x) in _STRUCTS):
            x = prepare_x(self, x, name)
            self._check_ids(x, name)
            return x
        x = data_utils.as_array(x, name, self._input_dtype())
        data_utils.check_finite(x, name)
        if self._functional is None and getattr(self.call, "fastkeras_default", False):
            return x  # no call() (Keras's VAE example): x is its train_step's alone
        self._build_for(x.shape)
        data_utils.check_features(x, self._input_shape(), name)
        self._check_ids(x, name)
        return x

    def _check_ids(self, x, name):
        """Ids read by a layer with an index range (Embedding) straight from a model input
        are checked once per call, before any step runs: the first bad one is named."""
        arrays = x if isinstance(x, tuple) else (x,)
        for k, layer, limit in self._id_limits():
            if k < len(arrays):
                data_utils.check_ids(arrays[k], limit, f"{name}[{k}]" if len(arrays) > 1
                                     else name, layer)

    def _id_limits(self):
        """(data array index, layer, id limit) for every layer reading a model input (or a
        host stage's output) that declares an index range (`index_limit()`)."""
        fg = self._functional
        inputs = fg.compiled_inputs if fg is not None else (self.inputs or [])
        found = []
        for layer in self.layers_flat:
            limit = getattr(layer, "index_limit", None)
            if limit is None:
                continue
            if not inputs and self._x_feeds_first_layer and self.layers and \
                    layer is self.layers[0]:
                found.append((0, layer, limit()))
            for call in layer._calls:
                for k, t in enumerate(inputs):
                    if any(i is t for i in call.inputs) and limit(call) is not None:
                        found.append((k, layer, limit(call)))
        return found

    def _prepare_xy(self, x, y, xname="x", yname="y"):
        if isinstance(y, NoTargets):  # inputs only (fit(x)): the step packs x as Keras
            return self._prepare_x(x, xname), y
        if self._functional is not None and (self._structured_io or type(x) in _STRUCTS or
                                             type(y) in _STRUCTS):
            x = prepare_x(self, x, xname, check_sizes=False)  # checked with y's sizes
            ys, pred_shapes = prepare_targets(self, x, y, yname, xname)
            self._resolve_compiled([a.shape for _, a in ys], pred_shapes)
            return x, labels(self, ys, pred_shapes)
        x = self._prepare_x(x, xname)
        y = data_utils.as_array(y, yname, None)
        data_utils.check_lengths(**{xname: x, yname: y})
        data_utils.check_finite(y, yname)
        pred_shape = self._output_shape()
        self._resolve_compiled([y.shape], [pred_shape])
        labels_ = compile_utils.prepare_labels(y, self.loss, pred_shape)
        # Checked again as the kernels will read them: float64 labels beyond float32's
        # range became inf in the cast and would turn every weight into NaN.
        data_utils.check_finite(labels_, yname)
        return x, labels_

    def _resolve_compiled(self, y_shapes, pred_shapes):
        """compile()'s loss, loss_weights and metrics for these outputs, once (first fit)."""
        if self._metrics_resolved:
            return
        fg = self._functional
        if fg is not None and not fg.single_output:
            self._compiled_outputs = multi_output.CompiledOutputs(self, y_shapes, pred_shapes)
            self._metric_entries = self._compiled_outputs.metric_entries
        else:
            if isinstance(self.loss, _STRUCTS) or self._loss_weights is not None:
                self.loss, self._loss_weight = multi_output.single_output_loss(
                    self.loss, self._loss_weights, fg.output_names if fg else None)
            self._metric_entries = multi_output.resolve_metrics(
                self._metric_specs, self._weighted_specs, ["output"], y_shapes[:1],
                pred_shapes[:1])
        self._compiled_metrics = [e.metric for e in self._metric_entries]
        self._metrics_resolved = True

    def _sample_weights(self, y_given, labels, sample_weight, class_weight=None,
                        on_batch=False):
        """The steps' weights (weights.py) for prepared `labels`; `y_given` is y as given,
        whose structure per-output weights must match."""
        if isinstance(labels, NoTargets):
            return _targetless_weights(labels, sample_weight, class_weight)
        fg = self._functional
        make = weights.on_batch_weights if on_batch else weights.sample_weights
        n = len(labels[0]) if type(labels) is tuple else len(labels)
        return make(labels, n, sample_weight, class_weight, y_given,
                    fg.output_names if fg is not None else None)

    def _loss_of_output(self, i):
        outputs = self._compiled_outputs
        return self.loss if outputs is None else outputs.loss_by_output.get(i)

    @staticmethod
    def _spec(a):
        return spec(a)
