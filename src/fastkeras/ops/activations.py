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


def _where_greater(x, threshold):
    """1.0 where x > threshold, else 0.0 (x's dtype): a mask to multiply by."""
    return bind("cast", bind("greater", x, threshold), dtype=x.dtype)


def celu(x, alpha=1.0):
    """max(x, 0) + min(alpha * (exp(x / alpha) - 1), 0); exp sees only min(x, 0)."""
    x = _float(x)
    neg = multiply(subtract(exp(divide(minimum(x, 0.0), alpha)), 1.0), alpha)
    return add(relu(x), neg)


def glu(x, axis=-1):
    """a * sigmoid(b), the two halves of `axis`."""
    x = _float(x)
    shape = x.shape
    axis = axis % len(shape)
    if shape[axis] % 2:
        raise ValueError(f"axis size must be divisible by 2. Received: x.shape={tuple(shape)} "
                         f"with axis={axis}")
    half = shape[axis] // 2
    a = bind("slice", x, axis=axis, start=0, stop=half)
    b = bind("slice", x, axis=axis, start=half, stop=2 * half)
    return multiply(a, sigmoid(b))


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _float(x)
    return multiply(x, _where_greater(abs(x), threshold))


def hard_silu(x):
    """x * hard_sigmoid(x) (x * relu6(x + 3) / 6)."""
    x = _float(x)
    return multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def hard_tanh(x):
    return minimum(maximum(_float(x), -1.0), 1.0)


def log_sigmoid(x):
    """-softplus(-x), never overflowing."""
    from .numpy import negative
    return negative(softplus(negative(_float(x))))


def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, 0 between."""
    x = _float(x)
    above = multiply(subtract(x, threshold), _where_greater(x, threshold))
    below = multiply(add(x, threshold), _where_greater(multiply(x, -1.0), threshold))
    return add(above, below)


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between."""
    x = _float(x)
    c = minimum(maximum(x, -1.0), 1.0)
    quad = multiply(multiply(add(c, 1.0), add(c, 1.0)), 0.25)
    return add(quad, relu(subtract(x, 1.0)))


def sparse_sigmoid(x):
    """clip((x + 1) / 2, 0, 1)."""
    return minimum(maximum(multiply(add(_float(x), 1.0), 0.5), 0.0), 1.0)


def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    from .numpy import sqrt
    x = _float(x)
    return multiply(add(x, sqrt(add(multiply(x, x), float(b)))), 0.5)


def tanh_shrink(x):
    x = _float(x)
    return subtract(x, tanh(x))


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    x = _float(x)
    keep = _where_greater(x, threshold)
    return add(multiply(x, keep), multiply(subtract(1.0, keep), float(default_value)))


def sparsemax(x, axis=-1):
    """max(x - tau, 0) with tau chosen so that the output sums to 1 along `axis` (the
    projection onto the simplex, Martins & Astudillo 2016). Without a sort: element i is in
    the support when 1 + c_i * x_i > s_i, where c_i counts and s_i sums the elements >= x_i
    (ties enter or leave together), so the (..., n, n) comparison costs n^2 per row: meant
    for class axes. Keras 3.15.1's threshold summed the cumulative sums (wrong whenever the
    support has more than one element); keras-team/keras PR 23469 fixed it to this."""
    from .numpy import cast, expand_dims, greater_equal, sum as reduce_sum, transpose
    x = _float(x)
    nd = len(x.shape)
    axis = axis % nd
    perm = tuple(i for i in range(nd) if i != axis) + (axis,)
    z = transpose(x, perm) if axis != nd - 1 else x  # (..., n), the axis last
    at_least = cast(greater_equal(expand_dims(z, -2), expand_dims(z, -1)), z.dtype)  # [i, j]: z_j >= z_i
    count = reduce_sum(at_least, axis=-1)  # (..., n): elements >= z_i
    total = reduce_sum(multiply(at_least, expand_dims(z, -2)), axis=-1)
    support = _where_greater(subtract(add(multiply(count, z), 1.0), total), 0.0)
    tau = divide(subtract(reduce_sum(multiply(support, z), axis=-1, keepdims=True), 1.0),
                 reduce_sum(support, axis=-1, keepdims=True))
    out = relu(subtract(z, tau))
    if axis == nd - 1:
        return out
    return transpose(out, tuple(perm.index(i) for i in range(nd)))

