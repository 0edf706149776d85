"""Writing into tensors (keras.ops select, slice_update, scatter, scatter_update, segment_min,
segment_prod).

Every write is a choice between the old value and a gathered new one (`where`, exact: -0.0,
NaN and inf are kept bit for bit, and the gradient goes to whichever value is chosen).
Integer and bool tensors choose in float64 and are cast back (exact below 2**53), so they
keep their dtype as in Keras-JAX. Indices may be constants or traced int tensors: an index is
turned into a row number of the flattened leading axes (out-of-range rows are dropped, as
JAX's scatters drop them; negative indices count from the end, as NumPy)."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor, Variable, bind
from .core import convert, dtype_of, result_dtype, shape_of
from .elementwise_math import where
from .logic import logical_and
from .math_extra import _lowest, segment_reduce, segment_sum
from .numpy import (add, any as _any, cast, concatenate, equal, expand_dims, greater, less,
                    max as _max, maximum, min as _min, minimum, multiply, reshape, sum as _sum)
from .reductions import prod
from .special import largest_float64_int

__all__ = ["select", "slice_update", "scatter", "scatter_update", "segment_min",
           "segment_prod"]

_REDUCTIONS = ("add", "max", "min", "mul")


def _choose(condition, new, old, dtype):
    """where(condition, new, old) in `dtype`; ints and bools choose in float64."""
    if dtype.startswith("float"):
        out = where(condition, new, old)
        return out if dtype_of(out) == dtype else cast(out, dtype)
    wide = [v if isinstance(v, (int, float)) else cast(v, "float64") for v in (new, old)]
    return cast(where(condition, *wide), dtype)


def _in_float64(fn, dtype, *xs):
    """fn(*xs) computed in float64 for int and bool `dtype` (cast back), directly for floats."""
    if dtype.startswith("float"):
        return fn(*xs)
    return cast(fn(*[cast(x, "float64") for x in xs]), dtype)


# ---- select ---------------------------------------------------------------------------------

def select(condlist, choicelist, default=0):
    """The choice of the first true condition, `default` where none holds
    (keras.ops.select); conditions, choices and the default broadcast together."""
    if len(condlist) != len(choicelist):
        raise ValueError("condlist must have length equal to choicelist "
                         f"({len(condlist)} vs {len(choicelist)})")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    choices = [convert(c) for c in choicelist]
    dtype = result_dtype(*choices, default)
    out = default
    for condition, choice in reversed(list(zip(condlist, choices))):
        out = _choose(condition, choice, out, dtype)
    return out


# ---- slices -----------------------------------------------------------------------------------

def slice_update(inputs, start_indices, updates):
    """inputs with the block at `start_indices` replaced by `updates` (keras.ops.slice_update):
    updates are padded to inputs' shape and chosen where the block is. As
    lax.dynamic_update_slice, a start that would run past the end is moved back so the block
    fits. `start_indices` are constants here; updates take inputs' dtype."""
    x = convert(inputs)
    dims = shape_of(x)
    if isinstance(start_indices, (Tensor, Variable)):
        raise NotImplementedError("ops.slice_update: fastkeras needs constant `start_indices` "
                                  "(ints); got a tensor")
    starts = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    u = convert(updates, dtype_of(x))
    sizes = shape_of(u)
    if len(sizes) != len(dims) or len(starts) != len(dims):
        raise ValueError("slice_update: `updates` and `start_indices` must match the rank of "
                         f"`inputs`. Received inputs.shape={dims}, updates.shape={sizes}, "
                         f"start_indices={starts}")
    block = np.zeros(dims, bool)
    where_block = []
    for axis, (start, size, dim) in enumerate(zip(starts, sizes, dims)):
        if size > dim:
            raise ValueError(f"slice_update: updates of size {size} on axis {axis} do not fit "
                             f"the {dim} elements of `inputs`")
        start = min(max(start, 0), dim - size)
        where_block.append(np.s_[start:start + size])
        if size != dim:
            u = bind("pad", u, axis=axis, before=start, after=dim - start - size)
    block[tuple(where_block)] = True
    return _choose(block, u, x, dtype_of(x))


# ---- scatters -------------------------------------------------------------------------------

def _rows_of(indices, dims):
    """(the row of each index in the flattened `dims` as float64, -1 where it is outside;
    its leading shape). `indices` (..., len(dims)) ints; negative ones count from the end."""
    idx = convert(indices)
    if dtype_of(idx) not in ("int32", "int64"):
        raise TypeError(f"scatter: `indices` must be integers; received dtype {dtype_of(idx)}")
    shape = shape_of(idx)
    if not shape or shape[-1] != len(dims) or len(dims) == 0:
        raise ValueError(f"scatter: `indices` of shape {shape} must end in an axis of "
                         f"length 1 to {len(dims)}; each row is one index")
    idx = cast(idx, "float64")
    size = np.asarray(dims, "float64")
    idx = where(less(idx, 0.0), add(idx, size), idx)
    inside = logical_and(_all_last(greater(idx, -1.0)), _all_last(less(idx, size)))
    strides = np.asarray([math.prod(dims[i + 1:]) for i in range(len(dims))], "float64")
    rows = _sum(multiply(idx, strides), axis=-1)
    return where(inside, rows, -1.0), tuple(shape[:-1])


def _all_last(b):
    return equal(_min(cast(b, "float32"), axis=-1), 1.0)


def _scatter_parts(indices, values, shape):
    """(row ids int32 (N,), values as (N, *trailing), number of rows, trailing shape)."""
    shape = tuple(int(d) for d in shape)
    k = shape_of(convert(indices))[-1] if shape_of(convert(indices)) else 0
    rows, lead = _rows_of(indices, shape[:k])
    trailing = shape[k:]
    count = math.prod(lead)
    values = convert(values)
    if tuple(shape_of(values)) != lead + trailing:
        values = bind("broadcast_to", values, shape=lead + trailing)
    flat = reshape(values, (count,) + trailing)
    return cast(reshape(rows, (count,)), "int32"), flat, math.prod(shape[:k]), trailing


def scatter(indices, values, shape):
    """zeros(shape) with `values` added at `indices` (keras.ops.scatter: repeated indices
    add up, as JAX's .at[].add). `indices` (..., k) address the first k axes; `values`
    (..., *shape[k:]). Out-of-range indices are dropped. The result has values' dtype."""
    ids, flat, rows, trailing = _scatter_parts(indices, values, shape)
    return reshape(segment_sum(flat, ids, num_segments=rows), tuple(shape))


def scatter_update(inputs, indices, updates, reduction=None):
    """inputs with `updates` written at `indices` (keras.ops.scatter_update). reduction None:
    the last update to an index wins; 'add', 'max', 'min', 'mul' combine every update to an
    index with the old value. Updates take inputs' dtype; out-of-range indices are dropped."""
    if reduction is not None:
        reduction = reduction.lower()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid reduction: {reduction}. "
                             "Supported values are: None, 'add', 'max', 'min', 'mul'.")
    x = convert(inputs)
    dtype, shape = dtype_of(x), tuple(shape_of(x))
    ids, flat, rows, trailing = _scatter_parts(indices, convert(updates, dtype), shape)
    old = reshape(x, (rows,) + trailing)
    if reduction is None:
        new, written = _last_writes(ids, flat, rows, trailing)
        return reshape(_choose(written, new, old, dtype), shape)
    if reduction == "add":
        combined = _in_float64(add, dtype, old, segment_sum(flat, ids, num_segments=rows))
    else:
        reduce, empty, combine = {"max": (_max, _lowest, maximum),
                                  "min": (_min, _highest, minimum),
                                  "mul": (prod, 1.0, multiply)}[reduction]
        combined = _in_float64(combine, dtype, old,
                               segment_reduce(flat, ids, rows, reduce, empty))
    return reshape(combined, shape)


def _last_writes(ids, flat, rows, trailing):
    """(each row's new value, whether it was written): of the updates to one row the last
    one counts. An update is dropped when a later one has its id (an N x N comparison);
    the others' positions are scattered to their rows and gathered back (exact)."""
    count = shape_of(flat)[0]
    wide = cast(ids, "float64")
    later = np.triu(np.ones((count, count), bool), 1)  # [k, j]: update j comes after k
    overwritten = _any(logical_and(equal(expand_dims(wide, 1), expand_dims(wide, 0)), later),
                       axis=1)
    kept = cast(where(overwritten, -1.0, wide), "int32")
    position = segment_sum(np.arange(1, count + 1, dtype="float64"), kept, num_segments=rows)
    written = greater(position, 0.0)
    pick = cast(where(written, add(position, -1.0), float(count)), "int32")
    filler = np.zeros((1,) + trailing, dtype_of(flat))
    new = bind("take", concatenate([flat, filler], 0), pick)
    return new, reshape(written, (rows,) + (1,) * len(trailing))


# ---- segment reductions (math_extra.segment_reduce, as segment_max) -----------------------

def _highest(dtype):
    """+inf, or the largest int of `dtype` that float64 holds (2**63 - 1024 for int64)."""
    return np.inf if dtype.startswith("float") else largest_float64_int(dtype)


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The min of the rows of `data` per id (keras.ops.segment_min); empty segments give
    +inf (the dtype's maximum for ints), NaN propagates, ids outside [0, num_segments) are
    dropped, as JAX. `num_segments` defaults to max(id) + 1 on concrete ids, as
    segment_sum."""
    return segment_reduce(data, segment_ids, num_segments, _min, _highest)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """The product of the rows of `data` per id (keras.ops.segment_prod); empty segments
    give 1, ids outside [0, num_segments) are dropped, as JAX."""
    return segment_reduce(data, segment_ids, num_segments, prod, 1.0)

