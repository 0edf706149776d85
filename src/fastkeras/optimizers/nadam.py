"""Nadam, Keras 3's update. Per step, u_t = beta_1*(1 - 0.5*0.96**t) and the scalar state
u_product *= u_t (advanced before the variables); then
  m += (g - m)(1 - beta_1);  v += (g**2 - v)(1 - beta_2)
  m_hat = u_{t+1} m / (1 - u_product*u_{t+1}) + (1 - u_t) g / (1 - u_product)
  var -= m_hat*lr / (sqrt(v / (1 - beta_2**t)) + epsilon)"""

from .. import ops
from . import options as opt
from .optimizer import Optimizer


class Nadam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self._m, self._v, self._u_product = [], [], None

    def build(self, variables):
        super().build(variables)
        self._m, self._v = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        dtype = variables[0].dtype if variables else "float32"
        # Keras makes it with backend.Variable(1.0): unnamed, so "variable".
        self._u_product = self.add_variable((), 1.0, dtype, "variable")

    def update_families(self):
        return [self._m, self._v]

    def _u(self, step64):
        return ops.multiply(ops.subtract(1.0, ops.multiply(opt.power(0.96, step64), 0.5)),
                            self.beta_1)

    def scalar_updates(self, ctx):
        ctx.u_t = self._u(ctx.local_step64)
        ctx.u_t_1 = self._u(ops.add(ctx.local_step64, 1.0))
        # Keras's order of the products: (u_product * beta_1) * (1 - 0.5 * 0.96**t)
        ctx.u_product_t = ops.multiply(
            ops.multiply(self._u_product, self.beta_1),
            ops.subtract(1.0, ops.multiply(opt.power(0.96, ctx.local_step64), 0.5)))
        return [(self._u_product, ctx.u_product_t)]

    def update_step(self, gradient, variable, slots, ctx):
        m, v = slots
        u_product_t_1 = ops.multiply(ctx.u_product_t, ctx.u_t_1)
        beta_2_power = opt.power(self.beta_2, ctx.local_step64)
        new_m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        new_v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        1.0 - self.beta_2))
        m_hat = ops.add(
            ops.divide(ops.multiply(new_m, ctx.u_t_1), ops.subtract(1.0, u_product_t_1)),
            ops.divide(ops.multiply(gradient, ops.subtract(1.0, ctx.u_t)),
                       ops.subtract(1.0, ctx.u_product_t)))
        v_hat = ops.divide(new_v, ops.subtract(1.0, beta_2_power))
        step = ops.divide(ops.multiply(m_hat, ctx.learning_rate),
                          ops.add(ops.sqrt(v_hat), self.epsilon))
        return ops.subtract(variable, step), [new_m, new_v]

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return config
