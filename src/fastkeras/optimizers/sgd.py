"""SGD with optional (Nesterov) momentum, Keras 3's update:
  plain:     var -= lr * g
  momentum:  m = momentum*m - lr*g;  var += momentum*m - lr*g (nesterov)  or  var += m
Native kernels `sgd_update` / `sgd_momentum_update`; composed of ops under EMA or gradient
accumulation."""

from .. import ops
from ..graph import bind
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._momenta = []

    def build(self, variables):
        super().build(variables)
        if self.momentum:
            self._momenta = self.add_optimizer_variables(variables, "momentum")

    def update_families(self):
        return [self._momenta] if self.momentum else []

    def has_native_update(self):
        return True

    def native_update(self, gradient, variable, slots):
        if self.momentum:
            bind("sgd_momentum_update", variable, gradient, slots[0], self._learning_rate,
                 momentum=self.momentum, nesterov=self.nesterov)
        else:
            bind("sgd_update", variable, gradient, self._learning_rate)

    def update_step(self, gradient, variable, slots, ctx):
        lr_g = ops.multiply(gradient, ctx.learning_rate)
        if not self.momentum:
            return ops.subtract(variable, lr_g), []
        new_m = ops.subtract(ops.multiply(slots[0], self.momentum), lr_g)
        step = ops.subtract(ops.multiply(new_m, self.momentum), lr_g) if self.nesterov \
            else new_m
        return ops.add(variable, step), [new_m]

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config
