"""The Optimizer base class: iterations and learning-rate variables, per-variable slots, and
`apply()` which binds update primitives — eagerly on arrays, or as effect nodes while a
train step is traced (then the whole update runs natively with the step)."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import Variable, bind, current_graph
from ..utils.naming import to_snake_case, unique_name

_UNSUPPORTED = ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm", "loss_scale_factor",
                "gradient_accumulation_steps", "ema_overwrite_frequency")


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


class Optimizer:
    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword arguments "
                            f"{sorted(kwargs)}")
        given = dict(weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                     global_clipnorm=global_clipnorm, loss_scale_factor=loss_scale_factor,
                     gradient_accumulation_steps=gradient_accumulation_steps,
                     ema_overwrite_frequency=ema_overwrite_frequency)
        for arg in _UNSUPPORTED:
            if given[arg] is not None:
                raise NotImplementedError(f"{type(self).__name__}({arg}=...) is not supported "
                                          "yet by fastkeras")
        if use_ema:
            raise NotImplementedError("use_ema=True is not supported yet by fastkeras")
        self._ema_momentum = ema_momentum
        if callable(learning_rate):
            raise NotImplementedError("learning-rate schedules are not supported yet; pass a "
                                      f"float. Received: learning_rate={learning_rate!r}")
        _check_learning_rate(learning_rate)
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.iterations = Variable(np.zeros((), "int64"), dtype="int64", trainable=False,
                                   name="iteration")
        self._learning_rate = Variable(np.float32(learning_rate), dtype="float32",
                                       trainable=False, name="learning_rate")
        self.iterations.path = f"{self.name}/iteration"
        self._learning_rate.path = f"{self.name}/learning_rate"
        self._slots: list[Variable] = []
        # The variables this optimizer's slots were made for (compared by identity, so a
        # deep copy of a model and its optimizer stays consistent).
        self._built_for: list | None = None

    # ---- variables -----------------------------------------------------------------------
    @property
    def learning_rate(self):
        return float(self._learning_rate.value)

    @learning_rate.setter
    def learning_rate(self, value):
        _check_learning_rate(value)
        self._learning_rate.assign(np.float32(value))

    @property
    def variables(self):
        return [self.iterations, self._learning_rate] + self._slots

    @property
    def built(self):
        return self._built_for is not None

    def add_variable_from_reference(self, reference, name):
        var = Variable(np.zeros(reference.shape, reference.dtype), dtype=reference.dtype,
                       trainable=False, name=f"{reference.name}_{name}")
        var.path = f"{self.name}/{reference.path.replace('/', '_')}_{name}"
        self._slots.append(var)
        return var

    def build(self, variables):
        self._built_for = list(variables)

    def is_built_for(self, variables) -> bool:
        built = self._built_for
        return built is not None and len(built) == len(variables) and \
            all(a is b for a, b in zip(built, variables))

    def _check_built(self, variables):
        variables = list(variables)
        if self._built_for is None:
            self.build(variables)
        elif not self.is_built_for(variables):
            raise ValueError("This optimizer was built for a different list of variables; "
                             "use a new optimizer instance for another model.")

    def slot_families(self):
        """Per-variable slots by kind, each list parallel to the built variables (Adam:
        [momentums, velocities]); each family is laid out back to back in the state block."""
        return []

    # ---- updates -------------------------------------------------------------------------
    def update_step(self, gradient, variable, slots):
        """One update of `variable` (a Variable, or a flat view of all of them) given its
        `gradient` and its `slots` (one per family)."""
        raise NotImplementedError

    def apply(self, grads, trainable_variables):
        """Applies one update: eager on arrays, recorded while a step is traced. Traced with
        every gradient present and one dtype, it is a single multi-tensor update over flat
        views of the variables and slots (the gradients are concatenated in place by the
        planner, so no copy is made)."""
        variables = list(trainable_variables)
        self._check_built(variables)
        families = self.slot_families()
        graph = current_graph()
        if graph is not None and variables and all(g is not None for g in grads) and \
                len({v.dtype for v in variables}) == 1:
            flat_grad = ops.concatenate([ops.reshape(g, (-1,)) for g in grads], axis=0)
            self.update_step(flat_grad, graph.variable_group(variables),
                             [graph.variable_group(f) for f in families])
        else:
            for i, (g, v) in enumerate(zip(grads, variables)):
                if g is not None:
                    self.update_step(g, v, [f[i] for f in families])
        for g, v in zip(grads, variables):  # Keras: right after the update
            if g is not None and getattr(v, "constraint", None) is not None:
                _apply_constraint(v, graph)
        bind("increment", self.iterations)

    def apply_gradients(self, grads_and_vars):
        grads, variables = zip(*grads_and_vars)
        grads = [None if g is None else np.asarray(g, dtype=v.dtype) for g, v in
                 zip(grads, variables)]
        self.apply(grads, variables)

    # ---- saving (Keras 3's hooks) ---------------------------------------------------------
    def save_own_variables(self, store):
        """iterations, learning_rate, then the slots in Keras's order, as "0", "1", ..."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Restores save_own_variables' values; a file for another number of variables
        (an optimizer not built yet) is skipped with Keras's warning."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            import warnings
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because "
                          f"it has {len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables. " + (
                              "This is likely because the optimizer has not been called/built "
                              "yet." if not self.built else ""), stacklevel=2)
            return
        from ..saving.state_values import checked_values
        for variable, value in zip(variables, checked_values(
                variables, store, f"Optimizer '{self.name}'")):
            variable.assign(value)

    def get_config(self):
        """Keras 3's keys; the options fastkeras does not support yet are at their defaults
        (the constructor refuses any other value)."""
        return {"name": self.name, "learning_rate": self.learning_rate, "weight_decay": None,
                "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                "ema_momentum": self._ema_momentum, "ema_overwrite_frequency": None,
                "loss_scale_factor": None, "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


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
