"""Lion, Keras 3's update:
  var -= lr * sign(beta_1*m + (1-beta_1)*g);  m = beta_2*m + (1-beta_2)*g"""

from .. import ops
from .optimizer import Optimizer


class Lion(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2 = beta_1, beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        self._m = []

    def build(self, variables):
        super().build(variables)
        self._m = self.add_optimizer_variables(variables, "momentum")

    def update_families(self):
        return [self._m]

    def update_step(self, gradient, variable, slots, ctx):
        m, = slots
        direction = ops.sign(ops.add(ops.multiply(m, self.beta_1),
                                     ops.multiply(gradient, 1.0 - self.beta_1)))
        new_m = ops.add(ops.multiply(m, self.beta_2), ops.multiply(gradient, 1.0 - self.beta_2))
        return ops.subtract(variable, ops.multiply(direction, ctx.learning_rate)), [new_m]

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return config
