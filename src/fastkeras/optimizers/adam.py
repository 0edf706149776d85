"""Adam with Keras 3's update (epsilon added to the uncorrected sqrt(v))."""

from ..graph import bind
from .optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name="adam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if amsgrad:
            raise NotImplementedError("Adam(amsgrad=True) is not supported yet by fastkeras")
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self._m, self._v = [], []

    def build(self, variables):
        super().build(variables)
        for var in variables:  # Keras order: momentum, velocity per variable
            self._m.append(self.add_variable_from_reference(var, "momentum"))
            self._v.append(self.add_variable_from_reference(var, "velocity"))

    def slot_families(self):
        return [self._m, self._v]

    def update_step(self, gradient, variable, slots):
        m, v = slots
        bind("adam_update", variable, gradient, m, v, self._learning_rate, self.iterations,
             beta_1=float(self.beta_1), beta_2=float(self.beta_2), epsilon=float(self.epsilon))

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      amsgrad=self.amsgrad)
        return config
