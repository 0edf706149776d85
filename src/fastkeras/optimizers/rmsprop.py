"""RMSprop (Keras 3's default optimizer), with momentum and centered forms:
  v = rho*v + (1-rho)*g**2;  [a = rho*a + (1-rho)*g;  den = v - a**2 + eps]  else den = v + eps
  inc = lr*g / sqrt(den);  m = momentum*m + inc; var -= m  (momentum > 0)  else var -= inc"""

from .. import ops
from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self._velocities, self._momentums, self._average_gradients = [], [], []

    def build(self, variables):
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables,
                                                                   "average_gradient")

    def update_families(self):
        return [self._velocities] + ([self._momentums] if self.momentum > 0 else []) + \
            ([self._average_gradients] if self.centered else [])

    def update_step(self, gradient, variable, slots, ctx):
        slots = list(slots)
        velocity = slots.pop(0)
        momentum = slots.pop(0) if self.momentum > 0 else None
        new_velocity = ops.add(ops.multiply(velocity, self.rho),
                               ops.multiply(ops.square(gradient), 1.0 - self.rho))
        new_slots = [new_velocity]
        if self.momentum > 0:
            new_slots.append(None)  # filled below, kept in family order
        if self.centered:
            new_average = ops.add(ops.multiply(slots[0], self.rho),
                                  ops.multiply(gradient, 1.0 - self.rho))
            new_slots.append(new_average)
            denominator = ops.add(ops.subtract(new_velocity, ops.square(new_average)),
                                  self.epsilon)
        else:
            denominator = ops.add(new_velocity, self.epsilon)
        increment = ops.divide(ops.multiply(ctx.learning_rate, gradient),
                               ops.sqrt(denominator))
        if self.momentum > 0:
            new_slots[1] = ops.add(ops.multiply(momentum, self.momentum), increment)
            increment = new_slots[1]
        return ops.subtract(variable, increment), new_slots

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                      centered=self.centered)
        return config
