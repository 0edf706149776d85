"""Reductions and running totals built from existing primitives (keras.ops numpy and math
names): prod, cumsum, cumprod, all, count_nonzero, argmin, ptp, average, logsumexp, norm.

Integer results (prod, cumsum, cumprod, ptp of ints) are computed in float64 and cast back:
exact while every value stays below 2**53 (Keras-JAX wraps int32 overflow; here an
overflowing result is undefined). Products and prefix scans combine neighbours pairwise (a
product tree, Hillis-Steele scans), so a float result can differ from NumPy's left-to-right
order by rounding, and every step is a plain multiply or add: zeros, negatives, inf and NaN
behave as in NumPy."""

from __future__ import annotations

import numpy as np

from ..graph import bind
from .core import convert, dtype_of, promote, shape_of, standardize_dtype, stop_gradient
from .numpy import (abs as _abs, add, cast, concatenate, divide, equal, exp, expand_dims, log,
                    max as _max, maximum, minimum, multiply, negative, not_equal, reshape,
                    sqrt, square, subtract, sum as _sum)
from .numpy import mean as _mean, min as _min

__all__ = ["all", "argmin", "average", "count_nonzero", "cumprod", "cumsum", "logsumexp",
           "norm", "prod", "ptp"]


# ---- helpers -------------------------------------------------------------------------------

def _axes(axis, ndim):
    """`axis` (None, an int or a sequence) as sorted non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in axis={axis}")
    return tuple(sorted(out))


def _drop_axes(x, axes, keepdims):
    """x with the reduced (now size-1) `axes` removed unless keepdims."""
    if keepdims:
        return x
    return reshape(x, tuple(d for i, d in enumerate(shape_of(x)) if i not in axes))


def _exact_dtype(x, dtype=None):
    """(x converted for exact arithmetic, the result dtype): `dtype` casts first (as jnp's
    `dtype=`); ints and bools compute in float64 and give int32 (int64 stays int64)."""
    x = convert(x)
    if dtype is not None:
        x = cast(x, standardize_dtype(dtype))
    out = dtype_of(x)
    if out == "bool":
        out = "int32"
    if out.startswith("float"):
        return x, out
    return cast(x, "float64"), out


def _cast_back(x, dtype):
    return x if dtype_of(x) == dtype else cast(x, dtype)


def _float(x):
    """x as a float tensor (ints and bools give float32, as Keras's float ops)."""
    (a,) = promote(x, float_only=True)
    return a


def _slice(x, axis, start, stop):
    return bind("slice", x, axis=axis, start=start, stop=stop)


def _filled(x, axis, size, value):
    """A constant of x's shape and dtype with `axis` of length `size`, all `value`."""
    shape = list(shape_of(x))
    shape[axis] = size
    return np.full(shape, value, dtype=dtype_of(x))


def _tree_reduce(x, axis, combine, identity):
    """combine-reduction along `axis` (kept, of size 1) as a balanced tree of neighbours:
    log2(n) steps, each one elementwise `combine` of the two halves."""
    n = shape_of(x)[axis]
    if n == 0:
        return _filled(x, axis, 1, identity)
    while n > 1:
        half = n // 2
        paired = combine(_slice(x, axis, 0, half), _slice(x, axis, half, 2 * half))
        x = concatenate([paired, _slice(x, axis, 2 * half, n)], axis) if n % 2 else paired
        n = half + n % 2
    return x


def _prefix_scan(x, axis, combine, identity):
    """Inclusive prefix `combine` along `axis` (Hillis-Steele): step s combines each element
    with the one 2**s before it (identity past the start); log2(n) elementwise steps."""
    n = shape_of(x)[axis]
    shift = 1
    while shift < n:
        earlier = concatenate([_filled(x, axis, shift, identity),
                               _slice(x, axis, 0, n - shift)], axis)
        x = combine(earlier, x)
        shift *= 2
    return x


def _as_mask(b, dtype):
    return cast(b, dtype)


def _clip_finite(x):
    """x with +-inf moved to the largest finite values (NaN stays NaN)."""
    big = float(np.finfo(dtype_of(x)).max)
    return minimum(maximum(x, -big), big)


# ---- reductions ----------------------------------------------------------------------------

def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over `axis` (keras.ops.prod): a tree of multiplies, so zeros and negative
    values are exact and the gradient of each factor is the product of the others."""
    x, out = _exact_dtype(x, dtype)
    axes = _axes(axis, len(shape_of(x)))
    for a in axes:
        x = _tree_reduce(x, a, multiply, 1)
    return _cast_back(_drop_axes(convert(x), axes, keepdims), out)


def _cumulative(x, axis, dtype, combine, identity):
    x, out = _exact_dtype(x, dtype)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = _axes(axis, len(shape_of(x)))[0]
    return _cast_back(convert(_prefix_scan(x, axis, combine, identity)), out)


def cumsum(x, axis=None, dtype=None):
    """Running sums along `axis` (the flattened tensor when None), keras.ops.cumsum."""
    return _cumulative(x, axis, dtype, add, 0)


def cumprod(x, axis=None, dtype=None):
    """Running products along `axis` (the flattened tensor when None), keras.ops.cumprod."""
    return _cumulative(x, axis, dtype, multiply, 1)


def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether every element along `axis` is non-zero (bool): no zero is counted. True over
    an empty axis, as NumPy."""
    x = convert(x)
    zeros = equal(x, False) if dtype_of(x) == "bool" else equal(x, 0)
    return equal(_sum(cast(zeros, "float32"), axis=axis, keepdims=keepdims), 0.0)


def count_nonzero(x, axis=None):
    """How many elements along `axis` are non-zero (NaN counts), int32. The count is summed
    in float64 so it is exact for any tensor that fits in memory."""
    x = convert(x)
    nonzero = not_equal(x, False) if dtype_of(x) == "bool" else not_equal(x, 0)
    return cast(_sum(cast(nonzero, "float64"), axis=axis), "int32")


def argmin(x, axis=None, keepdims=False):
    """The index of the first minimum along `axis` (the flattened tensor when None), int32:
    the first maximum of -x (ints negated in float64, exact). NaN counts as the minimum, as
    NumPy; 0.0 and -0.0 tie (Keras-JAX on CPU ranks -0.0 lower)."""
    x = convert(x)
    if dtype_of(x) not in ("float32", "float64"):
        x = cast(x, "float64")
    if axis is None:
        flat = reshape(x, (-1,))
        out = bind("argmax", negative(flat), axis=0)
        return reshape(out, (1,) * len(shape_of(x))) if keepdims else out
    out = bind("argmax", negative(x), axis=axis)
    return expand_dims(out, axis) if keepdims else out


def ptp(x, axis=None, keepdims=False):
    """max - min along `axis` (keras.ops.ptp); ints give ints. Bool is refused, as JAX."""
    x = convert(x)
    if dtype_of(x) == "bool":
        raise TypeError("ptp: bool tensors have no range; cast `x` to a number first")
    x, out = _exact_dtype(x)
    spread = subtract(_max(x, axis=axis, keepdims=keepdims), _min(x, axis=axis, keepdims=keepdims))
    return _cast_back(spread, out)


def average(x, axis=None, weights=None):
    """sum(x * weights) / sum(weights) along `axis` (the mean without weights); `weights` of
    x's shape, or 1-D along the one `axis`, as jnp.average. Ints give float32; weights
    summing to zero give inf or NaN, as JAX."""
    if weights is None:
        return _mean(_float(x), axis=axis)
    x, w = promote(x, weights, float_only=True)
    sx, sw = shape_of(x), shape_of(w)
    if sx == sw:
        return divide(_sum(multiply(x, w), axis=axis), _sum(w, axis=axis))
    if axis is None:
        raise ValueError("average: `axis` must be given when the shapes of `x` "
                         f"{sx} and `weights` {sw} differ")
    if len(sw) != 1:
        raise TypeError(f"average: 1-D `weights` expected when the shapes of `x` {sx} "
                        f"and `weights` {sw} differ")
    axes = _axes(axis, len(sx))
    if len(axes) != 1 or sx[axes[0]] != sw[0]:
        raise ValueError(f"average: the length of `weights` {sw[0]} does not match "
                         f"axis={axis} of `x` with shape {sx}")
    along = reshape(w, tuple(sw[0] if i == axes[0] else 1 for i in range(len(sx))))
    return divide(_sum(multiply(x, along), axis=axis), _sum(w))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along `axis`, shifted by the max for stability (keras.ops.logsumexp).
    The shift is the max clipped to the finite range, so rows of -inf give -inf, a +inf
    gives inf and NaN propagates, as JAX; it is a constant for the gradient (softmax)."""
    x = _float(x)
    top = _max(x, axis=axis, keepdims=True)
    shift = stop_gradient(_clip_finite(top))
    total = _sum(exp(subtract(x, shift)), axis=axis, keepdims=True)
    # The sum holds exp(0) = 1, so the result is >= max already; the maximum makes a +inf
    # row give inf even where a float32 exp kernel saturates below inf (the cpu backend's).
    out = maximum(add(log(total), shift), top)
    return _drop_axes(out, _axes(axis, len(shape_of(x))), keepdims)


def _vector_norm(x, ord, axes, keepdims):
    a = _abs(x)
    if ord is None or ord == 2:
        return sqrt(_sum(square(x), axis=axes, keepdims=keepdims))
    if ord == 1:
        return _sum(a, axis=axes, keepdims=keepdims)
    if ord == float("inf"):
        return _max(a, axis=axes, keepdims=keepdims)
    if ord == float("-inf"):
        return _min(a, axis=axes, keepdims=keepdims)
    if ord == 0:
        return _sum(cast(not_equal(x, 0), dtype_of(x)), axis=axes, keepdims=keepdims)
    # sum(|x|**p)**(1/p) as exps and logs: |x| = 0 gives log -inf, exactly 0 after exp;
    # the rounding grows with |p * log|x|| (use ord 1, 2 or inf where you can).
    p = float(ord)
    powered = _sum(exp(multiply(log(a), p)), axis=axes, keepdims=keepdims)
    return exp(divide(log(powered), p))


def _matrix_norm(x, ord, axes, keepdims):
    rows, cols = axes
    if ord in (None, "fro"):
        return sqrt(_sum(square(x), axis=axes, keepdims=keepdims))
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"norm(ord={ord!r}) of a matrix needs singular values, "
                                  "which fastkeras does not compute")
    # ord 1 / -1: extreme column sum (over rows); inf / -inf: extreme row sum (over columns).
    summed, extreme = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = _sum(_abs(x), axis=summed, keepdims=True)
    pick = _max if ord in (1, float("inf")) else _min
    return _drop_axes(pick(sums, axis=extreme, keepdims=True), axes, keepdims)


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norm (keras.ops.norm, keras.ops.linalg.norm). Vectors: ord None/2,
    1, inf, -inf, 0 and any other number p (through exp and log); matrices (a 2-tuple
    `axis`, or a 2-D tensor): None/'fro', 1, -1, inf, -inf; 'nuc' and +-2 need an SVD and
    raise NotImplementedError. Ints give float32."""
    x = _float(x)
    ndim = len(shape_of(x))
    if axis is None and ord is None:  # the 2-norm of all elements, whatever the rank
        return _vector_norm(x, None, tuple(range(ndim)), keepdims)
    axes = _axes(axis, ndim)
    if len(axes) == 1:
        if isinstance(ord, str):
            raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={ord}")
        return _vector_norm(x, ord, axes, keepdims)
    if len(axes) == 2:
        if ord not in (None, "fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2):
            raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={ord}")
        if axis is not None and not isinstance(axis, (int, np.integer)):
            axes = tuple(int(a) % ndim for a in axis)  # the caller's (rows, cols) order
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis} on a tensor "
                     f"of rank {ndim} (give one axis for vectors, two for matrices)")
