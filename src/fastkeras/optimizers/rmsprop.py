"""RMSprop (Keras 3's default optimizer), composed with keras.ops and `assign` effects
(the traced update then runs as one elementwise program):
  v = rho*v + (1-rho)*g^2;  var -= lr*g / sqrt(v + epsilon)."""

from .. import ops
from ..graph import bind
from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if momentum or centered:
            raise NotImplementedError("RMSprop(momentum>0 or centered=True) is not supported "
                                      "yet by fastkeras")
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, centered
        self._velocities = []

    def build(self, variables):
        super().build(variables)
        self._velocities = [self.add_variable_from_reference(v, "velocity") for v in variables]

    def slot_families(self):
        return [self._velocities]

    def update_step(self, gradient, variable, slots):
        vel = slots[0]
        new_vel = ops.add(ops.multiply(vel, self.rho),
                          ops.multiply(ops.square(gradient), 1.0 - self.rho))
        step = ops.divide(ops.multiply(gradient, self._learning_rate),
                          ops.sqrt(ops.add(new_vel, self.epsilon)))
        # `variable` may be a flat view of several variables: the assign effect, not
        # Variable.assign.
        bind("assign", vel, new_vel)
        bind("assign", variable, ops.subtract(variable, step))

    def get_config(self):
        config = super().get_config()
        config.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                      centered=self.centered)
        return config
