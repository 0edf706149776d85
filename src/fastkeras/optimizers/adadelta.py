"""Adadelta, Keras 3's update, with rms(x) = sqrt(x + epsilon):
  acc_g = rho*acc_g + (1-rho)*g**2;  delta = -rms(acc_dx)*g / rms(acc_g)
  acc_dx = rho*acc_dx + (1-rho)*delta**2;  var += lr*delta"""

from .. import ops
from .optimizer import Optimizer


class Adadelta(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.epsilon = rho, epsilon
        self._acc_grads, self._acc_deltas = [], []

    def build(self, variables):
        super().build(variables)
        self._acc_grads, self._acc_deltas = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_families(self):
        return [self._acc_grads, self._acc_deltas]

    def _rms(self, x):
        return ops.sqrt(ops.add(x, self.epsilon))

    def _average(self, old, new_term):
        return ops.add(ops.multiply(old, self.rho), ops.multiply(new_term, 1.0 - self.rho))

    def update_step(self, gradient, variable, slots, ctx):
        acc_grad, acc_delta = slots
        new_acc_grad = self._average(acc_grad, ops.square(gradient))
        delta = ops.negative(ops.divide(ops.multiply(self._rms(acc_delta), gradient),
                                        self._rms(new_acc_grad)))
        new_acc_delta = self._average(acc_delta, ops.square(delta))
        return ops.add(variable, ops.multiply(delta, ctx.learning_rate)), \
            [new_acc_grad, new_acc_delta]

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config
