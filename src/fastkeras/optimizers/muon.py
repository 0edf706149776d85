"""Muon, Keras 3.15's update. Each variable takes one of two rules, fixed at build:
  AdamW (a variable that is not 2-D; with exclude_embeddings, one whose path contains
  "embedding"; one whose path matches a regex of exclude_layers): Adam's update at
  lr * adam_lr_ratio, decayed by adam_weight_decay.
  Muon (every other 2-D kernel), decayed by weight_decay:
    m = momentum*m + g;  u = g + momentum*m (nesterov) or m
    var -= lr * NS(u) [* sqrt(max(rows, cols)) * rms_rate unless rms_rate is None]
  NS, the quintic Newton-Schulz iteration (Keras's zeropower_via_newtonschulz5): x = u,
  transposed when rows > cols; x /= (||x||_F + 1e-7); ns_steps times A = x x^T,
  x = a*x + (b*A + c*A A) x; transposed back.
Keras's slots, per variable in order: its momentum, then (AdamW rule only) its velocity.
A Muon-rule variable's velocity entry is a scalar placeholder outside `variables`, so that
the slot families stay parallel to the variables; the update leaves it as it is."""

import copy
import math
import re
from types import SimpleNamespace

import numpy as np

from .. import ops
from ..graph import Variable
from .adam import Adam
from .optimizer import Optimizer


class Muon(Optimizer):
    flat_update = False  # each matrix is orthogonalized on its own shape

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps = adam_lr_ratio, momentum, ns_steps
        self.nesterov, self.exclude_embeddings = nesterov, exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay, self.rms_rate = adam_weight_decay, rms_rate
        self._m, self._v, self._no_velocity = [], [], set()

    def _should_use_adamw(self, variable):
        """Keras's rule, on the variable's shape and path."""
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in variable.path.lower():
            return True
        return any(re.search(keyword, variable.path) for keyword in self.exclude_layers)

    def build(self, variables):
        super().build(variables)
        self._m, self._v, self._no_velocity = [], [], set()
        for var in variables:
            self._m.append(self.add_variable_from_reference(var, "momentum"))
            if self._should_use_adamw(var):
                self._v.append(self.add_variable_from_reference(var, "velocity"))
            else:
                placeholder = Variable(np.zeros((), var.dtype), dtype=var.dtype,
                                       trainable=False, name=f"{var.name}_no_velocity")
                placeholder.path = f"{self.name}/{var.path.replace('/', '_')}_no_velocity"
                self._no_velocity.add(id(placeholder))
                self._v.append(placeholder)

    def update_families(self):
        return [self._m, self._v]

    def _decay_rate(self, variable):
        if not self._exclusions.decays(variable):
            return None
        return self.adam_weight_decay if self._should_use_adamw(variable) \
            else self.weight_decay

    def update_step(self, gradient, variable, slots, ctx):
        m, v = slots
        if id(v) not in self._no_velocity:
            adam_ctx = copy.copy(ctx)
            adam_ctx.learning_rate = ops.multiply(ctx.learning_rate,
                                                  float(self.adam_lr_ratio))
            rule = SimpleNamespace(beta_1=self.adam_beta_1, beta_2=self.adam_beta_2,
                                   epsilon=self.epsilon, amsgrad=False)
            return Adam.update_step(rule, gradient, variable, [m, v], adam_ctx)
        new_m = ops.add(m, ops.add(gradient, ops.multiply(m, self.momentum - 1.0)))
        direction = ops.add(gradient, ops.multiply(new_m, self.momentum)) \
            if self.nesterov else new_m
        step = ops.multiply(ctx.learning_rate,
                            self.zeropower_via_newtonschulz5(direction, self.ns_steps))
        return ops.subtract(variable, self.lr_adjust(step)), [new_m, v]

    def lr_adjust(self, x):
        """Moonlight's scaling: the update times sqrt(max(rows, cols)) * rms_rate."""
        if self.rms_rate is None:
            return x
        scale = math.sqrt(max(x.shape[0], x.shape[1]))
        return ops.multiply(ops.multiply(x, np.float32(scale)), self.rms_rate)

    def zeropower_via_newtonschulz5(self, x, steps):
        shape = tuple(x.shape)
        if len(shape) < 2:
            raise ValueError("Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={shape}")
        tall = shape[-2] > shape[-1]
        if tall:
            x = _transpose_last_axes(x)
        # the Frobenius norm bounds the spectral norm: the iteration starts inside 1
        norm = ops.sqrt(ops.sum(ops.square(x), axis=(-2, -1), keepdims=True))
        x = ops.divide(x, ops.add(norm, 1e-7))
        for _ in range(steps):
            gram = ops.matmul(x, _transpose_last_axes(x))
            poly = ops.add(ops.multiply(gram, self.muon_b),
                           ops.matmul(ops.multiply(gram, self.muon_c), gram))
            x = ops.add(ops.multiply(x, self.muon_a), ops.matmul(poly, x))
        return _transpose_last_axes(x) if tall else x

    def get_config(self):
        config = super().get_config()
        config.update(adam_beta_1=self.adam_beta_1, adam_beta_2=self.adam_beta_2,
                      epsilon=self.epsilon, exclude_layers=self.exclude_layers,
                      muon_a=self.muon_a, muon_b=self.muon_b, muon_c=self.muon_c,
                      adam_lr_ratio=self.adam_lr_ratio, momentum=self.momentum,
                      ns_steps=self.ns_steps, nesterov=self.nesterov,
                      exclude_embeddings=self.exclude_embeddings,
                      adam_weight_decay=self.adam_weight_decay, rms_rate=self.rms_rate)
        return config


def _transpose_last_axes(x):
    order = list(range(len(x.shape)))
    order[-2], order[-1] = order[-1], order[-2]
    return ops.transpose(x, order)
