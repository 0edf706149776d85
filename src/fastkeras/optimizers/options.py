"""The options every optimizer shares, as pure functions of fastkeras.ops (Keras 3.15's
formulas, base_optimizer.py): gradient clipping, weight decay, the bias-correction power,
the step counters and a 0/1 select. They run eagerly on arrays or are traced into the step
(then fusion turns the elementwise chains into programs), so every backend gets them."""

from __future__ import annotations

import math
import re

import numpy as np

from .. import ops
from ..graph import bind


def check_options(clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                  ema_overwrite_frequency, gradient_accumulation_steps):
    """Keras's argument checks and messages."""
    if gradient_accumulation_steps:
        if not gradient_accumulation_steps >= 2:
            raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. Received: "
                             f"gradient_accumulation_steps={gradient_accumulation_steps}")
    if use_ema:
        if ema_momentum > 1 or ema_momentum < 0:
            raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                             f"Received: ema_momentum={ema_momentum}")
        if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                        or ema_overwrite_frequency < 1):
            raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                             f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")
    if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
        raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                         f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                         f"global_clipnorm={global_clipnorm}")


def select(flag, if_one, if_zero):
    """`if_one` where the float 0/1 scalar `flag` is 1, else `if_zero` (exact for finite
    values: a*1 + b*0 is a). Keras's JAX backend gates EMA overwrites the same way."""
    return ops.add(ops.multiply(if_one, flag), ops.multiply(if_zero, ops.subtract(1.0, flag)))


def where_positive(flag, x):
    """x where `flag` > 0, else 0, NaN or inf in x included (Keras's ops.where): relu_grad's
    rule, a select that a non-finite unused value cannot spoil. `flag` has x's shape."""
    return bind("relu_grad", flag, x)


def is_multiple(count64, k):
    """float32 1.0 where the float64 scalar `count64` (a whole number >= 0) is a multiple
    of `k`, else 0.0: count - k*trunc(count/k) == 0, trunc by a cast to int64."""
    quotient = ops.cast(ops.cast(ops.divide(count64, float(k)), "int64"), "float64")
    rest = ops.subtract(count64, ops.multiply(quotient, float(k)))
    return ops.cast(ops.equal(rest, 0.0), "float32")


def floor_div(count64, k):
    return ops.cast(ops.cast(ops.divide(count64, float(k)), "int64"), "float64")


def power(base, exponent64, dtype="float32"):
    """`dtype`(base) ** exponent for a float64 scalar exponent, as exp(e*log(b)) in float64
    and rounded once: Keras casts base and exponent to the variable's dtype and calls pow."""
    base = float(np.dtype(dtype).type(base))
    return ops.cast(ops.exp(ops.multiply(exponent64, math.log(base))), dtype)


def clip_by_norm(grad, clipnorm):
    """Keras's _clip_by_norm: g * c / max(||g||, c), with ||g|| = 0 for an all-zero g."""
    l2sum = ops.sum(ops.square(grad))
    # sqrt(0) = 0 already, so Keras's two-tap where is the plain sqrt here.
    return ops.divide(ops.multiply(grad, float(clipnorm)), ops.maximum(ops.sqrt(l2sum),
                                                                         float(clipnorm)))


def clip_by_global_norm(grads, clipnorm):
    """Keras's clip_by_global_norm over all gradients (a sum of squares of each): the scale
    c * min(1/n, 1/c), made NaN for a non-finite norm by + (n - n)."""
    sums = [ops.sum(ops.square(g)) for g in grads]
    total = sums[0]
    for s in sums[1:]:
        total = ops.add(total, s)
    norm = ops.sqrt(total)
    scale = ops.multiply(ops.minimum(ops.divide(1.0, norm), 1.0 / clipnorm), float(clipnorm))
    scale = ops.add(scale, ops.subtract(norm, norm))
    return [ops.multiply(g, scale) for g in grads]


def clip_by_value(grad, clipvalue):
    return ops.clip(grad, -clipvalue, clipvalue)


class WeightDecayExclusions:
    """exclude_from_weight_decay's state: excluded variables (by identity) and name
    patterns searched in `variable.name`, as Keras does."""

    def __init__(self):
        self.ids, self.pattern = set(), None

    def set(self, var_list=None, var_names=None):
        self.ids = {id(v) for v in var_list} if var_list else set()
        self.pattern = re.compile("|".join(set(var_names))) if var_names else None

    def decays(self, variable) -> bool:
        if id(variable) in self.ids:
            return False
        return self.pattern is None or self.pattern.search(variable.name) is None


def decay_factor(variables, decays, weight_decay):
    """The weight-decay coefficient for `variables` seen as one flat view: a scalar when
    all or none decay (None then), else a constant vector with 0 where excluded."""
    if all(decays):
        return float(weight_decay)
    if not any(decays):
        return None
    return np.concatenate([np.full(int(np.prod(v.shape)), weight_decay if d else 0.0,
                                   dtype=v.dtype) for v, d in zip(variables, decays)])
