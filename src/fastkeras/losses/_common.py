"""Small pieces the loss families share: argument conversion, a select and a power written
with fastkeras.ops (no `where`/`power` primitive: both are arithmetic on finite values)."""

from __future__ import annotations

import math

from .. import ops
from ..ops.core import convert, dtype_of, promote
from .loss import squeeze_or_expand_to_same_rank


def as_pred_dtype(y_true, y_pred, same_rank=False):
    """(y_true cast to y_pred's float dtype, y_pred); Keras's same-rank rule when asked."""
    (y_pred,) = promote(convert(y_pred), float_only=True)
    y_true = convert(y_true, dtype_of(y_pred))
    if same_rank:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return y_true, y_pred


def check_axis(axis):
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type "
                         f"{type(axis)}")


def as_float(condition, like):
    """A boolean condition as 1.0 / 0.0 in `like`'s dtype."""
    return ops.cast(condition, dtype_of(like))


def select(condition, x1, x2):
    """x1 where `condition`, else x2: c * x1 + (1 - c) * x2. Both branches must be finite
    (a loss only selects between finite values), and the gradient goes to the chosen one."""
    c = as_float(condition, x1 if dtype_of(x1) else x2)
    return ops.add(ops.multiply(c, x1), ops.multiply(ops.subtract(1.0, c), x2))


def power(x, exponent):
    """x ** exponent for a Python number: repeated products for an integer exponent (exact,
    and a finite gradient at 0, as jnp.power), exp(exponent * log x) otherwise (x >= 0; the
    log's argument kept off 0 so that a 0 base has a 0 gradient, not NaN)."""
    exponent = float(exponent)
    if exponent.is_integer() and 0 <= exponent <= 8:
        n = int(exponent)
        if n == 0:
            return ops.add(ops.multiply(x, 0.0), 1.0)
        out = x
        for _ in range(n - 1):
            out = ops.multiply(out, x)
        return out
    tiny = math.ldexp(1.0, -100)  # 2**-100: representable in float32, its power ~0
    return ops.exp(ops.multiply(ops.log(ops.maximum(x, tiny)), exponent))
