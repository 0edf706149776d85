"""Adamax, Keras 3's update:
  m += (g - m) * (1 - beta_1);  u = max(beta_2*u, |g|)
  var -= lr*m / ((1 - beta_1**t) * (u + epsilon))"""

from .. import ops
from . import options as opt
from .optimizer import Optimizer


class Adamax(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._m, self._u = [], []

    def build(self, variables):
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_families(self):
        return [self._m, self._u]

    def update_step(self, gradient, variable, slots, ctx):
        m, u = slots
        beta_1_power = opt.power(self.beta_1, ctx.local_step64)
        new_m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        new_u = ops.maximum(ops.multiply(u, self.beta_2), ops.abs(gradient))
        step = ops.divide(ops.multiply(new_m, ctx.learning_rate),
                          ops.multiply(ops.subtract(1.0, beta_1_power),
                                       ops.add(new_u, self.epsilon)))
        return ops.subtract(variable, step), [new_m, new_u]

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
