"""LossScaleOptimizer, Keras 3's dynamic loss scaling around an inner optimizer.

The trainer takes the gradients of `scale_loss(loss)` = loss * dynamic_scale. On each
apply: if every gradient is finite, the inner optimizer steps on gradients / dynamic_scale
and the counter advances (after `dynamic_growth_steps` finite steps in a row the scale
doubles and the counter restarts); otherwise nothing of the inner optimizer changes, the
scale halves and the counter restarts.

Eagerly that is a Python branch. Inside a traced step it is a 0/1 flag: the inner
optimizer's update is recorded as usual (composite ops, never an in-place native kernel),
then each state write it recorded becomes a select between the new and the old value, and
its step counter advances by the flag. A skipped step's inner update runs on zero gradients
(its results are discarded), so every value selected between is finite."""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .. import ops
from ..graph import bind, current_graph
from ..graph.primitive import get as get_primitive
from . import options as opt
from .optimizer import Optimizer

# The base options Keras still accepts from old configs, at their defaults only.
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for arg, default in _BASE_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`. Instead, set "
                                 f"`{arg}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs.keys())}`.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # Otherwise the gradients would be unscaled twice.
        self.inner_optimizer.loss_scale_factor = None
        self.step_counter = self.dynamic_scale = None

    # ---- variables and delegation ----------------------------------------------------------
    def build(self, variables):
        variables = list(variables)
        self.step_counter = self.add_variable((), "zeros", "int64", "step_counter")
        self.dynamic_scale = self.add_variable((), float(self.initial_scale), "float32",
                                               "dynamic_scale")
        if not self.inner_optimizer.built and hasattr(self.inner_optimizer,
                                                      "_track_placeholders"):
            self.inner_optimizer._track_placeholders = False  # Adafactor's, as in Keras
        self.inner_optimizer._check_built(variables)
        super().build(variables)

    @property
    def variables(self):
        return super().variables + self.inner_optimizer.variables

    def slot_families(self):
        return self.inner_optimizer.slot_families()

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def scale_loss(self, loss):
        scale = self.dynamic_scale if self.built else self.initial_scale
        return ops.multiply(loss, scale)

    # ---- the update ------------------------------------------------------------------------
    def apply(self, grads, trainable_variables):
        variables = list(trainable_variables)
        self._check_built(variables)
        grads = list(grads)
        finite = _all_finite([g for g in grads if g is not None])
        if current_graph() is None:
            if float(finite):
                self.inner_optimizer.apply(self._unscale(grads), variables)
            new_counter, new_scale = self._scale_update(finite)
            self.step_counter.assign(np.asarray(new_counter, dtype="int64"))
            self.dynamic_scale.assign(np.asarray(new_scale, dtype="float32"))
            return
        graph = current_graph()
        first = len(graph.effects)
        with _composite_update(self.inner_optimizer):
            self.inner_optimizer.apply([None if g is None else _zero_unless(finite, g)
                                        for g in self._unscale(grads)], variables)
        _gate_effects(graph, first, finite)
        new_counter, new_scale = self._scale_update(finite)
        bind("assign", self.step_counter, new_counter)
        bind("assign", self.dynamic_scale, new_scale)

    def _unscale(self, grads):
        return [None if g is None else ops.divide(g, self.dynamic_scale) for g in grads]

    def _scale_update(self, finite):
        """(step counter, scale) after a step whose gradients were all finite (1.0) or not
        (0.0): grow = the counter reached dynamic_growth_steps - 1 on a finite step."""
        counter = ops.cast(self.step_counter, "float32")
        grow = ops.multiply(finite, ops.cast(
            ops.equal(counter, float(self.dynamic_growth_steps - 1)), "float32"))
        new_counter = ops.multiply(ops.multiply(finite, ops.subtract(1.0, grow)),
                                   ops.add(counter, 1.0))
        factor = ops.multiply(ops.add(1.0, grow),
                              ops.subtract(1.0, ops.multiply(ops.subtract(1.0, finite), 0.5)))
        return ops.cast(new_counter, "int64"), ops.multiply(self.dynamic_scale, factor)

    # ---- saving ----------------------------------------------------------------------------
    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        return {"name": self.name,
                "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        inner = deserialize_keras_object(config.pop("inner_optimizer"),
                                         custom_objects=custom_objects)
        return cls(inner, **config)


def _all_finite(grads):
    """float32 1.0 when every entry of every gradient is finite, else 0.0: x*0 is 0 for a
    finite x and NaN for inf or NaN, and a NaN sum is not equal to 0."""
    total = None
    for g in grads:
        s = ops.cast(ops.sum(ops.multiply(g, 0.0)), "float32")
        total = s if total is None else ops.add(total, s)
    if total is None:
        return np.float32(1.0)
    return ops.cast(ops.equal(total, 0.0), "float32")


def _zero_unless(flag, g):
    """g where the 0/1 scalar flag is 1, else zeros, even where g is inf or NaN: the update
    a skipped step computes (and discards) stays finite, so the selects stay exact. The
    mask (g - g is 0 exactly where g is finite) has g's shape, as where_positive needs."""
    finite = ops.cast(ops.equal(ops.subtract(g, g), 0.0), g.dtype)
    return opt.where_positive(ops.multiply(finite, ops.cast(flag, g.dtype)), g)


@contextmanager
def _composite_update(optimizer):
    """The optimizer's update recorded as ops only: an in-place native kernel could not be
    undone by a select afterwards."""
    optimizer.has_native_update = lambda: False
    try:
        yield
    finally:
        del optimizer.has_native_update


def _gate_effects(graph, first, flag):
    """Makes the state writes recorded since graph.effects[first] take effect only where
    the float 0/1 scalar `flag` is 1: each assign writes select(flag, new, old) and each
    counter increment adds the flag. A weight constraint still runs on a skipped step: it
    projects weights that already satisfy it (Keras applies it after every update)."""
    for node in graph.effects[first:]:
        kind = node.prim.name
        if kind == "assign":
            target, value = node.inputs
            if value is not target:  # Adafactor's placeholders are written unchanged
                node.inputs[1] = _select(flag, value, target)
        elif kind == "increment":
            target, = node.inputs
            node.prim = get_primitive("assign")
            node.inputs = [target, _select(flag, ops.add(ops.cast(target, "float64"), 1.0),
                                           target)]
        elif kind != "constrain":
            raise NotImplementedError(f"LossScaleOptimizer cannot skip a {kind!r} update of "
                                      "its inner optimizer on a step with non-finite "
                                      "gradients")
    graph.sort()  # the selects were created after the writes that now read them


def _select(flag, new, old):
    """opt.select in the target's dtype (exact: both values are finite, the skipped step's
    having been computed from zero gradients); integers (counters) go through float64."""
    if old.dtype in ("float32", "float64"):
        return opt.select(ops.cast(flag, old.dtype), new, old)
    chosen = opt.select(ops.cast(flag, "float64"), ops.cast(new, "float64"),
                        ops.cast(old, "float64"))
    return ops.cast(chosen, old.dtype)
