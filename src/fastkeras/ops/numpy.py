"""NumPy-like ops (keras.ops.*): arithmetic, math, reductions, shape manipulation."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor, bind
from .core import (binary_op, convert, dtype_of, integers_exact, promote, shape_of,
                   standardize_dtype, stop_gradient, unary_op)


subtract = binary_op("subtract")
multiply = binary_op("multiply")
divide = binary_op("divide")
maximum = binary_op("maximum")
minimum = binary_op("minimum")


def clip(x, x_min, x_max):
    """min(max(x, x_min), x_max) (Keras's order); the gradient passes where x is inside."""
    return minimum(maximum(x, x_min), x_max)
true_divide = divide


def add(x1, x2):
    """Elementwise sum with broadcasting (a trailing-axis bias uses the fused bias_add)."""
    a, b = promote(x1, x2, float_only=True)
    sa, sb = shape_of(a), shape_of(b)
    if len(sb) == 1 and len(sa) >= 1 and sa[-1] == sb[0] and len(sa) > 1:
        return bind("bias_add", a, b)
    return bind("add", a, b)


# Integer operands keep Keras's integer result (computed exactly through float64).
add, subtract, multiply, maximum, minimum = (
    integers_exact(op) for op in (add, subtract, multiply, maximum, minimum))


equal = binary_op("equal", float_only=False)
greater = binary_op("greater", float_only=False)


def less(x1, x2):
    return greater(x2, x1)


def greater_equal(x1, x2):
    """x1 >= x2, as not (x2 > x1): equal to NumPy's for every non-NaN operand."""
    return bind("equal", greater(x2, x1), False)


def less_equal(x1, x2):
    return bind("equal", greater(x1, x2), False)


negative = unary_op("negative")
exp = unary_op("exp")
log = unary_op("log")
sqrt = unary_op("sqrt")
square = unary_op("square")
absolute = unary_op("abs")
abs = absolute  # noqa: A001 - Keras exports ops.abs
sign = unary_op("sign")
tanh = unary_op("tanh")


def round(x, decimals=0):  # noqa: A001 - Keras's name
    """keras.ops.round: to the nearest integer, ties to even (NumPy's and JAX's rule);
    `decimals` as jnp.round (x * 10**decimals rounded, divided back). Integers pass through
    for decimals >= 0. No gradient (JAX's is zero everywhere it is defined).

    Below 2**p (p the mantissa's bits) IEEE addition rounds |x| + 2**p to an integer, ties
    to even, so (|x| + 2**p) - 2**p is |x| rounded; at or above 2**p a float is an integer
    already: |x| clipped to 2**p takes the first path, the rest (|x| - 2**p, exact) is added
    back. The sign is put back last, so -0.3 gives -0.0 as np.round does; NaN and inf pass."""
    x = convert(x)
    dtype = dtype_of(x)
    if not dtype.startswith("float"):
        if decimals < 0:
            raise NotImplementedError("round: negative `decimals` on integer tensors")
        return x
    if decimals:
        factor = 10.0 ** decimals
        return divide(round(multiply(x, factor)), factor)
    big = float(2 ** np.finfo(dtype).nmant)
    a = absolute(x)
    small = minimum(a, big)
    rounded = add(subtract(add(small, big), big), subtract(a, small))
    return stop_gradient(multiply(sign(x), rounded))


def matmul(x1, x2):
    """NumPy's matmul: (..., m, k) @ (..., k, n) with the batch axes broadcast, 1-D operands
    promoted and squeezed. A 2-D right operand is one GEMM over all rows (Dense on
    sequences); batched ones run as one batch_matmul over the flattened batch."""
    a, b = promote(x1, x2, float_only=True)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {sa} and {sb}")
    if len(sb) == 1:
        return reshape(matmul(a, reshape(b, (sb[0], 1))), tuple(sa[:-1]))
    if len(sa) == 1:
        out = matmul(reshape(a, (1, sa[0])), b)
        return reshape(out, tuple(sb[:-2]) + (sb[-1],))
    if sa[-1] != sb[-2]:
        raise ValueError(f"matmul: inner dimensions differ: {sa} @ {sb} ({sa[-1]} != {sb[-2]})")
    if len(sb) == 2:
        if len(sa) == 2:
            return bind("matmul", a, b)
        flat = bind("matmul", reshape(a, (-1, sa[-1])), b)
        return reshape(flat, tuple(sa[:-1]) + (sb[1],))
    batch = tuple(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2])))
    items = int(np.prod(batch, dtype=np.int64))
    a3 = reshape(broadcast_to(a, batch + tuple(sa[-2:])), (items,) + tuple(sa[-2:]))
    b3 = reshape(broadcast_to(b, batch + tuple(sb[-2:])), (items,) + tuple(sb[-2:]))
    return reshape(bind("batch_matmul", a3, b3), batch + (sa[-2], sb[-1]))


dot = matmul


def _reduce(name):
    def op(x, axis=None, keepdims=False):
        (a,) = promote(x, float_only=True)
        return bind(name, a, axes=axis, keepdims=keepdims)
    op.__name__ = name
    return op


sum = _reduce("sum")  # noqa: A001
mean = _reduce("mean")
max = _reduce("max")  # noqa: A001
amax = max


def min(x, axis=None, keepdims=False):  # noqa: A001
    """-max(-x): the max primitive's gradient goes to the (first) minimum."""
    return negative(max(negative(x), axis=axis, keepdims=keepdims))


amin = min


def var(x, axis=None, keepdims=False):
    """The biased variance mean((x - mean(x))**2), as NumPy and Keras."""
    (a,) = promote(x, float_only=True)
    centred = subtract(a, mean(a, axis=axis, keepdims=True))
    return mean(square(centred), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def rsqrt(x):
    """1 / sqrt(x)."""
    (a,) = promote(x, float_only=True)
    return divide(np.asarray(1, dtype=dtype_of(a)), sqrt(a))


def digitize(x, bins):
    """The index of the bin of each element: how many of the increasing `bins` are <= x
    (np.digitize with right=False), int32."""
    edges = np.asarray(bins, dtype=dtype_of(convert(x)) if dtype_of(convert(x)).startswith(
        "float") else "float32")
    (a,) = promote(x, float_only=True)
    if edges.dtype.name != dtype_of(a):
        edges = edges.astype(dtype_of(a))
    below = greater_equal(expand_dims(a, -1), edges)
    return cast(sum(cast(below, dtype_of(a)), axis=-1), "int32")


def argmax(x, axis=None, keepdims=False):
    a = convert(x)
    if axis is None:
        a, axis = reshape(a, (-1,)), 0
    out = bind("argmax", convert(a, "float32") if dtype_of(a) != "float32" else a, axis=axis)
    if keepdims:
        out = expand_dims(out, axis)
    return out


def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    newshape = tuple(-1 if d is None else int(d) for d in newshape)
    x = convert(x)
    old = tuple(shape_of(x))
    known = math.prod(d for d in newshape if d != -1)
    if -1 in newshape and newshape.count(-1) == 1 and known:
        newshape_resolved = tuple(math.prod(old) // known if d == -1 else d for d in newshape)
    else:
        newshape_resolved = newshape
    if newshape_resolved == old:  # no node: the fusion pass sees straight through
        return x
    return bind("reshape", x, shape=newshape)


def expand_dims(x, axis):
    shape = list(shape_of(x))
    axis = axis if axis >= 0 else len(shape) + 1 + axis
    shape.insert(axis, 1)
    return reshape(x, shape)


def squeeze(x, axis=None):
    shape = shape_of(x)
    if axis is None:
        new = [d for d in shape if d != 1]
    else:
        axes = {a % len(shape) for a in ((axis,) if isinstance(axis, int) else axis)}
        for a in axes:
            if shape[a] != 1:
                raise ValueError(f"Cannot squeeze axis {a} of size {shape[a]}")
        new = [d for i, d in enumerate(shape) if i not in axes]
    return reshape(x, new)


def transpose(x, axes=None):
    return bind("transpose", convert(x), perm=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    return bind("broadcast_to", convert(x), shape=tuple(shape))


def concatenate(xs, axis=0):
    xs = promote(*xs)
    return bind("concatenate", *xs, axis=axis)


def take(x, indices, axis=None):
    """Gathers rows (axis 0); `axis=None` gathers from the flattened array."""
    a = convert(x)
    idx = convert(indices, "int32")
    if axis is None:
        a = reshape(a, (-1,))
    elif axis % len(shape_of(a)) != 0:
        a = transpose(a, [axis] + [i for i in range(len(shape_of(a))) if i != axis % len(shape_of(a))])
        out = bind("take", a, idx)
        nd_idx = len(shape_of(idx))
        ax = axis % len(shape_of(x))
        rest = list(range(nd_idx, len(shape_of(out))))
        perm = rest[:ax] + list(range(nd_idx)) + rest[ax:]
        return transpose(out, perm)
    return bind("take", a, idx)


def cast(x, dtype):
    return bind("cast", convert(x), dtype=standardize_dtype(dtype))


def size(x):
    """The number of elements; None for a symbolic tensor with an unknown dimension."""
    dims = shape_of(x)
    return None if None in dims else math.prod(dims)


def shape(x):
    """The shape as a tuple (None for unknown dimensions of a symbolic tensor)."""
    return tuple(shape_of(x))


def ndim(x):
    return len(shape_of(x))


def is_tensor(x):
    """Whether `x` is what fastkeras's ops compute on and return: a NumPy array eagerly
    (Keras-JAX's jax.Array), a traced graph tensor in a step; Variables and symbolic
    KerasTensors are not tensors (as in Keras)."""
    return isinstance(x, (np.ndarray, Tensor))


def zeros(shape, dtype="float32"):
    return np.zeros(shape, standardize_dtype(dtype))


def ones(shape, dtype="float32"):
    return np.ones(shape, standardize_dtype(dtype))


def not_equal(x1, x2):
    """x1 != x2 (bool), as not (x1 == x2)."""
    return bind("equal", equal(x1, x2), False)


def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras exports ops.any
    """Whether any element along `axis` is non-zero (bool): the max of x != 0."""
    nonzero = cast(not_equal(x, 0) if dtype_of(convert(x)) != "bool" else x, "float32")
    return greater(max(nonzero, axis=axis, keepdims=keepdims), 0.0)


# np.pad's modes that only pick existing elements: padding is a gather of indices.
_INDEX_PAD_MODES = ("reflect", "symmetric", "edge", "wrap")


def _pad_widths(pad_width, ndim):
    """Keras's pad_width forms (an int, (pad,), (before, after), ((before, after),) or one
    pair per axis) as one (before, after) pair per axis. (This module's `any` and `max` are
    ops, hence the plain loops.)"""
    if isinstance(pad_width, (int, np.integer)):
        pad_width = [pad_width]
    pad_width = [list(p) if isinstance(p, (list, tuple)) else p for p in pad_width]
    if not [p for p in pad_width if isinstance(p, list)]:
        pad_width = [pad_width]  # (pad,) or (before, after): the same for every axis
    pairs = []
    for p in pad_width:
        if not isinstance(p, list) or len(p) not in (1, 2):
            raise ValueError("`pad_width` should be a list of tuples of length 1 or 2. "
                             f"Received: pad_width={pad_width}")
        before, after = int(p[0]), int(p[-1])
        if before < 0 or after < 0:
            raise ValueError(f"`pad_width` must be non-negative. Received: pad_width={pad_width}")
        pairs.append((before, after))
    if len(pairs) == 1:
        pairs = pairs * ndim
    if len(pairs) != ndim:
        raise ValueError(f"`pad_width` must have the same length as `x.shape`. Received: "
                         f"pad_width={pad_width} (of length {len(pairs)}) and x.shape of "
                         f"length {ndim}")
    return pairs


def pad(x, pad_width, mode="constant", constant_values=None):
    """np.pad for the modes "constant", "reflect", "symmetric", "edge" and "wrap"; the
    gradient of the padded tensor flows back to the elements it copies."""
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when "
                         f"`mode == 'constant'`. Received: mode={mode}")
    if mode not in ("constant",) + _INDEX_PAD_MODES:
        raise NotImplementedError(f"ops.pad(mode={mode!r}) is not supported yet by fastkeras; "
                                  f"the modes are 'constant', {', '.join(map(repr, _INDEX_PAD_MODES))}")
    x = convert(x)
    shape = shape_of(x)
    pairs = _pad_widths(pad_width, len(shape))
    for axis, (before, after) in enumerate(pairs):
        if not before and not after:
            continue
        if mode == "constant":
            x = bind("pad", x, axis=axis, before=before, after=after)
        else:  # the indices np.pad would copy from, gathered along the axis
            if shape[axis] == 0 or (mode == "reflect" and shape[axis] == 1):
                raise ValueError(f"ops.pad(mode={mode!r}) cannot pad axis {axis} of size "
                                 f"{shape[axis]}")
            index = np.pad(np.arange(shape[axis], dtype=np.int32), (before, after), mode=mode)
            x = take(x, index, axis=axis)
    if mode == "constant" and constant_values is not None and constant_values != 0:
        fill = np.full(shape_of(x), constant_values, dtype=dtype_of(x))
        fill[tuple(slice(b, b + n) for (b, _), n in zip(pairs, shape))] = 0
        x = add(x, fill) if dtype_of(x).startswith("float") else bind("add", x, fill)
    return x
