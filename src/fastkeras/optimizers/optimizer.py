"""The Optimizer base class: iterations and learning-rate variables, per-variable slots, and
`apply()` which binds update primitives — eagerly on arrays, or as effect nodes while a
train step is traced (then the whole update runs natively with the step)."""

from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..graph import Variable, bind, current_graph
from ..utils.naming import to_snake_case, unique_name
from . import options as opt
from .optimizer_files import OptimizerFiles
from .update_composition import UpdateComposition
from .schedules import LearningRateSchedule


def _check_learning_rate(value):
    """Keras's words for a value that is not a number; a NaN, inf or negative rate would
    silently ruin every weight, so it is refused too."""
    if isinstance(value, (bool, np.bool_)) or \
            not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError("Argument `learning_rate` should be float, or an instance of "
                         "LearningRateSchedule, or a callable (that takes in the current "
                         "iteration value and returns the corresponding learning rate "
                         f"value). Received instead: learning_rate={value!r}")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"`learning_rate` must be a finite number >= 0, received: "
                         f"learning_rate={value!r}")


class StepContext:
    """What one update step reads besides the gradients and variables: the learning rate,
    Keras's `iterations` (floor-divided under gradient accumulation) as a float64 scalar,
    and the local step t = iterations + 1."""

    def __init__(self, learning_rate, iterations64):
        self.learning_rate = learning_rate
        self.iterations64 = iterations64
        self.local_step64 = ops.add(iterations64, 1.0)


class Optimizer(OptimizerFiles, UpdateComposition):
    # False: apply() updates each variable on its own shape (Adafactor's factored moments,
    # Lamb's per-variable norms), never over one flat view of all of them.
    flat_update = True

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        opt.check_options(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                          ema_overwrite_frequency, gradient_accumulation_steps)
        self.weight_decay, self.clipnorm, self.clipvalue = weight_decay, clipnorm, clipvalue
        self.global_clipnorm, self.use_ema, self.ema_momentum = global_clipnorm, use_ema, \
            ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._exclusions = opt.WeightDecayExclusions()
        # A LearningRateSchedule or a callable (Keras: called with no argument), traced
        # into the step; None for a float rate, kept in the variable below.
        self._schedule = learning_rate if callable(learning_rate) else None
        if self._schedule is None:
            _check_learning_rate(learning_rate)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._iterations = Variable(np.zeros((), "int64"), dtype="int64", trainable=False,
                                    name="iteration")
        # With a schedule the step writes each update's rate here (the native kernels
        # read it); like Keras, it is then not one of `variables`.
        self._learning_rate = Variable(np.float32(0.0 if self._schedule else learning_rate),
                                       dtype="float32",
                                       trainable=False, name="learning_rate")
        self._iterations.path = f"{self.name}/iteration"
        self._learning_rate.path = f"{self.name}/learning_rate"
        self._slots: list[Variable] = []
        self._averages, self._accumulators = [], []
        # The variables this optimizer's slots were made for (compared by identity, so a
        # deep copy of a model and its optimizer stays consistent).
        self._built_for: list | None = None

    # ---- variables -----------------------------------------------------------------------
    @property
    def iterations(self):
        """The step counter Variable; under gradient accumulation Keras's value, the number
        of applied updates (a snapshot: the counter itself counts every call)."""
        if not self.gradient_accumulation_steps:
            return self._iterations
        return Variable(np.int64(self._iterations.numpy() // self.gradient_accumulation_steps),
                        dtype="int64", trainable=False, name="iteration")

    @property
    def learning_rate(self):
        """The rate the next update uses: with a schedule, its value at `iterations`."""
        if self._schedule is not None:
            return float(np.asarray(self._scheduled_rate(), dtype="float32"))
        return float(self._learning_rate.value)

    @learning_rate.setter
    def learning_rate(self, value):
        if callable(value):
            if self.built:  # the compiled step reads the rate it was traced with
                raise NotImplementedError(
                    "fastkeras cannot switch an optimizer to a learning-rate schedule after "
                    "it was built; pass the schedule as `learning_rate` when creating it.")
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable. If you need the learning rate to be "
                            "settable, you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        _check_learning_rate(value)
        self._learning_rate.assign(np.float32(value))

    def _scheduled_rate(self):
        """The schedule's rate at the current `iterations` (Keras's raw counter, as a float32
        scalar) or the callable's, as fastkeras.ops: eager, or traced into the step."""
        if isinstance(self._schedule, LearningRateSchedule):
            rate = self._schedule(ops.cast(self._iterations, "float32"))
        else:
            rate = self._schedule()
        return ops.cast(rate, "float32")

    @property
    def variables(self):
        if self._schedule is not None:
            return [self._iterations] + self._slots
        return [self._iterations, self._learning_rate] + self._slots

    @property
    def built(self):
        return self._built_for is not None

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        value = np.zeros(shape, dtype or "float32") if initializer == "zeros" else \
            np.full(shape, initializer, dtype or "float32")
        var = Variable(value, dtype=value.dtype.name, trainable=False, name=name)
        var.path = f"{self.name}/{name}"
        self._slots.append(var)
        return var

    def add_variable_from_reference(self, reference, name, initializer="zeros"):
        """A slot shaped like `reference`; `initializer` is "zeros" or a constant."""
        var = self.add_variable(reference.shape, initializer, reference.dtype,
                                f"{reference.path.replace('/', '_')}_{name}")
        var.name = f"{reference.name}_{name}"
        return var

    def add_optimizer_variables(self, variables, names, initializers="zeros"):
        """Keras's order: for each variable, one slot per name (interleaved)."""
        single = isinstance(names, str)
        names = [names] if single else list(names)
        inits = initializers if isinstance(initializers, (list, tuple)) else \
            [initializers] * len(names)
        out = tuple([] for _ in names)
        for var in variables:
            for family, name, init in zip(out, names, inits):
                family.append(self.add_variable_from_reference(var, name, init))
        return out[0] if single else out

    def build(self, variables):
        """Keras's base build: the EMA averages, then the gradient accumulators; a
        subclass then adds its slots."""
        variables = list(variables)
        self._built_for = variables
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulators = self.add_optimizer_variables(variables,
                                                              "gradient_accumulator")

    def is_built_for(self, variables) -> bool:
        built = self._built_for
        return built is not None and len(built) == len(variables) and \
            all(a is b for a, b in zip(built, variables))

    def _check_built(self, variables):
        """Builds for `variables` on the first call; later, each must be one the optimizer
        was built for (Keras: any subset, in any order). Returns their built indices."""
        variables = list(variables)
        if self._built_for is None:
            self.build(variables)
        index = {id(v): i for i, v in enumerate(self._built_for)}
        for v in variables:
            if id(v) not in index:
                raise ValueError(f"Unknown variable: {v}. This optimizer can only be called "
                                 "for the variables it was originally built with. When "
                                 "working with a new set of variables, you should recreate "
                                 "a new optimizer instance.")
        return [index[id(v)] for v in variables]

    def slot_families(self):
        """Per-variable slots by kind, each list parallel to the built variables; each
        family is laid out back to back in the state block (one flat view per family)."""
        base = [f for f in (self._averages, self._accumulators) if f]
        return base + self.update_families()

    def update_families(self):
        """The families `update_step` reads and returns (Adam: [momentums, velocities])."""
        return []

    def _decay_rate(self, variable):
        """The weight-decay coefficient of `variable`, None where it is not decayed (Muon
        picks one per kind of update)."""
        return self.weight_decay if self.weight_decay and self._exclusions.decays(variable) \
            else None

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (by identity, or by a substring of their name) weight decay skips."""
        if self.built:  # the decay is traced into the step when it is built
            raise ValueError("`exclude_from_weight_decay()` can only be configured before "
                             "the optimizer is built.")
        self._exclusions.set(var_list, var_names)

    # ---- updates -------------------------------------------------------------------------
    def update_step(self, gradient, variable, slots, ctx):
        """The family's formula, pure: returns (new variable, [new slot per family]).
        `variable` and `slots` may be flat views of all variables."""
        raise NotImplementedError

    def has_native_update(self):
        """Whether `native_update` binds a native in-place kernel (Adam, SGD). It is used
        without EMA, accumulation or per-variable clipping: a sharded step averages the
        gradient an update effect reads over the shards, right only for the raw gradient
        (a globally clipped update is not sharded: trainers/sharding.py)."""
        return False

    def native_update(self, gradient, variable, slots, global_clipnorm=0.0, weight_decay=0.0):
        """Binds the native kernel; the options are nonzero only where
        `native_folds_options` is True."""
        raise NotImplementedError

    # Whether native_update takes global_clipnorm and a scalar weight_decay itself (Adam).
    native_folds_options = False

    def scalar_updates(self, ctx):
        """Scalar state a family advances once per step before update_step (Nadam's
        u_product): [(variable, new value)]; may add fields to ctx."""
        return []

    def _context(self):
        it64 = ops.cast(self._iterations, "float64")
        if self.gradient_accumulation_steps:
            it64 = opt.floor_div(it64, self.gradient_accumulation_steps)
        rate = self._learning_rate
        if self._schedule is not None:
            rate = self._scheduled_rate()
            # Written first, so the native update kernels (effects) read this step's rate.
            if current_graph() is not None:
                bind("assign", self._learning_rate, rate)
            else:
                self._learning_rate.assign(np.asarray(rate, dtype="float32"))
        return StepContext(rate, it64)

    def apply(self, grads, trainable_variables=None):
        """Applies one update: eager on arrays, recorded while a step is traced. Once built,
        `trainable_variables` may be any of the built variables (Keras: a GAN's step updates
        one sub-model); the others and their slots are left as they are, and `iterations`
        counts the call. Traced over every built variable in order, with every gradient
        present, one dtype and no per-variable clipnorm, it runs over flat views of the
        variables and of each slot family (the planner concatenates the gradients in
        place, so no copy is made)."""
        grads = list(grads)
        if not grads:  # Keras: no gradients, no update (and no step counted)
            return
        variables = self._variables_for(grads, trainable_variables)
        indices = self._check_built(variables)
        graph = current_graph()
        if graph is None:  # eager: arrays of the variables' dtypes
            grads = [None if g is None else np.asarray(g, dtype=v.dtype)
                     for g, v in zip(grads, variables)]
        families = self.slot_families()
        if self.loss_scale_factor is not None:  # Keras: unscaled before anything else
            grads = [None if g is None else ops.divide(g, float(self.loss_scale_factor))
                     for g in grads]
        whole = indices == list(range(len(self._built_for)))
        if graph is not None and whole and all(g is not None for g in grads) and \
                len({v.dtype for v in variables}) == 1 and not self.clipnorm and \
                self.flat_update and _may_group(graph, variables) and \
                not graph.writes.touches(variables + [v for f in families for v in f]):
            # (a step that updated some of them already reads them one by one, in order)
            flat_grad = ops.concatenate([ops.reshape(g, (-1,)) for g in grads], axis=0)
            wd = opt.decay_factor(variables, [self._exclusions.decays(v) for v in variables],
                                  self.weight_decay) if self.weight_decay else None
            self._update([flat_grad], [graph.variable_group(variables)],
                         [[graph.variable_group(f) for f in families]], [wd])
        else:
            present = [i for i, g in enumerate(grads) if g is not None]
            if not present:
                raise ValueError("No gradients provided for any variable.")
            wd = [self._decay_rate(variables[i]) for i in present]
            # Keras's EMA averages every built variable, updated or not.
            updated = {indices[i] for i in present}
            idle = [(v, a) for k, (v, a) in enumerate(zip(self._built_for, self._averages))
                    if k not in updated]
            self._update([grads[i] for i in present], [variables[i] for i in present],
                         [[f[indices[i]] for f in families] for i in present], wd, idle)
        for g, v in zip(grads, variables):  # Keras: right after the update
            if g is not None and getattr(v, "constraint", None) is not None:
                _apply_constraint(v, graph)
        bind("increment", self._iterations)

    def _variables_for(self, grads, trainable_variables):
        """The variables `grads` are for: those given, or (Keras) all the built ones."""
        if trainable_variables is not None:
            return list(trainable_variables)
        if not self.built:
            raise ValueError("When passing `grads` without `variables`, the optimizer must "
                             "already be built on a list of variables. Call "
                             "`optimizer.build(trainable_variables)` first. ")
        if len(grads) != len(self._built_for):
            raise ValueError("When passing `grads` as a list of gradient tensors, the "
                             "gradients must match `optimizer.variables` one-to-on. Received "
                             f"a list of {len(grads)} gradients, but the optimizer is "
                             f"tracking {len(self._built_for)} trainable variables.")
        return list(self._built_for)

    def finalize_variable_values(self, var_list):
        """With use_ema, the weights take their moving averages (Keras: at the end of fit)."""
        if not self.use_ema:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._averages):
            raise ValueError(f"The length of model variables ({len(var_list)}) to override "
                             "does not match the length of model variables stored in the "
                             f"optimizer ({len(self._averages)}). Please check if the "
                             "optimizer was called on your model.")
        for var, average in zip(var_list, self._averages):
            var.assign(average.numpy())

    def apply_gradients(self, grads_and_vars):
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self._iterations

    def scale_loss(self, loss):
        """The loss the gradients are taken of (Keras: times loss_scale_factor; apply()
        divides the gradients by it)."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, float(self.loss_scale_factor))
        return loss


def _may_group(graph, variables) -> bool:
    """Whether the state block can lay `variables` out back to back for a flat update: not
    where the step's tracer noted a group holding some of them and others (the model's
    trainable weights, when this optimizer is one sub-model's, as a GAN's)."""
    while graph.parent is not None:
        graph = graph.parent
    uids = tuple(v.uid for v in variables)
    own = set(uids)
    return all(group == uids or not own.intersection(group)
               for group in graph.notes.get("state_groups", ()))


def _apply_constraint(variable, graph):
    """The variable's constraint, after its update: eagerly, or as the `constrain` effect
    recorded after the update while a step is traced."""
    constraint = variable.constraint
    if graph is None:
        variable.assign(np.asarray(constraint(variable.value), dtype=variable.dtype))
        return
    attrs = constraint.step_attrs(variable.shape)
    if attrs is None:
        raise NotImplementedError(
            f"The constraint {type(constraint).__name__} of {variable.path!r} cannot run "
            "inside fastkeras's compiled train step yet: only keras.constraints' MaxNorm, "
            "MinMaxNorm, NonNeg and UnitNorm (with contiguous axes) can.")
    bind("constrain", variable, **attrs)
