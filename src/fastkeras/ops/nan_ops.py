"""NaN-aware reductions and NaN handling (keras.ops nan_to_num, nansum, nanmean, ... and divide_no_nan).

Each NaN-aware op is its plain op on x with the NaNs replaced (by `where`, exact) by the
reduction's identity: 0 for sums, 1 for products, -inf / +inf for max / min. Results follow
Keras-JAX: an all-NaN slice gives NaN for nanmax, nanmin, nanmean, nanvar and nanstd, 0 for
nansum, 1 for nanprod and -1 for nanargmax / nanargmin (no warning either way). Integer and
bool tensors hold no NaN: the plain op runs (ints keep their dtype where JAX keeps it)."""

from __future__ import annotations

import numpy as np

from .core import convert, dtype_of, promote, shape_of
from .elementwise_math import where
from .logic import isnan, isneginf, isposinf, logical_not
from .numpy import (argmax as _argmax, cast, divide, equal, max as _max, min as _min, reshape,
                    sqrt, square, subtract, sum as _sum)
from .reductions import (_axes, _cast_back, _drop_axes, _exact_dtype, _float, argmin as _argmin,
                         cumprod, cumsum, prod)

__all__ = ["nan_to_num", "divide_no_nan", "nansum", "nanmean", "nanmax", "nanmin", "nanprod",
           "nanstd", "nanvar", "nanargmax", "nanargmin", "nancumsum", "nancumprod"]


def _is_float(x):
    return dtype_of(x).startswith("float")


def _without_nan(x, fill):
    """x with every NaN replaced by `fill` (x itself for ints and bools)."""
    return where(isnan(x), fill, x) if _is_float(x) else x


def _count(x, axis, keepdims):
    """How many non-NaN elements each reduction sees (x's float dtype)."""
    return _sum(cast(logical_not(isnan(x)), dtype_of(x)), axis=axis, keepdims=keepdims)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN, +inf and -inf replaced (by default with 0 and the dtype's largest and
    lowest finite values), keras.ops.nan_to_num. Ints and bools pass through."""
    x = convert(x)
    if not _is_float(x):
        return x
    big = float(np.finfo(dtype_of(x)).max)
    x = where(isposinf(x), big if posinf is None else float(posinf), x)
    x = where(isneginf(x), -big if neginf is None else float(neginf), x)
    return where(isnan(x), float(nan), x)


def divide_no_nan(x1, x2):
    """x1 / x2, and 0 wherever x2 == 0 (whatever x1 is, NaN and inf included), as Keras-JAX:
    the division sees 1 there, so neither its value nor its gradient leaks."""
    a, b = promote(x1, x2, float_only=True)
    zero = equal(b, 0.0)
    return where(zero, 0.0, divide(a, where(zero, 1.0, b)))


def nansum(x, axis=None, keepdims=False):
    """The sum ignoring NaNs (0 for an all-NaN slice); ints sum exactly and stay int."""
    x, out = _exact_dtype(x)
    return _cast_back(_sum(_without_nan(x, 0.0), axis=axis, keepdims=keepdims), out)


def nanprod(x, axis=None, keepdims=False):
    """The product ignoring NaNs (1 for an all-NaN slice)."""
    x = convert(x)
    return prod(_without_nan(x, 1.0), axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    """The mean of the non-NaN elements (NaN for an all-NaN slice: 0 / 0); ints give float32."""
    x = _float(x)
    return divide(nansum(x, axis=axis, keepdims=keepdims), _count(x, axis, keepdims))


def nanvar(x, axis=None, keepdims=False):
    """The biased variance of the non-NaN elements (NaN for an all-NaN slice)."""
    x = _float(x)
    # NaNs become 0 before the arithmetic too, so no NaN reaches the gradient either
    centred = subtract(_without_nan(x, 0.0), nanmean(x, axis=axis, keepdims=True))
    squares = where(isnan(x), 0.0, square(centred))
    return divide(_sum(squares, axis=axis, keepdims=keepdims), _count(x, axis, keepdims))


def nanstd(x, axis=None, keepdims=False):
    """sqrt(nanvar(x))."""
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, largest):
    x = convert(x)
    if not _is_float(x):  # ints and bools keep their dtype (exact in float64)
        pick = _max if largest else _min
        return cast(pick(cast(x, "float64"), axis=axis, keepdims=keepdims), dtype_of(x))
    filled = _without_nan(x, float("-inf") if largest else float("inf"))
    best = (_max if largest else _min)(filled, axis=axis, keepdims=keepdims)
    return where(equal(_count(x, axis, keepdims), 0.0), float("nan"), best)


def nanmax(x, axis=None, keepdims=False):
    """The max ignoring NaNs (NaN for an all-NaN slice); ints and bools keep their dtype."""
    return _nan_extreme(x, axis, keepdims, largest=True)


def nanmin(x, axis=None, keepdims=False):
    """The min ignoring NaNs (NaN for an all-NaN slice); ints and bools keep their dtype."""
    return _nan_extreme(x, axis, keepdims, largest=False)


def _nan_arg(x, axis, keepdims, largest):
    x = convert(x)
    ndim = len(shape_of(x))
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    filled = _without_nan(x, float("-inf") if largest else float("inf"))
    index = (_argmax if largest else _argmin)(filled, axis=axis, keepdims=True)
    if _is_float(x):  # -1 where every element is NaN, as jnp.nanargmax
        index = cast(where(equal(_count(x, axis, True), 0.0), -1.0, index), "int32")
    if keepdims:
        return reshape(index, (1,) * ndim) if len(shape_of(index)) != ndim else index
    return _drop_axes(index, _axes(axis, len(shape_of(x))), False)


def nanargmax(x, axis=None, keepdims=False):
    """The index of the first max ignoring NaNs (the flattened tensor when `axis` is None),
    int32; -1 for an all-NaN slice."""
    return _nan_arg(x, axis, keepdims, largest=True)


def nanargmin(x, axis=None, keepdims=False):
    """The index of the first min ignoring NaNs, int32; -1 for an all-NaN slice."""
    return _nan_arg(x, axis, keepdims, largest=False)


def nancumsum(x, axis=None, dtype=None):
    """Running sums with NaNs counted as 0 (the flattened tensor when `axis` is None)."""
    return cumsum(_without_nan(convert(x), 0.0), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    """Running products with NaNs counted as 1."""
    return cumprod(_without_nan(convert(x), 1.0), axis=axis, dtype=dtype)

