"""How an optimizer's update is put together around its family's formula (Keras's
`_backend_apply_gradients`): the gradient-accumulation gate, clipping, weight decay, the
native in-place kernels where no option needs the composite, the family's `update_step`,
EMA, and every new value assigned once at the end. A mixin of Optimizer (optimizer.py),
which keeps the variables, the learning rate and `apply()`."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..graph import bind
from ..graph.step_writes import native_updates_allowed
from . import options as opt


class UpdateComposition:
    def _folds_into_native(self, grads, decays):
        """A kernel that folds the options (Adam) can do the whole step: no per-variable
        clipping, a global clipnorm only over the one flat gradient, and the decay none or
        one scalar (no exclusions). Other native kernels take the path after it."""
        if not self.native_folds_options:
            return False
        if self.clipnorm or self.clipvalue:
            return False
        if self.global_clipnorm and len(grads) != 1:
            return False
        return all(wd is None or np.ndim(wd) == 0 for wd in decays)

    def _clips(self):
        return bool(self.clipnorm or self.global_clipnorm or self.clipvalue)

    def _update(self, grads, variables, slots, decays, idle=()):
        """Keras's _backend_apply_gradients (JAX form) over parallel lists (one flat entry,
        or one per variable): accumulation gate, clipping, weight decay, the family's step,
        EMA (also of the `idle` (variable, average) pairs this call does not update); every
        new value is assigned once, after all are computed."""
        ctx = self._context()
        n_base = bool(self._averages) + bool(self._accumulators)
        averages = [s[0] for s in slots] if self._averages else None
        accumulators = [s[n_base - 1] for s in slots] if self._accumulators else None
        own = [s[n_base:] for s in slots]
        raw = grads
        gate = None
        if self.gradient_accumulation_steps:
            k = self.gradient_accumulation_steps
            gate = opt.is_multiple(ops.add(ops.cast(self._iterations, "float64"), 1.0), k)
            grads = [opt.select(gate, ops.divide(ops.add(g, a), float(k)), g)
                     for g, a in zip(grads, accumulators)]
        native = self.has_native_update() and native_updates_allowed()
        if gate is None and not self.use_ema and native and \
                self._folds_into_native(grads, decays):
            for g, v, s, wd in zip(grads, variables, own, decays):
                self.native_update(g, v, s, global_clipnorm=float(self.global_clipnorm or 0.0),
                                   weight_decay=float(wd or 0.0))
            return
        grads = self._clip(grads)
        decayed = [v if wd is None else ops.subtract(
            v, ops.multiply(ops.multiply(v, wd), ctx.learning_rate))
            for v, wd in zip(variables, decays)]
        if gate is None and not self.use_ema and not self._clips() and native:
            for g, v, d, s in zip(grads, variables, decayed, own):
                if d is not v:  # effects run in order: the decay, then the update
                    bind("assign", v, d)
                self.native_update(g, v, s)
            return
        scalars = self.scalar_updates(ctx)
        new = [self.update_step(g, d, s, ctx) for g, d, s in zip(grads, decayed, own)]
        writes = []
        for i, (v, (nv, ns)) in enumerate(zip(variables, new)):
            if gate is not None:
                nv = opt.select(gate, nv, v)
                ns = [opt.select(gate, n, s) for n, s in zip(ns, own[i])]
                writes.append((accumulators[i], opt.select(gate, ops.multiply(raw[i], 0.0),
                                                           ops.add(raw[i], accumulators[i]))))
            if self.use_ema:
                nv = self._ema(v, nv, averages[i], ctx, writes)
            writes.append((v, nv))
            writes += list(zip(own[i], ns))
        for v, average in idle:
            new_value = self._ema(v, v, average, ctx, writes)
            if new_value is not v:
                writes.append((v, new_value))
        for var, value in scalars:
            writes.append((var, value if gate is None else opt.select(gate, value, var)))
        for var, value in writes:
            bind("assign", var, value)

    def _ema(self, variable, new_value, average, ctx, writes):
        """Keras's moving average of the updated weights (momentum 0 on the first step) and
        the overwrite every ema_overwrite_frequency steps; returns the weight's value."""
        not_first = ops.cast(ops.greater(ctx.iterations64, 0.0), "float32")
        momentum = ops.multiply(not_first, float(self.ema_momentum))
        new_average = ops.add(ops.multiply(momentum, average),
                              ops.multiply(ops.subtract(1.0, momentum), new_value))
        writes.append((average, new_average))
        if self.ema_overwrite_frequency:
            overwrite = opt.is_multiple(ctx.local_step64, self.ema_overwrite_frequency)
            new_value = opt.select(overwrite, new_average, new_value)
        return new_value

    def _clip(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [opt.clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return opt.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [opt.clip_by_value(g, self.clipvalue) for g in grads]
        return grads
