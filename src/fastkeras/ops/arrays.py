"""Shape manipulation (keras.ops numpy names): stacking, splitting, tiling, flipping, rolling
and moving axes; with array_creation.py (ranges, constants) and matrices.py (triangles,
diagonals, tensor products), which share this module's helpers.

Every op here is a composite of the data-movement primitives (reshape, transpose, slice,
take, pad, broadcast_to, concatenate) and the arithmetic ones, so gradients come from their
VJPs. Selections (tril, diag, flip, ...) gather elements rather than multiply by masks: NaN,
inf and -0.0 come out as NumPy's, and integer tensors keep their dtype. The arithmetic
primitives take floats only, so products and traces of integer or bool tensors are computed
in float64 (exact below 2**53) and cast back to Keras-JAX's dtype.

Creation ops (arange, eye, full, ...) give NumPy constants, as Keras-JAX gives constants
inside a trace too; `*_like` of a traced tensor gives a traced constant of its shape, so a
layer may return it. Their sizes must be known when the op runs (no data-dependent shapes)."""

from __future__ import annotations

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor, Variable, bind
from ..graph.primitives._rules import normalize_axis
from .core import _FLOATS, convert, dtype_of, result_dtype, shape_of
from .numpy import broadcast_to, cast, concatenate, expand_dims, reshape, take, transpose

__all__ = ["stack", "unstack", "split", "array_split", "hsplit", "vsplit", "dsplit", "hstack",
           "vstack", "dstack", "append", "tile", "repeat", "flip", "fliplr", "flipud", "roll",
           "rot90", "moveaxis", "swapaxes", "ravel", "copy"]


def _is_symbolic(x):
    return isinstance(x, (Tensor, Variable))


def _same_dtype(xs):
    """xs converted to the dtype they promote to together."""
    dtype = result_dtype(*xs)
    return [convert(x, dtype) for x in xs]


def _exact_arith(fn, *xs, dtype=None):
    """fn on xs promoted together. The arithmetic primitives take floats only: integer and
    bool inputs go through float64 (exact below 2**53) and the result is cast back."""
    dtype = dtype or result_dtype(*xs)
    if dtype in _FLOATS:
        return fn(*[convert(x, dtype) for x in xs])
    return cast(fn(*[convert(x, "float64") for x in xs]), dtype)


def _slice(x, axis, start, stop):
    return bind("slice", x, axis=axis, start=start, stop=stop)


def _transpose(x, perm):
    perm = list(perm)
    return x if perm == sorted(perm) else transpose(x, perm)


def _gather_trailing(x, index, trailing, zero=False):
    """The elements of x's last `trailing` axes (flattened, C order) at `index`, an int array
    of any shape that replaces those axes; with `zero`, index == their size picks a 0."""
    shape = shape_of(x)
    lead = tuple(shape[:len(shape) - trailing])
    flat = reshape(x, lead + (math.prod(shape[len(lead):]),))
    if zero:
        flat = bind("pad", flat, axis=len(lead), before=0, after=1)
    return take(flat, np.asarray(index, np.int32), axis=len(lead))


# -- stacking and splitting --------------------------------------------------------------

def stack(x, axis=0):
    """Joins same-shaped tensors along a new axis."""
    if not len(x):
        raise ValueError("Need at least one array to stack.")
    xs = _same_dtype(x)
    shapes = [shape_of(t) for t in xs]
    if any(s != shapes[0] for s in shapes):
        raise ValueError("Every value in `x` must have the same shape. But found shapes "
                         f"{shapes}.")
    axis = normalize_axis(axis, len(shapes[0]) + 1)
    return concatenate([expand_dims(t, axis) for t in xs], axis=axis)


def unstack(x, num=None, axis=0):
    """The slices of x along `axis`, that axis dropped. `num` is not checked: Keras-JAX
    ignores it too."""
    x = convert(x)
    shape = shape_of(x)
    axis = normalize_axis(axis, len(shape))
    rest = shape[:axis] + shape[axis + 1:]
    return [reshape(_slice(x, axis, i, i + 1), rest) for i in range(shape[axis])]


def _split_sizes(size, indices_or_sections, equal):
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if n <= 0:
            raise ValueError(f"Number of sections must be larger than 0. Received: "
                             f"indices_or_sections={indices_or_sections}")
        if equal and size % n:
            raise ValueError("`x` size on given `axis` must be divisible by "
                             "`indices_or_sections` when `indices_or_sections` is an int. "
                             f"But received {size} and {n}.")
        q, r = divmod(size, n)  # array_split: the first `r` pieces one longer
        return [q + 1] * r + [q] * (n - r)
    edges = [0] + [int(i) for i in np.asarray(indices_or_sections).reshape(-1)] + [size]
    sizes = [b - a for a, b in zip(edges, edges[1:])]
    if min(sizes) < 0:  # Keras-JAX refuses decreasing or out-of-range indices
        raise ValueError(f"Sizes passed to split must be nonnegative, got {sizes}")
    return sizes


def _split(x, indices_or_sections, axis, equal):
    x = convert(x)
    shape = shape_of(x)
    axis = normalize_axis(axis, len(shape))
    pieces, start = [], 0
    for size in _split_sizes(shape[axis], indices_or_sections, equal):
        pieces.append(_slice(x, axis, start, start + size))
        start += size
    return pieces


def split(x, indices_or_sections, axis=0):
    """Equal sections (an int that must divide the axis) or pieces cut at sorted indices."""
    return _split(x, indices_or_sections, axis, equal=True)


def array_split(x, indices_or_sections, axis=0):
    """As split; an int need not divide the axis (the first pieces are one longer)."""
    return _split(x, indices_or_sections, axis, equal=False)


def _need_ndim(x, ndim, name):
    x = convert(x)
    if len(shape_of(x)) < ndim:
        raise ValueError(f"{name} only works on arrays of {ndim} or more dimensions. "
                         f"Received: x.shape={shape_of(x)}")
    return x


def hsplit(x, indices_or_sections):
    x = _need_ndim(x, 1, "hsplit")
    return split(x, indices_or_sections, axis=1 if len(shape_of(x)) > 1 else 0)


def vsplit(x, indices_or_sections):
    return split(_need_ndim(x, 2, "vsplit"), indices_or_sections, axis=0)


def dsplit(x, indices_or_sections):
    return split(_need_ndim(x, 3, "dsplit"), indices_or_sections, axis=2)


def _at_least(x, ndim):
    """NumPy's atleast_1d/2d/3d: 1-D (n,) becomes (1, n) and (1, n, 1); 2-D gains a last 1."""
    shape = shape_of(x)
    if len(shape) >= ndim:
        return x
    new = {0: (1,) * ndim, 1: ((1,) + shape + (1,))[:ndim], 2: shape + (1,)}[len(shape)]
    return reshape(x, new)


def hstack(xs):
    xs = [_at_least(t, 1) for t in _same_dtype(xs)]
    return concatenate(xs, axis=1 if xs and len(shape_of(xs[0])) > 1 else 0)


def vstack(xs):
    return concatenate([_at_least(t, 2) for t in _same_dtype(xs)], axis=0)


def dstack(xs):
    return concatenate([_at_least(t, 3) for t in _same_dtype(xs)], axis=2)


def append(x1, x2, axis=None):
    """x2 joined after x1 along `axis`; both flattened when axis is None."""
    x1, x2 = _same_dtype([x1, x2])
    if axis is None:
        return concatenate([ravel(x1), ravel(x2)], axis=0)
    return concatenate([x1, x2], axis=axis)


# -- repetition and order ----------------------------------------------------------------

def _repeat_each(x, axis, times):
    """Each element along `axis` `times` times in a row: a new axis after it, broadcast."""
    shape = shape_of(x)
    spread = shape[:axis + 1] + (times,) + shape[axis + 1:]
    merged = shape[:axis] + (shape[axis] * times,) + shape[axis + 1:]
    return reshape(broadcast_to(expand_dims(x, axis + 1), spread), merged)


def tile(x, repeats):
    """x repeated `repeats` times along each axis (leading axes added to the shorter one)."""
    reps = (repeats,) if isinstance(repeats, (int, np.integer)) else tuple(repeats)
    if any(int(r) != r or r < 0 for r in reps):
        raise ValueError(f"`repeats` must be non-negative integers. Received: repeats={repeats}")
    x = convert(x)
    ndim = max(len(shape_of(x)), len(reps))
    shape = (1,) * (ndim - len(shape_of(x))) + shape_of(x)
    reps = (1,) * (ndim - len(reps)) + tuple(int(r) for r in reps)
    x = reshape(x, shape)
    if all(r == 1 for r in reps):
        return x
    # (d0, d1, ...) -> (1, d0, 1, d1, ...) -> (r0, d0, r1, d1, ...) -> (r0 d0, r1 d1, ...)
    paired = tuple(v for d in shape for v in (1, d))
    spread = tuple(v for r, d in zip(reps, shape) for v in (r, d))
    return reshape(broadcast_to(reshape(x, paired), spread),
                   tuple(r * d for r, d in zip(reps, shape)))


def repeat(x, repeats, axis=None):
    """Each element repeated: `repeats` an int, or one count per element along `axis` (which
    must be known when the op runs); axis None repeats the flattened x."""
    if _is_symbolic(repeats):
        raise ValueError("repeat: `repeats` must be known when the op runs (a tensor of "
                         "counts would give a data-dependent shape)")
    x = convert(x)
    if axis is None:
        x, axis = ravel(x), 0
    axis = normalize_axis(axis, len(shape_of(x)))
    counts = np.asarray(repeats)
    if counts.dtype.kind not in "iub" or (counts < 0).any():
        raise ValueError(f"`repeats` must be non-negative integers. Received: repeats={repeats}")
    if counts.size == 1:
        return _repeat_each(x, axis, int(counts.reshape(-1)[0]))
    size = shape_of(x)[axis]
    if counts.shape != (size,):
        raise ValueError(f"repeat: `repeats` has {counts.size} counts for an axis of size "
                         f"{size}")
    return take(x, np.repeat(np.arange(size, dtype=np.int32), counts), axis=axis)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return tuple(normalize_axis(a, ndim) for a in axes)


def flip(x, axis=None):
    """The order of the elements reversed along `axis` (every axis when None)."""
    x = convert(x)
    for a in _axes(axis, len(shape_of(x))):
        n = shape_of(x)[a]
        if n > 1:
            x = take(x, np.arange(n - 1, -1, -1, dtype=np.int32), axis=a)
    return x


def fliplr(x):
    return flip(_need_ndim(x, 2, "fliplr"), axis=1)


def flipud(x):
    return flip(_need_ndim(x, 1, "flipud"), axis=0)


def roll(x, shift, axis=None):
    """Elements shifted along `axis` (the flattened x when None), wrapping around: the two
    slices joined the other way round. `shift` and `axis` may be tuples (broadcast)."""
    x = convert(x)
    shape = shape_of(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape)
    total = {}
    for s, a in zip(*(np.ravel(v) for v in np.broadcast_arrays(shift, axis))):
        a = normalize_axis(int(a), len(shape))
        total[a] = total.get(a, 0) + int(s)
    for a, s in total.items():
        n = shape[a]
        s = s % n if n else 0
        if s:
            x = concatenate([_slice(x, a, n - s, n), _slice(x, a, 0, n - s)], axis=a)
    return x


def rot90(array, k=1, axes=(0, 1)):
    """x rotated k quarter turns in the plane `axes`, from the first axis to the second."""
    x = convert(array)
    ndim = len(shape_of(x))
    if ndim < 2:
        raise ValueError("Input array must have at least 2 dimensions. "
                         f"Received: array.ndim={ndim}")
    if len(axes) != 2 or normalize_axis(axes[0], ndim) == normalize_axis(axes[1], ndim):
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different "
                         "dimensions.")
    a0, a1 = (normalize_axis(a, ndim) for a in axes)
    perm = list(range(ndim))
    perm[a0], perm[a1] = a1, a0
    k = k % 4
    if k == 0:
        return x
    if k == 2:
        return flip(x, (a0, a1))
    if k == 1:
        return transpose(flip(x, a1), perm)
    return flip(transpose(x, perm), a1)


def moveaxis(x, source, destination):
    """Axes `source` moved to positions `destination`, the others keeping their order."""
    x = convert(x)
    ndim = len(shape_of(x))
    src, dst = _axes(source, ndim), _axes(destination, ndim)
    if len(src) != len(dst):
        raise ValueError(f"Inconsistent number of elements: {len(src)} vs {len(dst)}")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"moveaxis: repeated axis in source={source} or "
                         f"destination={destination}")
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return _transpose(x, order)


def swapaxes(x, axis1, axis2):
    x = convert(x)
    ndim = len(shape_of(x))
    for a in (axis1, axis2):
        if not -ndim <= a < ndim:  # Keras-JAX raises IndexError here
            raise IndexError(f"swapaxes: axis {a} is out of bounds for a tensor of rank {ndim}")
    perm = list(range(ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _transpose(x, perm)


def ravel(x):
    return reshape(x, (-1,))


def copy(x):
    """A new tensor with x's value (a Variable's current value)."""
    x = convert(x)
    return bind("cast", x, dtype=dtype_of(x))  # same dtype: a copy with an identity VJP
