"""The scalar functions Keras's schedules use that fastkeras.ops has no primitive for (floor,
ceil, pow, cos, where), composed of primitives so that a schedule traces into the native
step and runs eagerly the same way. Inputs are float32 scalars; the transcendental parts run
in float64 and are rounded once to float32 (within one float32 ulp of Keras's results)."""

from __future__ import annotations

import math

from ... import ops


def floor(x):
    """floor(x) for a float scalar: the truncation, less one where it rounded up."""
    truncated = ops.cast(ops.cast(x, "int64"), str(getattr(x, "dtype", "float32")))
    return ops.subtract(truncated, ops.cast(ops.greater(truncated, x), truncated.dtype))


def ceil(x):
    return ops.negative(floor(ops.negative(x)))


def where(condition, if_true, if_false):
    """`if_true` where the boolean scalar holds, else `if_false` (both finite)."""
    flag = ops.cast(condition, "float32")
    return ops.add(ops.multiply(if_true, flag), ops.multiply(if_false, ops.subtract(1.0, flag)))


def power(base, exponent):
    """base ** exponent for base >= 0 as exp(exponent * log(base)) in float64, with
    0 ** 0 = 1 and 0 ** e = 0; a Python exponent of 1 is the base itself."""
    if isinstance(exponent, (int, float)) and exponent == 1:
        return base
    if isinstance(base, (int, float)):
        if base == 0:  # 0 ** 0 = 1, else 0 (log(0) * 0 would be NaN)
            return ops.cast(ops.equal(exponent, 0.0), "float32")
        log_base = math.log(base)
        return ops.cast(ops.exp(ops.multiply(ops.cast(exponent, "float64"), log_base)),
                        "float32")
    base64, exponent64 = ops.cast(base, "float64"), ops.cast(exponent, "float64")
    positive = ops.cast(ops.greater(base64, 0.0), "float64")
    # log of 1 where base <= 0, so no -inf (or NaN) enters; that case is 0 ** exponent.
    safe = ops.add(base64, ops.subtract(1.0, positive))
    value = ops.multiply(ops.exp(ops.multiply(exponent64, ops.log(safe))), positive)
    at_zero = ops.cast(ops.equal(exponent64, 0.0), "float64")
    return ops.cast(ops.add(value, ops.multiply(at_zero, ops.subtract(1.0, positive))),
                    "float32")


# Taylor coefficients of cos around 0: (-1)^k / (2k)!, k = 0..15 (the remainder on
# [-pi, pi] is below pi^32/32!, about 3e-20).
_COS_TERMS = [(-1) ** k / math.factorial(2 * k) for k in range(16)]


def cos(x):
    """cos of a float scalar: reduced to [-pi, pi] by a whole number of turns, then the
    Taylor polynomial by Horner's rule in float64."""
    x64 = ops.cast(x, "float64")
    turns = floor(ops.add(ops.divide(x64, 2 * math.pi), 0.5))
    r = ops.subtract(x64, ops.multiply(turns, 2 * math.pi))
    r2 = ops.square(r)
    acc = ops.add(ops.multiply(r2, _COS_TERMS[-1]), _COS_TERMS[-2])
    for c in reversed(_COS_TERMS[:-2]):
        acc = ops.add(ops.multiply(acc, r2), c)
    return ops.cast(acc, "float32")
