"""Triangles, diagonals and tensor products (keras.ops numpy names): tri, tril, triu, eye,
identity, diag, diagonal, diagflat, trace, outer, inner, tensordot, vdot, kron, cross.
Selections gather elements (NaN, inf and -0.0 as NumPy's, integer dtypes kept); products
and traces of integer or bool tensors run in float64 (exact below 2**53) and are cast back
to Keras-JAX's dtype."""

from __future__ import annotations

from __future__ import annotations

import math

import numpy as np

from ..graph.primitives._rules import normalize_axis
from .core import convert, result_dtype, shape_of, standardize_dtype
from .numpy import matmul, multiply, negative, reshape, subtract
from .numpy import sum as _sum
from .arrays import (_axes, _exact_arith, _gather_trailing, _need_ndim, _slice, _transpose,
                     moveaxis, ravel, stack)

__all__ = ["tri", "tril", "triu", "eye", "identity", "diag", "diagonal", "diagflat", "trace",
           "outer", "inner", "tensordot", "vdot", "kron", "cross"]



def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the k-th diagonal of an N x M matrix (floatx by default)."""
    return np.tri(N, M, k, dtype=standardize_dtype(dtype))


def _keep(x, mask):
    """x where the constant (rows, cols) `mask` holds, 0 elsewhere, on x's last two axes."""
    if mask.all():
        return x
    rows, cols = mask.shape
    index = np.where(mask, np.arange(rows * cols).reshape(rows, cols), rows * cols)
    return _gather_trailing(x, index, 2, zero=True)


def tril(x, k=0):
    """The elements at and below the k-th diagonal of x's last two axes, zeros above."""
    x = _need_ndim(x, 2, "tril")
    return _keep(x, np.tri(*shape_of(x)[-2:], k, dtype=bool))


def triu(x, k=0):
    """The elements at and above the k-th diagonal of x's last two axes, zeros below."""
    x = _need_ndim(x, 2, "triu")
    return _keep(x, ~np.tri(*shape_of(x)[-2:], k - 1, dtype=bool))


def eye(N, M=None, k=0, dtype=None):
    return np.eye(N, M, k, dtype=standardize_dtype(dtype))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def _diagonal_cells(rows, cols, k):
    """(row, col) of the k-th diagonal of a rows x cols matrix."""
    first_row, first_col = max(0, -k), max(0, k)
    n = max(0, min(rows - first_row, cols - first_col))
    i = np.arange(n)
    return first_row + i, first_col + i


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The `offset`-th diagonal of the matrices in axes (axis1, axis2), as a last axis after
    the other axes."""
    x = _need_ndim(x, 2, "diagonal")
    ndim = len(shape_of(x))
    a1, a2 = normalize_axis(axis1, ndim), normalize_axis(axis2, ndim)
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same ({axis1}, {axis2})")
    x = _transpose(x, [a for a in range(ndim) if a not in (a1, a2)] + [a1, a2])
    rows, cols = shape_of(x)[-2:]
    r, c = _diagonal_cells(rows, cols, offset)
    return _gather_trailing(x, r * cols + c, 2)


def diag(x, k=0):
    """A 1-D x placed on the k-th diagonal of a square matrix; a 2-D x's k-th diagonal."""
    x = convert(x)
    shape = shape_of(x)
    if len(shape) == 2:
        return diagonal(x, k)
    if len(shape) != 1:
        raise ValueError(f"diag input must be 1d or 2d. Received: x.shape={shape}")
    n = shape[0]
    size = n + abs(k)
    index = np.full((size, size), n)  # n picks the appended zero
    index[_diagonal_cells(size, size, k)] = np.arange(n)
    return _gather_trailing(x, index, 1, zero=True)


def diagflat(x, k=0):
    return diag(ravel(x), k)


def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the `offset`-th diagonal; integer and bool tensors give an integer sum
    (int32 for bool), as Keras-JAX."""
    d = diagonal(x, offset, axis1, axis2)
    dtype = result_dtype(d)
    return _exact_arith(lambda t: _sum(t, axis=-1), d,
                        dtype="int32" if dtype == "bool" else dtype)




def outer(x1, x2):
    """Every element of x1 (flattened) times every element of x2 (flattened)."""
    return _exact_arith(lambda a, b: multiply(reshape(a, (-1, 1)), reshape(b, (1, -1))),
                        x1, x2)


def _contract(a, b, axes_a, axes_b):
    """tensordot of arrays of one float dtype: the contracted axes moved together and
    flattened, one matmul, the free axes restored."""
    sa, sb = shape_of(a), shape_of(b)
    if [sa[i] for i in axes_a] != [sb[i] for i in axes_b]:
        raise TypeError(f"tensordot: the contracted axes differ in size: {sa} on axes "
                        f"{list(axes_a)} and {sb} on axes {list(axes_b)}")
    free_a = [i for i in range(len(sa)) if i not in axes_a]
    free_b = [i for i in range(len(sb)) if i not in axes_b]
    out_shape = tuple(sa[i] for i in free_a) + tuple(sb[i] for i in free_b)
    rows, inner_size = math.prod(sa[i] for i in free_a), math.prod(sa[i] for i in axes_a)
    a2 = reshape(_transpose(a, free_a + list(axes_a)), (rows, inner_size))
    b2 = reshape(_transpose(b, list(axes_b) + free_b), (inner_size, -1))
    if not axes_a:  # nothing contracted: an outer product, without a K = 1 matmul
        return reshape(multiply(a2, reshape(b2, (1, -1))), out_shape)
    return reshape(matmul(a2, b2), out_shape)


def tensordot(x1, x2, axes=2):
    """The sum of products over `axes`: an int N (x1's last N axes with x2's first N) or a
    pair of axis lists."""
    def contract(a, b):
        na, nb = len(shape_of(a)), len(shape_of(b))
        if isinstance(axes, (int, np.integer)):
            if not 0 <= axes <= min(na, nb):
                raise ValueError(f"tensordot: axes={axes} must be in [0, {min(na, nb)}] for "
                                 f"shapes {shape_of(a)} and {shape_of(b)}")
            axes_a, axes_b = tuple(range(na - axes, na)), tuple(range(axes))
        else:
            if len(axes) != 2:
                raise ValueError(f"tensordot: `axes` must be an int or a pair of axis lists. "
                                 f"Received: axes={axes}")
            axes_a, axes_b = _axes(axes[0], na), _axes(axes[1], nb)
            if len(axes_a) != len(axes_b):
                raise ValueError(f"tensordot: as many axes of x1 as of x2 are needed. "
                                 f"Received: axes={axes}")
        return _contract(a, b, axes_a, axes_b)
    return _exact_arith(contract, x1, x2)


def inner(x1, x2):
    """The sum of products over the last axes (a scalar operand multiplies)."""
    def contract(a, b):
        if not shape_of(a) or not shape_of(b):
            return multiply(a, b)
        return _contract(a, b, (len(shape_of(a)) - 1,), (len(shape_of(b)) - 1,))
    return _exact_arith(contract, x1, x2)


def vdot(x1, x2):
    """The dot product of the flattened operands (a scalar)."""
    return _exact_arith(lambda a, b: _contract(ravel(a), ravel(b), (0,), (0,)), x1, x2)


def kron(x1, x2):
    """The Kronecker product: x2 scaled by each element of x1, in blocks."""
    def product(a, b):
        sa, sb = shape_of(a), shape_of(b)
        ndim = max(len(sa), len(sb))
        sa, sb = (1,) * (ndim - len(sa)) + sa, (1,) * (ndim - len(sb)) + sb
        # a as (a0, 1, a1, 1, ...) times b as (1, b0, 1, b1, ...), then each pair merged
        blocks = multiply(reshape(a, tuple(v for d in sa for v in (d, 1))),
                          reshape(b, tuple(v for d in sb for v in (1, d))))
        return reshape(blocks, tuple(p * q for p, q in zip(sa, sb)))
    return _exact_arith(product, x1, x2)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or 2-vectors, taken with a zero z) along axisa and
    axisb, the batch axes broadcast; two 2-vectors give the z component alone."""
    if axis is not None:
        axisa = axisb = axisc = axis

    def product(a, b):
        a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)

        def parts(t):
            n = shape_of(t)[-1]
            if n not in (2, 3):
                raise ValueError("Dimension must be either 2 or 3 for cross product. "
                                 f"Received shapes {shape_of(x1)} and {shape_of(x2)}")
            return [reshape(_slice(t, -1, i, i + 1), shape_of(t)[:-1]) for i in range(n)] + \
                [None] * (3 - n)  # None: a zero z component

        def det(p, q, r, s):  # p q - r s, a None factor making its product 0
            left = None if p is None or q is None else multiply(p, q)
            right = None if r is None or s is None else multiply(r, s)
            return left if right is None else negative(right) if left is None else \
                subtract(left, right)

        (a0, a1, a2), (b0, b1, b2) = parts(a), parts(b)
        z = det(a0, b1, a1, b0)
        if a2 is None and b2 is None:
            return z
        out = stack([det(a1, b2, a2, b1), det(a2, b0, a0, b2), z], axis=-1)
        return moveaxis(out, -1, axisc)
    return _exact_arith(product, x1, x2)
