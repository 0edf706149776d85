"""Adam (and amsgrad) with Keras 3's update (epsilon added to the uncorrected sqrt(v)):
  alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
  m += (g - m) * (1 - beta_1);  v += (g**2 - v) * (1 - beta_2);  [v_hat = max(v_hat, v)]
  var -= m * alpha / (sqrt(v or v_hat) + epsilon)
The plain form runs as the native `adam_update` kernel, with a global_clipnorm (over the
flat gradient) and a scalar weight decay (AdamW) folded in; amsgrad, EMA, gradient
accumulation, clipnorm/clipvalue and per-variable decay exclusions use the same formula
composed of ops."""

from .. import ops
from ..graph import bind
from . import options as opt
from .optimizer import Optimizer


class Adam(Optimizer):
    # False makes the plain form use the composite too (to measure one against the other).
    use_native_kernel = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self._m, self._v, self._v_hat = [], [], []

    def build(self, variables):
        super().build(variables)
        self._m, self._v = self.add_optimizer_variables(variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._v_hat = self.add_optimizer_variables(variables, "velocity_hat")

    def update_families(self):
        return [self._m, self._v] + ([self._v_hat] if self.amsgrad else [])

    def has_native_update(self):
        return not self.amsgrad and self.use_native_kernel

    native_folds_options = True

    def native_update(self, gradient, variable, slots, global_clipnorm=0.0, weight_decay=0.0):
        m, v = slots
        bind("adam_update", variable, gradient, m, v, self._learning_rate, self._iterations,
             beta_1=float(self.beta_1), beta_2=float(self.beta_2), epsilon=float(self.epsilon),
             global_clipnorm=global_clipnorm, weight_decay=weight_decay)

    def update_step(self, gradient, variable, slots, ctx):
        m, v = slots[:2]
        t = ctx.local_step64
        alpha = ops.divide(
            ops.multiply(ctx.learning_rate,
                         ops.sqrt(ops.subtract(1.0, opt.power(self.beta_2, t)))),
            ops.subtract(1.0, opt.power(self.beta_1, t)))
        new_m = ops.add(m, ops.multiply(ops.subtract(gradient, m), 1.0 - self.beta_1))
        new_v = ops.add(v, ops.multiply(ops.subtract(ops.square(gradient), v),
                                        1.0 - self.beta_2))
        new_slots = [new_m, new_v]
        denominator_v = new_v
        if self.amsgrad:
            denominator_v = ops.maximum(slots[2], new_v)
            new_slots.append(denominator_v)
        step = ops.divide(ops.multiply(new_m, alpha),
                          ops.add(ops.sqrt(denominator_v), self.epsilon))
        return ops.subtract(variable, step), new_slots

    def get_config(self):
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      amsgrad=self.amsgrad)
        return config
