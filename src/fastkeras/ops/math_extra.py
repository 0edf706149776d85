"""Elementwise math, segment reductions and in_top_k built from existing primitives
(keras.ops numpy and math names). Integer segment reductions run in float64 and are cast back
(exact below 2**53); infinities are clipped to the finite range where a formula would
otherwise subtract them (logaddexp, hypot)."""

from __future__ import annotations

import math

import numpy as np

from ..graph import bind
from .core import convert, dtype_of, promote, shape_of
from .logic import isfinite, isnan, logical_and, logical_not, logical_or
from .numpy import (abs as _abs, add, cast, concatenate, divide, equal, exp, expand_dims,
                    greater, greater_equal, log, max as _max, maximum, minimum, multiply,
                    negative, reshape, sign, sqrt, square, subtract)
from .reductions import (_as_mask, _cast_back, _clip_finite, _exact_dtype, _filled, _float,
                         _slice, all)

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

__all__ = ["allclose", "cbrt", "deg2rad", "exp2", "fabs", "hypot", "in_top_k", "isclose",
           "log10", "log2", "logaddexp", "logaddexp2", "rad2deg", "reciprocal", "segment_max",
           "segment_sum"]

# ---- elementwise ---------------------------------------------------------------------------

def reciprocal(x):
    """1 / x (ints give float32)."""
    x = _float(x)
    return divide(np.asarray(1, dtype_of(x)), x)


def fabs(x):
    """|x| as a float (ints give float32), keras.ops.fabs."""
    return _abs(_float(x))


def deg2rad(x):
    """x * (pi / 180): one rounded multiply, as jnp.deg2rad."""
    return multiply(_float(x), math.pi / 180.0)


def rad2deg(x):
    """x * (180 / pi): one rounded multiply, as jnp.rad2deg."""
    return multiply(_float(x), 180.0 / math.pi)


def exp2(x):
    """2**x as exp(x * ln 2): the product's rounding adds about |x| ulp-fractions, so it is
    within a few ulp for moderate x and not exact at integers as jnp.exp2 is."""
    return exp(multiply(_float(x), _LN2))


def log2(x):
    """log(x) / ln 2: within an ulp or two of jnp.log2 (log2 of a power of two may be off by
    one ulp). Ints give float32."""
    return divide(log(_float(x)), _LN2)


def log10(x):
    """log(x) / ln 10: within an ulp or two of jnp.log10 (exact powers of ten may be off by
    one ulp). Ints give float32."""
    return divide(log(_float(x)), _LN10)


def cbrt(x):
    """The real cube root: sign(x) * exp(log|x| / 3), float32 computed in float64 (the
    exp/log error grows with |log|x||: float64 keeps it under float32's rounding; float64
    inputs are within a few ulp). 0 gives 0, +-inf gives +-inf, NaN propagates. The gradient
    at 0 is NaN (JAX's is inf)."""
    x = _float(x)
    wide = cast(x, "float64")
    root = multiply(sign(wide), exp(divide(log(_abs(wide)), 3.0)))
    return _cast_back(root, dtype_of(x))


def hypot(x1, x2):
    """sqrt(x1**2 + x2**2) without overflow: big * sqrt(1 + (small / big)**2), the ratio of
    clipped magnitudes (so inf with inf gives inf, and 0 with 0 gives 0). inf with NaN gives
    NaN (JAX: inf)."""
    a, b = promote(x1, x2, float_only=True)
    a, b = _abs(a), _abs(b)
    big, small = maximum(a, b), minimum(a, b)
    tiny = float(np.finfo(dtype_of(big)).tiny)
    ratio = divide(_clip_finite(small), maximum(_clip_finite(big), tiny))
    return multiply(big, sqrt(add(square(ratio), 1.0)))


def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) as max + log(1 + exp(-|x1 - x2|)), the difference taken
    between finite-clipped values so equal infinities give that infinity, as JAX. Without
    log1p the correction rounds to 0 once exp(-|x1 - x2|) is below half an ulp of 1: the
    absolute error stays under ~1e-7 (float32)."""
    a, b = promote(x1, x2, float_only=True)
    gap = _abs(subtract(_clip_finite(a), _clip_finite(b)))
    return add(maximum(a, b), log(add(exp(negative(gap)), 1.0)))


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2): logaddexp of x * ln 2, divided back (two more roundings)."""
    a, b = promote(x1, x2, float_only=True)
    return divide(logaddexp(multiply(a, _LN2), multiply(b, _LN2)), _LN2)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol * |x2| elementwise (bool), as NumPy: infinities are close
    only to themselves; NaNs only to NaNs when `equal_nan`."""
    a, b = promote(x1, x2, float_only=True)
    within = logical_not(greater(_abs(subtract(a, b)), add(multiply(_abs(b), float(rtol)),
                                                            float(atol))))
    finite = logical_and(within, logical_and(isfinite(a), isfinite(b)))
    close = logical_or(finite, equal(a, b))
    return logical_or(close, logical_and(isnan(a), isnan(b))) if equal_nan else close


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every element pair is close (a bool scalar), keras.ops.allclose."""
    return all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


# ---- keras.ops.math: segments and top-k ----------------------------------------------------

def _segment_args(data, segment_ids, num_segments):
    data = convert(data)
    ids = convert(segment_ids)
    sd, si = shape_of(data), shape_of(ids)
    if len(si) != 1:
        raise ValueError(f"Argument `segment_ids` should be an 1-D vector, got shape: {si}")
    if not sd or sd[0] != si[0]:
        raise ValueError("Argument `segment_ids` and `data` should have same leading "
                         f"dimension. Got {si} v.s. {sd}.")
    if num_segments is None:
        if not isinstance(ids, np.ndarray):
            raise ValueError("Argument `num_segments` must be set when `segment_ids` is "
                             "symbolic. Received: num_segments=None")
        num_segments = int(ids.max()) + 1 if ids.size else 0
    return data, cast(ids, "float64"), int(num_segments)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sums of the rows of `data` per id (keras.ops.segment_sum): one scatter_add. Ids outside
    [0, num_segments) are dropped, as JAX (they go to one extra row, cut off after).
    `num_segments` defaults to max(id) + 1 on concrete ids; `sorted` is only a hint."""
    data, ids, n = _segment_args(data, segment_ids, num_segments)
    x, out = _exact_dtype(data)
    inside = _as_mask(logical_and(greater_equal(ids, 0.0), greater(n, ids)), "float64")
    # id where inside, n (the spill row) elsewhere: ids * inside + n * (1 - inside)
    rows = cast(add(multiply(ids, inside), multiply(subtract(1.0, inside), float(n))), "int32")
    summed = bind("scatter_add", x, rows, rows=n + 1)
    return _cast_back(_slice(summed, 0, 0, n), out)


def segment_reduce(data, segment_ids, num_segments, reduce, empty):
    """reduce(rows of `data` per id, axis=1), `empty` (a float, or a function of the result
    dtype) for empty segments; ids outside [0, num_segments) are dropped, as JAX. Row r of
    segment s is gathered when ids[r] == s, a filler row of `empty` otherwise (a gather
    selects exactly: NaN stays in its segment), then reduced: memory and work grow with
    num_segments * rows, meant for modest segment counts. Shared by segment_max and
    ops/updates.py's segment_min and segment_prod."""
    data, ids, n = _segment_args(data, segment_ids, num_segments)
    x, out = _exact_dtype(data)
    rows = shape_of(x)[0]
    empty = empty(out) if callable(empty) else empty
    padded = concatenate([x, _filled(x, 0, 1, empty)], 0)  # row `rows` is the filler
    member = _as_mask(equal(expand_dims(ids, 0), np.arange(n, dtype="float64")[:, None]),
                      "float64")  # (n, rows)
    position = np.arange(rows, dtype="float64")[None, :]
    # r where row r is in segment s, `rows` (the filler) elsewhere
    pick = cast(add(position, multiply(subtract(1.0, member), rows - position)), "int32")
    gathered = bind("take", padded, pick)  # (n, rows, ...)
    if rows == 0:
        return _cast_back(reshape(_filled(x, 0, n, empty), (n,) + tuple(shape_of(x)[1:])), out)
    return _cast_back(reduce(gathered, axis=1), out)


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The max of the rows of `data` per id (keras.ops.segment_max); empty segments give
    -inf (the dtype's minimum for ints), ids outside [0, num_segments) are dropped, as JAX
    (segment_reduce)."""
    return segment_reduce(data, segment_ids, num_segments, _max, _lowest)


def _lowest(dtype):
    return -np.inf if dtype.startswith("float") else float(np.iinfo(dtype).min)


def in_top_k(targets, predictions, k):
    """Whether each target's score is among the k largest of its row (bool, targets' shape),
    keras.ops.in_top_k with JAX's rule: rank = 1 + how many scores are strictly greater (ties
    count in the target's favour); a NaN target score counts as -inf, other NaNs never
    outrank it. predictions (..., classes), targets (...) integer class ids (the
    in_top_k primitive, graph/primitives/sorting.py)."""
    return bind("in_top_k", convert(targets, "int32"), _float(predictions), k=int(k))
