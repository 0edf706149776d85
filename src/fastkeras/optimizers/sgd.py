"""SGD with optional (Nesterov) momentum, Keras 3's update."""

from ..graph import bind
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: "
                             f"momentum={momentum}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)
        self._momenta = []

    def build(self, variables):
        super().build(variables)
        if self.momentum:
            self._momenta = [self.add_variable_from_reference(v, "momentum") for v in variables]

    def slot_families(self):
        return [self._momenta] if self.momentum else []

    def update_step(self, gradient, variable, slots):
        if self.momentum:
            bind("sgd_momentum_update", variable, gradient, slots[0], self._learning_rate,
                 momentum=self.momentum, nesterov=self.nesterov)
        else:
            bind("sgd_update", variable, gradient, self._learning_rate)

    def get_config(self):
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        return config
