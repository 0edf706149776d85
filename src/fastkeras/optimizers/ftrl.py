"""Ftrl, Keras 3's update (accumulators start at initial_accumulator_value), p = -lr_power:
  l2 = l2_reg + beta/(2 lr);  g' = g + 2*l2_shrinkage*var;  n = acc + g**2
  linear += g' - (n**p - acc**p)/lr * var
  var = (clip(linear, -l1, l1) - linear) / (n**p/lr + 2*l2);  acc = n"""

from .. import ops
from .optimizer import Optimizer

_POSITIVE = ("initial_accumulator_value", "l1_regularization_strength",
             "l2_regularization_strength", "l2_shrinkage_regularization_strength")


def _pow(x, p):
    """x**p for x > 0 (the accumulators are never negative): sqrt when p is 0.5."""
    if p == 0.5:
        return ops.sqrt(x)
    return ops.exp(ops.multiply(ops.log(x), p))


class Ftrl(Optimizer):
    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        values = dict(initial_accumulator_value=initial_accumulator_value,
                      l1_regularization_strength=l1_regularization_strength,
                      l2_regularization_strength=l2_regularization_strength,
                      l2_shrinkage_regularization_strength=l2_shrinkage_regularization_strength)
        for arg in _POSITIVE:
            if values[arg] < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: "
                                 f"{arg}={values[arg]}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        for arg in _POSITIVE:
            setattr(self, arg, values[arg])
        self.beta = beta
        self._accumulators_sq, self._linears = [], []

    def build(self, variables):
        super().build(variables)
        self._accumulators_sq, self._linears = self.add_optimizer_variables(
            variables, ["accumulator", "linear"], [self.initial_accumulator_value, "zeros"])

    def update_families(self):
        return [self._accumulators_sq, self._linears]

    def update_step(self, gradient, variable, slots, ctx):
        accum, linear = slots
        lr, p = ctx.learning_rate, -self.learning_rate_power
        l2 = ops.add(ops.divide(self.beta, ops.multiply(lr, 2.0)),
                     self.l2_regularization_strength)
        grad_to_use = ops.add(gradient, ops.multiply(
            variable, 2 * self.l2_shrinkage_regularization_strength))
        new_accum = ops.add(accum, ops.square(gradient))
        new_accum_p = _pow(new_accum, p)
        sigma = ops.divide(ops.subtract(new_accum_p, _pow(accum, p)), lr)
        new_linear = ops.add(linear, ops.subtract(grad_to_use, ops.multiply(sigma, variable)))
        quadratic = ops.add(ops.divide(new_accum_p, lr), ops.multiply(l2, 2.0))
        l1 = self.l1_regularization_strength
        new_var = ops.divide(ops.subtract(ops.clip(new_linear, -l1, l1), new_linear), quadratic)
        return new_var, [new_accum, new_linear]

    def get_config(self):
        config = super().get_config()
        config.update(learning_rate_power=self.learning_rate_power,
                      initial_accumulator_value=self.initial_accumulator_value,
                      l1_regularization_strength=self.l1_regularization_strength,
                      l2_regularization_strength=self.l2_regularization_strength,
                      l2_shrinkage_regularization_strength=(
                          self.l2_shrinkage_regularization_strength),
                      beta=self.beta)
        return config
