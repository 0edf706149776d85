"""Array creation (keras.ops numpy names): arange, linspace, logspace, geomspace, full, the
`*_like` ops, empty, meshgrid and array. They give NumPy constants, as Keras-JAX gives
constants inside a trace too; `*_like` of a traced tensor gives a traced constant of its
shape, so a layer may return it. Sizes must be known when the op runs."""

from __future__ import annotations

from __future__ import annotations

import numpy as np

from ..graph import Tensor, bind
from .core import _FLOATS, convert, dtype_of, result_dtype, shape_of, standardize_dtype
from .numpy import broadcast_to, cast, reshape
from .arrays import _is_symbolic, copy

__all__ = ["arange", "linspace", "logspace", "geomspace", "full", "full_like", "zeros_like",
           "ones_like", "empty", "empty_like", "meshgrid", "array"]



def _concrete(name, *values):
    if any(_is_symbolic(v) for v in values):
        raise ValueError(f"{name}: the arguments must be known when the op runs (a tensor "
                         "would give a data-dependent shape)")


def arange(start, stop=None, step=None, dtype=None):
    """np.arange's values (as Keras-JAX: the dtype the arguments promote to, int32 for
    ints, float32 for Python floats)."""
    _concrete("arange", start, stop, step)
    if dtype is None:
        dtype = result_dtype(*(v for v in (start, stop, step) if v is not None))
        dtype = "int32" if dtype == "bool" else dtype
    if step == 0:
        raise ZeroDivisionError("arange: `step` must not be zero")
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, 1 if step is None else step, dtype=standardize_dtype(dtype))


def _float_dtype(dtype, *values):
    if dtype is not None:
        return standardize_dtype(dtype)
    return "float64" if result_dtype(*values) == "float64" else "float32"


def _from_float64(values, dtype):
    """float64 samples as `dtype`; integer dtypes take the floor, as jnp.linspace."""
    if dtype not in _FLOATS:
        values = np.floor(values)
    return values.astype(dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced samples from start to stop (computed in float64, then cast)."""
    _concrete("linspace", start, stop)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    dtype = _float_dtype(dtype, start, stop)
    values, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    values = _from_float64(values, dtype)
    return (values, np.asarray(step, dtype)) if retstep else values


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """base ** linspace(start, stop) (computed in float64, then cast)."""
    _concrete("logspace", start, stop, base)
    values = np.logspace(start, stop, num, endpoint=endpoint, base=base, axis=axis)
    return _from_float64(values, _float_dtype(dtype, start, stop))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Samples evenly spaced on a log scale from start to stop, both included exactly
    (computed in float64, then cast)."""
    _concrete("geomspace", start, stop)
    values = np.geomspace(start, stop, num, endpoint=endpoint, axis=axis)
    return _from_float64(values, _float_dtype(dtype, start, stop))


def _shape_tuple(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def full(shape, fill_value, dtype=None):
    """`shape` filled with `fill_value` (broadcast), floatx by default."""
    dtype = standardize_dtype(dtype)
    if _is_symbolic(fill_value):
        return broadcast_to(convert(fill_value, dtype), _shape_tuple(shape))
    return np.full(_shape_tuple(shape), fill_value, dtype=dtype)


def full_like(x, fill_value, dtype=None):
    """A tensor of x's shape (and dtype, unless given) filled with `fill_value`; of a traced
    tensor, a traced constant."""
    x = convert(x)
    dtype = dtype_of(x) if dtype is None else standardize_dtype(dtype)
    shape = shape_of(x)
    if _is_symbolic(fill_value):
        return broadcast_to(convert(fill_value, dtype), shape)
    if isinstance(x, Tensor):
        return bind("broadcast_to", x.graph.constant(np.asarray(fill_value, dtype)), shape=shape)
    return np.full(shape, fill_value, dtype=dtype)


def zeros_like(x, dtype=None):
    return full_like(x, 0, dtype)


def ones_like(x, dtype=None):
    return full_like(x, 1, dtype)


def empty(shape, dtype=None):
    """Zeros: fastkeras has no uninitialised memory to hand out."""
    return full(shape, 0, dtype)


def empty_like(x, dtype=None):
    return zeros_like(x, dtype)


def meshgrid(*x, indexing="xy"):
    """Coordinate grids of 1-D tensors; "xy" swaps the first two grid axes (Cartesian)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
    xs = [convert(t) for t in x]
    if any(len(shape_of(t)) != 1 for t in xs):
        raise ValueError(f"Arguments to meshgrid must be 1D, got shapes "
                         f"{[shape_of(t) for t in xs]}")
    place = list(range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        place[0], place[1] = 1, 0
    grid = [0] * len(xs)
    for t, p in zip(xs, place):
        grid[p] = shape_of(t)[0]
    grids = []
    for t, p in zip(xs, place):
        line = [1] * len(xs)
        line[p] = grid[p]
        grids.append(broadcast_to(reshape(t, line), tuple(grid)))
    return grids


def array(x, dtype=None):
    """A new tensor holding x (converted to `dtype` when given). Python numbers and lists
    give int32 or float32, as in Keras; NumPy arrays keep their dtype."""
    dtype = None if dtype is None else standardize_dtype(dtype)
    if _is_symbolic(x):
        return copy(x) if dtype is None else cast(x, dtype)
    if dtype is None and not isinstance(x, np.ndarray):
        dtype = {"int64": "int32", "float64": "float32"}.get(dtype_of(convert(x)))
    return np.array(convert(x, dtype))
