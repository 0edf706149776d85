"""ScheduleFreeAdamW, Keras 3.15's update (Defazio et al., 2024). The model's variable is the
interpolated sequence y; the slot `momentum` is z (starting at the variable's value), and
the average x is not stored but recovered from y and z. With t = iterations + 1:
  lr *= min(t / warmup_steps, 1) when warmup_steps > 0
  v += (g**2 - v) * (1 - beta_2);  z -= lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
  x = (y - (1 - beta_1) * z_old) / beta_1;  x = (1 - 1/t) * x + (1/t) * z
  y = (1 - beta_1) * z + beta_1 * x
As in Keras, the variables always hold y: there is no swap to x for evaluation."""

import numpy as np

from .. import ops
from . import options as opt
from .optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name,
                         **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.warmup_steps = warmup_steps
        self._z, self._v = [], []

    def build(self, variables):
        super().build(variables)
        self._z, self._v = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        for z, var in zip(self._z, variables):  # z starts at the variable's value
            z.assign(np.array(var.numpy(), dtype=z.dtype))

    def update_families(self):
        return [self._z, self._v]

    def update_step(self, gradient, variable, slots, ctx):
        z, v = slots
        t = ops.cast(ctx.local_step64, "float32")
        lr = ctx.learning_rate
        if self.warmup_steps > 0:
            lr = ops.multiply(lr, ops.minimum(ops.divide(t, float(self.warmup_steps)), 1.0))
        beta_1 = float(np.float32(self.beta_1))
        correction = ops.subtract(1.0, opt.power(self.beta_2, ctx.local_step64))
        new_v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        1.0 - self.beta_2))
        denominator = ops.add(ops.sqrt(ops.divide(new_v, correction)), self.epsilon)
        new_z = ops.subtract(z, ops.divide(ops.multiply(lr, gradient), denominator))
        weight = ops.divide(1.0, t)
        x = ops.divide(ops.subtract(variable, ops.multiply(z, 1.0 - beta_1)), beta_1)
        x = ops.add(ops.multiply(x, ops.subtract(1.0, weight)), ops.multiply(new_z, weight))
        new_y = ops.add(ops.multiply(new_z, 1.0 - beta_1), ops.multiply(x, beta_1))
        return new_y, [new_z, new_v]

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      warmup_steps=self.warmup_steps)
        return config
