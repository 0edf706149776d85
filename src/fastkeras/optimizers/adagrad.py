"""Adagrad, Keras 3's update (accumulators start at initial_accumulator_value):
  acc += g**2;  var -= lr*g / sqrt(acc + epsilon)"""

from .. import ops
from .optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self._accumulators_sq = []

    def build(self, variables):
        super().build(variables)
        self._accumulators_sq = self.add_optimizer_variables(
            variables, "accumulator", self.initial_accumulator_value)

    def update_families(self):
        return [self._accumulators_sq]

    def update_step(self, gradient, variable, slots, ctx):
        new_acc = ops.add(slots[0], ops.square(gradient))
        step = ops.divide(ops.multiply(ctx.learning_rate, gradient),
                          ops.sqrt(ops.add(new_acc, self.epsilon)))
        return ops.subtract(variable, step), [new_acc]

    def get_config(self):
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value,
                      epsilon=self.epsilon)
        return config
