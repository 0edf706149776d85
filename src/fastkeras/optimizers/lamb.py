"""Lamb, Keras 3's update: Adam's moments with a per-variable trust ratio, t = iterations + 1:
  m += (g - m)(1 - beta_1);  v += (g**2 - v)(1 - beta_2)
  update = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
  ratio = ||var|| / ||update|| when both norms are > 0, else 1
  var -= ratio * lr * update
The norms are each variable's own, so it is updated per variable (flat_update = False)."""

from .. import ops
from . import options as opt
from .optimizer import Optimizer


class Lamb(Optimizer):
    flat_update = False

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._m, self._v = [], []

    def build(self, variables):
        super().build(variables)
        self._m, self._v = self.add_optimizer_variables(variables, ["momentum", "velocity"])

    def update_families(self):
        return [self._m, self._v]

    def update_step(self, gradient, variable, slots, ctx):
        m, v = slots
        t = ctx.local_step64
        new_m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        new_v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        1.0 - self.beta_2))
        m_hat = ops.divide(new_m, ops.subtract(1.0, opt.power(self.beta_1, t)))
        v_sqrt = ops.add(ops.sqrt(ops.divide(new_v, ops.subtract(1.0, opt.power(self.beta_2, t)))),
                         self.epsilon)
        update = ops.divide(m_hat, v_sqrt)
        w_norm = ops.sqrt(ops.sum(ops.square(variable)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        # Keras's where: the quotient when both norms are > 0 (a NaN norm is not), else 1.
        both = ops.multiply(ops.cast(ops.greater(w_norm, 0.0), "float32"),
                            ops.cast(ops.greater(u_norm, 0.0), "float32"))
        ratio = ops.add(opt.where_positive(both, ops.divide(w_norm, u_norm)),
                        ops.subtract(1.0, both))
        step = ops.multiply(ops.multiply(ratio, ctx.learning_rate), update)
        return ops.subtract(variable, step), [new_m, new_v]

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
