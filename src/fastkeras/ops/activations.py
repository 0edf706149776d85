"""Activations composed from core primitives (keras.ops names and defaults): one Python
definition each; autodiff gives the gradient and every backend runs them. They run one pass
per primitive until the elementwise fusion of issue [4] step 5 lands (relu, sigmoid and
tanh are fused into Dense today)."""

from __future__ import annotations

import math

from ..graph import bind
from .core import promote
from .numpy import abs, add, divide, exp, log, maximum, minimum, multiply, subtract, tanh
from .nn import relu, sigmoid

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _float(x):
    (a,) = promote(x, float_only=True)
    return a


def relu6(x):
    return minimum(relu(_float(x)), 6.0)


def leaky_relu(x, negative_slope=0.2):
    x = _float(x)
    return maximum(x, multiply(x, negative_slope))


def elu(x, alpha=1.0):
    """x for x >= 0, alpha * (exp(x) - 1) below; exp only ever sees min(x, 0), so a large x
    neither overflows nor gives an inf gradient."""
    x = _float(x)
    return add(relu(x), multiply(subtract(exp(minimum(x, 0.0)), 1.0), alpha))


def selu(x):
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    return multiply(elu(x, alpha), scale)


def softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)): never overflows."""
    x = _float(x)
    return add(relu(x), log(add(exp(-abs(x)), 1.0)))


def softsign(x):
    x = _float(x)
    return divide(x, add(abs(x), 1.0))


def silu(x):
    x = _float(x)
    return multiply(x, sigmoid(x))


swish = silu


def hard_sigmoid(x):
    """clip(x / 6 + 1/2, 0, 1), in Keras's order of operations."""
    return minimum(maximum(add(divide(_float(x), 6.0), 0.5), 0.0), 1.0)


def mish(x):
    x = _float(x)
    return multiply(x, tanh(softplus(x)))


def erf(x):
    """keras.ops.erf: a core primitive (graph/primitives/elementwise.py), because exact gelu
    spends most of its time in it (decisions.md, "erf as a core primitive")."""
    return bind("erf", _float(x))


def gelu(x, approximate=True):
    """x * P(X <= x) for a standard normal X; approximate=True uses Keras's tanh form."""
    x = _float(x)
    if approximate:
        inner = multiply(add(x, multiply(multiply(multiply(x, x), x), 0.044715)),
                         _SQRT_2_OVER_PI)
        return multiply(multiply(x, 0.5), add(tanh(inner), 1.0))
    return multiply(multiply(x, 0.5), add(erf(multiply(x, 1.0 / math.sqrt(2.0))), 1.0))
