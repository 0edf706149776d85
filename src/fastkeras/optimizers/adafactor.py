"""Adafactor, Keras 3's update. With t = iterations + 1, rms(x) = sqrt(mean(x**2)):
  lr = min(lr, 1/sqrt(t)) when relative_step and the rate is a float (not a schedule)
  alpha = max(epsilon_2, rms(var)) * min(lr, 1/sqrt(t));  beta_2 = 1 - t**beta_2_decay
  g2 = g**2 + epsilon_1
  rank >= 2 (factored over the last two axes):
    r = beta_2*r + (1-beta_2)*mean(g2, -1);  c = beta_2*c + (1-beta_2)*mean(g2, -2)
    v = (r / mean(r, -1))[..., None] * c[..., None, :]
  rank < 2:  v = beta_2*v + (1-beta_2)*g2  (r and c are unused int32 placeholders)
  u = g / sqrt(v);  var -= alpha * u / max(1, rms(u) / clip_threshold)
Each variable is updated on its own shape (flat_update = False)."""

import numpy as np

from .. import ops
from ..graph import Variable
from .optimizer import Optimizer


def _rms(x):
    return ops.sqrt(ops.mean(ops.square(x)))


def _decay(old, new_term, beta):
    return ops.add(ops.multiply(beta, old), ops.multiply(ops.subtract(1.0, beta), new_term))


class Adafactor(Optimizer):
    flat_update = False
    _track_placeholders = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_2_decay, self.epsilon_1, self.epsilon_2 = beta_2_decay, epsilon_1, epsilon_2
        self.clip_threshold, self.relative_step = clip_threshold, relative_step
        self._r, self._c, self._v = [], [], []

    def build(self, variables):
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for var in variables:
            shape = tuple(var.shape)
            if len(shape) < 2:  # Keras keeps two int32 placeholders named like the variable
                self._r.append(self._placeholder(var))
                self._c.append(self._placeholder(var))
            else:
                self._r.append(self.add_variable(shape[:-1], "zeros", var.dtype, var.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], "zeros", var.dtype,
                                                 var.name))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def _placeholder(self, var):
        """One of `variables` unless a LossScaleOptimizer builds this one: Keras creates
        them as plain Variables, which its wrapper's build does not track."""
        if self._track_placeholders:
            return self.add_variable((), "zeros", "int32", var.name)
        placeholder = Variable(np.zeros((), "int32"), dtype="int32", trainable=False,
                               name=var.name)
        placeholder.path = f"{self.name}/{var.name}"
        return placeholder

    def update_families(self):
        return [self._r, self._c, self._v]

    def update_step(self, gradient, variable, slots, ctx):
        r, c, v = slots
        t = ops.cast(ctx.local_step64, "float32")
        inv_sqrt_t = ops.divide(1.0, ops.sqrt(t))
        lr = ctx.learning_rate
        if self._schedule is None and self.relative_step:
            lr = ops.minimum(lr, inv_sqrt_t)
        alpha = ops.multiply(ops.maximum(self.epsilon_2, _rms(variable)),
                             ops.minimum(lr, inv_sqrt_t))
        # t ** beta_2_decay in float64, rounded once (Keras: float32 pow).
        t_power = ops.cast(ops.exp(ops.multiply(ops.log(ctx.local_step64),
                                                float(self.beta_2_decay))), "float32")
        beta_2 = ops.subtract(1.0, t_power)
        g2 = ops.add(ops.square(gradient), self.epsilon_1)
        if len(variable.shape) >= 2:
            new_r = _decay(r, ops.mean(g2, axis=-1), beta_2)
            new_c = _decay(c, ops.mean(g2, axis=-2), beta_2)
            row = ops.divide(new_r, ops.mean(new_r, axis=-1, keepdims=True))
            new_v = ops.multiply(ops.expand_dims(row, -1), ops.expand_dims(new_c, -2))
        else:
            new_r, new_c = r, c  # the placeholders stay as they are
            new_v = _decay(v, g2, beta_2)
        u = ops.divide(gradient, ops.sqrt(new_v))
        u_hat = ops.divide(u, ops.maximum(1.0, ops.divide(_rms(u), self.clip_threshold)))
        return ops.subtract(variable, ops.multiply(alpha, u_hat)), [new_r, new_c, new_v]

    def get_config(self):
        config = super().get_config()
        config.update(beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
                      epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold,
                      relative_step=self.relative_step)
        return config
