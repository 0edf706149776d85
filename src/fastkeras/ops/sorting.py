"""Sorting along an axis (keras.ops sort, argsort, top_k, take_along_axis and the order statistics built on them).

All go through the `sort` primitive (graph/primitives/sorting.py), which orders the last
axis: the ops move their axis last and back. Values and dtypes as Keras on JAX: stable
sorts with NaN last (top_k: NaN first, as lax.top_k), int32 positions, order statistics of
integers in float32."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..graph import Tensor, Variable, bind
from ..graph.primitives.sorting import SORT_DTYPES, flat_positions
from .arrays import moveaxis
from .core import convert, dtype_of, shape_of
from .elementwise_math import ceil, floor, where
from .reductions import cumsum
from .logic import isnan, logical_and, logical_not, logical_or
from .numpy import any as any_, add, broadcast_to, cast, concatenate, equal, expand_dims, less, maximum, \
    minimum, multiply, reshape, subtract, sum as sum_, take

__all__ = ["sort", "argsort", "top_k", "take_along_axis", "argpartition", "median", "quantile",
           "percentile", "nanmedian", "nanquantile", "nanpercentile", "searchsorted", "unique"]

_QUANTILE_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _sortable(x):
    """x as a dtype the primitive orders (bools as int32), and its own dtype to return."""
    x = convert(x)
    dtype = dtype_of(x)
    return (cast(x, "int32") if dtype not in SORT_DTYPES else x), dtype


def _last(x, axis):
    """x with `axis` (None: x flattened) moved last, and the axis to move it back to."""
    if axis is None:
        return reshape(x, (-1,)), -1
    ndim = len(shape_of(x))
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"axis={axis} is out of range for a tensor of rank {ndim}")
    axis = int(axis) % max(ndim, 1)
    return (moveaxis(x, axis, -1) if ndim else reshape(x, (1,))), axis


def _sorted(x, axis, descending=False, k=None):
    """(values, positions) of x sorted along `axis`, both laid out as x (the axis back)."""
    x, dtype = _sortable(x)
    ndim = len(shape_of(x))
    moved, axis = _last(x, axis)
    values, positions = bind("sort", moved, descending=descending, k=k)
    if dtype != dtype_of(values):
        values = cast(values, dtype)
    if axis != -1 and ndim:
        values, positions = moveaxis(values, -1, axis), moveaxis(positions, -1, axis)
    return values, positions


def sort(x, axis=-1):
    """x sorted ascending along `axis` (None: flattened); stable, NaN last."""
    return _sorted(x, axis)[0]


def argsort(x, axis=-1):
    """int32 positions that sort x along `axis` (None: flattened); equal values keep their
    order."""
    return _sorted(x, axis)[1]


def argpartition(x, kth, axis=-1):
    """int32 positions placing x's kth smallest at kth, smaller ones before it and larger
    after it along `axis` (None: flattened). A full stable argsort: one valid partition
    (Keras guarantees only the partition property). kth may be a sequence."""
    x = convert(x)
    n = shape_of(x)[axis] if axis is not None else math.prod(shape_of(x))
    for k in np.atleast_1d(np.asarray(kth)).reshape(-1):
        if not np.issubdtype(np.asarray(k).dtype, np.integer):
            raise TypeError(f"argpartition: kth must be an integer, got {k!r}")
        if not -n <= int(k) < n:
            raise ValueError(f"argpartition: kth={int(k)} is out of bounds for an axis of "
                             f"size {n}")
    return argsort(x, axis)


def top_k(x, k, sorted=True, is_stable=True):  # noqa: A002 - Keras's argument name
    """The k largest values along the last axis and their int32 positions, largest first
    (lax.top_k's order: NaN largest, +0.0 before -0.0, equal values by lower position).
    The output is always sorted and stable, which `sorted=False` / `is_stable=False` allow."""
    try:
        k = operator.index(k)
    except TypeError:
        raise TypeError(f"top_k: k must be an integer, got {k!r}") from None
    shape = shape_of(x)
    if not shape:
        raise ValueError("top_k: the input needs at least one axis")
    if k < 0:
        raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
    if k > shape[-1]:
        raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                         f"k={k} with shape={list(shape)}")
    return _sorted(x, -1, descending=True, k=k)


def take_along_axis(x, indices, axis=None):
    """x's elements at `indices` along `axis` (None: both flattened); the other axes
    broadcast as NumPy; negative indices count from the end. A gather from x's flat view,
    so its gradient scatters back. An index outside [-n, n) raises IndexError eagerly; traced
    it is clipped into its row (never read from another one)."""
    x = convert(x)
    idx = convert(indices)
    if dtype_of(idx) not in ("int32", "int64"):
        raise TypeError(f"take_along_axis: indices must be integers, got {dtype_of(idx)}")
    if axis is None:
        x, idx, axis = reshape(x, (-1,)), reshape(idx, (-1,)), 0
    xs, js = shape_of(x), shape_of(idx)
    if len(xs) != len(js):
        raise ValueError(f"take_along_axis: indices of rank {len(js)} for x of rank {len(xs)}: "
                         f"they need the same rank")
    x, axis = _last(x, axis)
    idx = moveaxis(idx, axis, -1)
    n = shape_of(x)[-1]
    lead = tuple(np.broadcast_shapes(shape_of(x)[:-1], shape_of(idx)[:-1]))
    if isinstance(idx, np.ndarray) and ((idx < -n) | (idx >= n)).any():
        raise IndexError(f"take_along_axis: an index is out of range [{-n}, {n}) of axis "
                         f"{axis}")
    x = broadcast_to(x, lead + (n,))
    idx = broadcast_to(cast(idx, "int32"), lead + (shape_of(idx)[-1],))
    if not isinstance(idx, np.ndarray):
        idx = cast(minimum(maximum(idx, -n), n - 1), "int32")
    flat = flat_positions(idx, n, wrap_negative=True)
    out = take(reshape(x, (-1,)), flat)
    return moveaxis(out, -1, axis) if len(lead) else out


def _reduced_last(x, axis):
    """x with the `axis` (None: all; int or tuple) axes flattened into one last axis, and
    the shape keepdims gives the result."""
    shape = shape_of(x)
    ndim = len(shape)
    axes = tuple(range(ndim)) if axis is None else \
        tuple(sorted({int(a) % max(ndim, 1) for a in ((axis,) if np.ndim(axis) == 0 else axis)}))
    kept = [a for a in range(ndim) if a not in axes]
    moved = moveaxis(x, axes, tuple(range(ndim - len(axes), ndim))) if ndim else x
    flat = reshape(moved, tuple(shape[a] for a in kept) + (-1,))
    keep_shape = tuple(1 if a in axes else shape[a] for a in range(ndim))
    return flat, keep_shape


def _order_statistic(x, q, axis, method, keepdims, ignore_nan):
    """The quantiles q (concrete) of x over `axis`, as jnp.quantile / jnp.nanquantile: the
    rows sorted (NaN last), the position q * (count - 1) in each (count: its non-NaN values
    when ignoring NaN, else all of them, and a row holding NaN gives NaN), clipped into the
    row, then `method` between the values at its floor and ceiling."""
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"method must be one of {_QUANTILE_METHODS}, got {method!r}")
    if isinstance(q, (Tensor, Variable)):
        raise NotImplementedError("quantile: q must be a concrete value (a number or array)")
    q = np.asarray(q, dtype=np.float64)
    x = convert(x)
    if dtype_of(x) not in ("float32", "float64"):
        x = cast(x, "float32")
    dtype = dtype_of(x)
    rows, keep_shape = _reduced_last(x, axis)
    s = sort(rows, axis=-1)  # (..., n)
    n = shape_of(s)[-1]
    nan = isnan(s)
    count = subtract(float(n), sum_(cast(nan, dtype), axis=-1, keepdims=True)) if ignore_nan \
        else np.full(tuple(shape_of(s)[:-1]) + (1,), n, dtype)
    qs = q.reshape(-1).astype(dtype)
    pos = maximum(minimum(multiply(subtract(count, 1.0), qs), float(n - 1)), 0.0)  # (..., nq)
    low_pos = floor(pos)
    high_pos = ceil(pos)
    frac = subtract(pos, low_pos)
    low = take_along_axis(s, cast(low_pos, "int32"), axis=-1)
    high = take_along_axis(s, cast(high_pos, "int32"), axis=-1)
    if method == "linear":
        out = add(multiply(low, subtract(1.0, frac)), multiply(high, frac))
    elif method == "lower":
        out = low
    elif method == "higher":
        out = high
    elif method == "midpoint":
        out = multiply(add(low, high), 0.5)
    else:  # nearest: JAX takes the lower one at exactly half way
        out = where(less(0.5, frac), high, low)
    if not ignore_nan:
        out = where(any_(nan, axis=-1, keepdims=True), np.asarray(np.nan, dtype), out)
    out = moveaxis(out, -1, 0)  # (nq, ...)
    if keepdims:
        out = reshape(out, (qs.size,) + keep_shape)
    return reshape(out, q.shape + tuple(shape_of(out)[1:]))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1], a number or array: its axes come first) of x over
    `axis`; method linear, lower, higher, midpoint or nearest (as JAX: q outside [0, 1] is
    clipped to the ends, a NaN in the data gives NaN)."""
    return _order_statistic(x, q, axis, method, keepdims, ignore_nan=False)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """quantile at q / 100."""
    return quantile(x, np.asarray(q, np.float64) / 100.0, axis, method, keepdims)


def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """quantile of the non-NaN values (NaN where a reduced row has none)."""
    return _order_statistic(x, q, axis, method, keepdims, ignore_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return nanquantile(x, np.asarray(q, np.float64) / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return nanquantile(x, 0.5, axis=axis, keepdims=keepdims)


def _before(a, b):
    """a < b in the sort order (NaN after every number)."""
    return logical_or(less(a, b), logical_and(isnan(b), logical_not(isnan(a))))


def searchsorted(sorted_sequence, values, side="left"):
    """int32 insertion points of `values` into the 1-D ascending `sorted_sequence` (NaN
    last): how many of its elements sort before each value (side="left") or not after it
    ("right"). One comparison per (value, element) pair rather than a binary search."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    seq, vals = convert(sorted_sequence), convert(values)
    if len(shape_of(seq)) != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences. You can use "
                         "`keras.ops.vectorized_map` to extend it to N-D sequences. Received: "
                         f"sorted_sequence.shape={shape_of(seq)}")
    v = expand_dims(vals, -1)
    hit = _before(seq, v) if side == "left" else logical_not(_before(v, seq))
    return cast(sum_(cast(hit, "float32"), axis=-1), "int32")


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The unique elements of x (jnp.unique's results, int32 indices and counts). Eager only:
    the output size depends on the data, which a traced step cannot hold."""
    if isinstance(x, Tensor):
        if size is None or axis is not None or not sorted or \
                return_index or return_inverse or return_counts:
            raise NotImplementedError("unique has a data-dependent output size: traced, only "
                                      "the sorted values of the flattened tensor with a fixed "
                                      "`size` are supported; call it eagerly otherwise")
        return _unique_values_sized(x, size, fill_value)
    if isinstance(x, Variable):
        x = x.numpy()
    a = np.asarray(convert(x))
    values, index, inverse, counts = np.unique(a, return_index=True, return_inverse=True,
                                               return_counts=True, axis=axis)
    if not sorted:  # first-occurrence order
        order = np.argsort(index, kind="stable")
        values, counts, index = np.take(values, order, axis=0 if axis is not None else None), \
            counts[order], index[order]
        inverse = np.argsort(order)[inverse]
    if size is not None:
        values, index, counts = _fixed_size(values, index, counts, size, fill_value, axis)
    inverse = inverse.reshape(a.shape if axis is None else -1)
    out = [values]
    out += [index.astype(np.int32)] if return_index else []
    out += [inverse.astype(np.int32)] if return_inverse else []
    out += [counts.astype(np.int32)] if return_counts else []
    return out[0] if len(out) == 1 else tuple(out)


def _unique_values_sized(x, size, fill_value):
    """jnp.unique(x, size=size) traced: the flattened x sorted, each first occurrence (NaN
    never equal, as equal_nan=False) summed into its rank among the firsts, the slots past
    the count of unique values filled."""
    s = sort(reshape(x, (-1,)))
    n = shape_of(s)[0]
    dtype = dtype_of(s)
    differs = cast(logical_not(equal(s[1:], s[:-1])), "float32")
    first = concatenate([np.ones(1, "float32"), differs]) if n else differs
    rank = cast(subtract(cumsum(first), 1.0), "int32")
    zero = np.asarray(-0.0 if dtype.startswith("float") else 0, dtype)  # x + -0.0 == x
    values = bind("scatter_add", where(first, s, zero), rank, rows=max(n, size))
    values = values[:size]
    fill = s[0] if fill_value is None and n else np.asarray(fill_value or 0, dtype)
    return where(less(np.arange(size, dtype="float32"), sum_(first)), values, fill)


def _fixed_size(values, index, counts, size, fill_value, axis):
    """jnp.unique's `size`: truncated, or padded with fill_value (default: the smallest
    unique value), index 0 and count 0."""
    ax = 0 if axis is None else axis
    have = values.shape[ax]
    if have >= size:
        return np.take(values, np.arange(size), axis=ax), index[:size], counts[:size]
    pad = [(0, 0)] * values.ndim
    pad[ax] = (0, size - have)
    fill = np.take(values, 0, axis=ax) if fill_value is None and have else (fill_value or 0)
    padded = np.pad(values, pad)
    sl = [slice(None)] * values.ndim
    sl[ax] = slice(have, size)
    padded[tuple(sl)] = fill
    return padded, np.pad(index, (0, size - have)), np.pad(counts, (0, size - have))

