"""Linear algebra (keras.ops.linalg and the top-level names) as composites for small
matrices: LU with partial pivoting (lu_factor, solve, inv, det, slogdet, logdet),
Cholesky, triangular substitution and Householder QR, each unrolled over the columns of a
static (..., m, n) shape, so they run eagerly and traced on every backend and get their
gradients from the primitives' VJPs. eigh, svd, pinv, lstsq, matrix_rank and eig live in
linalg_spectral.py and are re-exported here.

Numbers follow Keras-JAX (LAPACK conventions): the same pivot choice (first largest |a|),
Householder signs and singular-matrix results (a zero pivot is not divided by during the
elimination; substitution then divides by it, giving inf/nan as JAX). Integer and bool
inputs compute in float32. Traced graphs grow with n (about 20 nodes per column, n**2 for
the spectral ops), so a traced matrix side is limited to MAX_TRACED_SIZE."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable
from .arrays import _slice, swapaxes
from .core import convert, dtype_of, shape_of
from .elementwise_math import where
from .matrices import diagonal
from .numpy import (abs, argmax, broadcast_to, cast, concatenate, divide, equal, log,
                    matmul, multiply, negative, not_equal, reshape, sign, sqrt, square,
                    subtract)
from .numpy import sum as _sum

__all__ = ["cholesky", "cholesky_inverse", "det", "inv", "logdet", "lu_factor", "qr",
           "slogdet", "solve", "solve_triangular"]  # eig ... svd: linalg_spectral.py

MAX_TRACED_SIZE = 128  # largest traced matrix side: the unrolled graph grows with it


# -- shared helpers ------------------------------------------------------------------------

def _float_matrix(x, name, square=True):
    """x as a float tensor of rank >= 2 (ints and bools in float32, as Keras-JAX)."""
    x = convert(x)
    if dtype_of(x) not in ("float32", "float64"):
        x = convert(x, "float32")
    shape = shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received input with shape {shape}.")
    if square and shape[-1] != shape[-2]:
        raise ValueError("Expected a square matrix. "
                         f"Received non-square input with shape {shape}")
    if any(d is None for d in shape):
        raise ValueError(f"{name} needs a fully defined (static) shape; received {shape}")
    if isinstance(x, (Tensor, Variable)) and max(shape[-2:]) > MAX_TRACED_SIZE:
        raise NotImplementedError(
            f"{name}: traced matrices are unrolled column by column and limited to "
            f"{MAX_TRACED_SIZE} x {MAX_TRACED_SIZE}; received shape {shape}")
    return x


def _part(x, axis, start, stop):
    """x[start:stop] along a negative `axis` (stop None: to the end)."""
    ndim = len(shape_of(x))
    return _slice(x, ndim + axis, start, shape_of(x)[axis] if stop is None else stop)


def _t(x):
    return swapaxes(x, -1, -2)


def _symmetrize(x):
    """(x + xᵀ) / 2: JAX's eigh and cholesky read this, not one triangle."""
    return multiply(0.5, x + _t(x))


def _eye_like(n, x):
    return np.eye(n, dtype=dtype_of(x))


def _index_grid(m, n):
    """Row and column numbers as int32 (m, 1) and (1, n) constants, for masks."""
    return np.arange(m, dtype=np.int32)[:, None], np.arange(n, dtype=np.int32)[None, :]


# -- LU with partial pivoting --------------------------------------------------------------

def _eliminate(w, steps):
    """Gaussian elimination with partial pivoting over the first `steps` columns of w
    (..., m, N), as LAPACK's getf2: the row with the first largest |entry| at or below
    the diagonal is swapped in (whole rows, earlier multipliers included), the multipliers
    are stored below the diagonal and the rows below are updated. A zero pivot (a column
    of zeros) is not divided by. Returns (w, pivots (..., steps) int32, swap parity (..., 1, 1)
    as +-1)."""
    m, width = shape_of(w)[-2:]
    rows, cols = _index_grid(m, width)
    pivots, parity = [], None
    for k in range(steps):
        col = _part(w, -1, k, k + 1)                                    # (..., m, 1)
        candidates = where(rows >= k, abs(col), -1.0)
        p = argmax(candidates, axis=-2, keepdims=True)                  # (..., 1, 1)
        at_p = equal(rows, p)
        row_p = _sum(where(at_p, w, 0.0), axis=-2, keepdims=True)       # one nonzero term
        row_k = _part(w, -2, k, k + 1)
        w = where(rows == k, row_p, where(at_p, row_k, w))
        pivot = _part(row_p, -1, k, k + 1)
        col = _part(w, -1, k, k + 1)
        multipliers = where(rows > k, divide(col, where(equal(pivot, 0.0), 1.0, pivot)), 0.0)
        w = subtract(w, multiply(multipliers, where(cols > k, row_p, 0.0)))
        w = where((rows > k) & (cols == k), multipliers, w)
        pivots.append(p)
        flip = subtract(1.0, multiply(2.0, cast(not_equal(p, k), dtype_of(w))))
        parity = flip if parity is None else multiply(parity, flip)
    batch = tuple(shape_of(w)[:-2])
    piv = concatenate([reshape(p, batch + (1,)) for p in pivots], axis=-1) if pivots else None
    return w, piv, parity


def lu_factor(x):
    """(lu, pivots) as scipy/JAX's lu_factor: L's multipliers below the diagonal of lu, U
    on and above it, and the row swapped with row i at step i (int32)."""
    x = _float_matrix(x, "lu_factor", square=False)
    m, n = shape_of(x)[-2:]
    lu, piv, _ = _eliminate(x, min(m, n))
    if piv is None:
        piv = np.zeros(tuple(shape_of(x)[:-2]) + (0,), np.int32)
    return lu, cast(piv, "int32")


def _diagonal_entries(x):
    """The diagonal of x's last two axes, one (...,) tensor per entry."""
    d = diagonal(x, axis1=-2, axis2=-1)
    return [reshape(_part(d, -1, i, i + 1), tuple(shape_of(d)[:-1]))
            for i in range(shape_of(d)[-1])]


def _product(factors):
    out = factors[0]
    for f in factors[1:]:
        out = multiply(out, f)
    return out


def det(x):
    """Product of U's diagonal times the parity of the row swaps."""
    x = _float_matrix(x, "det")
    n = shape_of(x)[-1]
    if n == 0:
        return np.ones(tuple(shape_of(x)[:-2]), dtype_of(x))
    lu, _, parity = _eliminate(x, n)
    return multiply(_product(_diagonal_entries(lu)), reshape(parity, tuple(shape_of(x)[:-2])))


def slogdet(x):
    """(sign, log|det|): sign 0 and -inf for a singular matrix, as JAX."""
    x = _float_matrix(x, "slogdet")
    n = shape_of(x)[-1]
    batch = tuple(shape_of(x)[:-2])
    if n == 0:
        return np.ones(batch, dtype_of(x)), np.zeros(batch, dtype_of(x))
    lu, _, parity = _eliminate(x, n)
    entries = _diagonal_entries(lu)
    signs = _product([sign(d) for d in entries])
    logs = [log(abs(d)) for d in entries]
    total = logs[0]
    for term in logs[1:]:
        total = total + term
    return multiply(signs, reshape(parity, batch)), total


def logdet(x):
    """log|det x| (Keras-JAX takes slogdet's second output; meant for positive definite x)."""
    return slogdet(x)[1]


# -- triangular systems --------------------------------------------------------------------

def _substitute(t, b, lower):
    """x with t x = b, reading only t's lower (or upper) triangle: x_i = b_i / t_ii, then
    t's column i (the unsolved rows only) times x_i leaves b. b is (..., n, r)."""
    n = shape_of(t)[-1]
    rows, _ = _index_grid(n, 1)
    solved = {}
    for i in (range(n) if lower else range(n - 1, -1, -1)):
        xi = divide(_part(b, -2, i, i + 1), _part(_part(t, -2, i, i + 1), -1, i, i + 1))
        solved[i] = xi
        unsolved = rows > i if lower else rows < i
        b = subtract(b, multiply(where(unsolved, _part(t, -1, i, i + 1), 0.0), xi))
    return concatenate([solved[i] for i in range(n)], axis=-2)


def _right_hand_side(a, b, name, vector):
    """b converted to a's dtype as (..., n, r) with the batch axes of both broadcast."""
    b = convert(b, dtype_of(a))
    sa, sb = shape_of(a), shape_of(b)
    if len(sb) < 1:
        raise ValueError(f"Expected input to have rank >= 1. Received scalar input {b}.")
    if vector:
        b = reshape(b, tuple(sb) + (1,))
        sb = shape_of(b)
    if len(sb) < 2 or sb[-2] != sa[-1]:
        raise ValueError(f"{name}: incompatible shapes between `a` and `b`: the rows of b must "
                         f"match a's size. Received: a.shape={sa}, b.shape={shape_of(b)}")
    batch = tuple(np.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2])))
    return broadcast_to(a, batch + tuple(sa[-2:])), broadcast_to(b, batch + tuple(sb[-2:]))


def _finish(x, vector):
    return reshape(x, tuple(shape_of(x)[:-1])) if vector else x


def solve_triangular(a, b, lower=False):
    """x with a x = b for a triangular a (only its lower or upper triangle is read); b is
    a vector per matrix when it has one axis less than a (as jax.scipy)."""
    a = _float_matrix(a, "solve_triangular")
    vector = len(shape_of(b)) == len(shape_of(a)) - 1
    a, b = _right_hand_side(a, b, "solve_triangular", vector)
    return _finish(_substitute(a, b, lower), vector)


def solve(a, b):
    """x with a x = b: elimination of [a | b] with partial pivoting, then back
    substitution. b of rank 1 is one vector (as JAX), else (..., n, r)."""
    a = _float_matrix(a, "solve")
    vector = len(shape_of(b)) == 1
    a, b = _right_hand_side(a, b, "solve", vector)
    n = shape_of(a)[-1]
    w, _, _ = _eliminate(concatenate([a, b], axis=-1), n)
    x = _substitute(_part(w, -1, 0, n), _part(w, -1, n, None), lower=False)
    return _finish(x, vector)


def inv(x):
    x = _float_matrix(x, "inv")
    return solve(x, _eye_like(shape_of(x)[-1], x))


# -- Cholesky ------------------------------------------------------------------------------

def cholesky(x, upper=False):
    """The lower factor L of x = L Lᵀ (its transpose when `upper`), column by column, of
    the symmetrized x as JAX. Not positive definite: NaN; eagerly a ValueError as Keras."""
    x = _symmetrize(_float_matrix(x, "cholesky"))
    n = shape_of(x)[-1]
    rows, _ = _index_grid(n, 1)
    columns = []
    for j in range(n):
        col = _part(x, -1, j, j + 1)                                    # (..., n, 1)
        if columns:
            left = concatenate(columns, axis=-1)                        # (..., n, j)
            col = subtract(col, matmul(left, _t(_part(left, -2, j, j + 1))))
        d = sqrt(_part(col, -2, j, j + 1))
        columns.append(where(rows > j, divide(col, d), where(rows == j, d, 0.0)))
    factor = concatenate(columns, axis=-1) if columns else x
    if isinstance(factor, np.ndarray) and np.isnan(factor).any():
        raise ValueError("Cholesky decomposition failed: the input might not be a valid "
                         "positive definite matrix.")
    return _t(factor) if upper else factor


def cholesky_inverse(x, upper=False):
    """(L Lᵀ)⁻¹ for the Cholesky factor x = L (Uᵀ U when `upper`): as Keras-JAX, x is the
    triangular factor, not the positive definite matrix."""
    x = _float_matrix(x, "cholesky_inverse")
    inv_factor = solve_triangular(x, _eye_like(shape_of(x)[-1], x), lower=not upper)
    if upper:
        return matmul(inv_factor, _t(inv_factor))
    return matmul(_t(inv_factor), inv_factor)


# -- QR ------------------------------------------------------------------------------------

def _householder_step(r, j):
    """LAPACK's dlarfg on column j of r below row j-1: (v, tau, beta) with
    (I - tau v vᵀ) r[:, j] = beta e_j, v_j = 1; tau = 0 (identity) for a column already zero
    below the diagonal."""
    m = shape_of(r)[-2]
    rows, _ = _index_grid(m, 1)
    col = _part(r, -1, j, j + 1)
    below = where(rows > j, col, 0.0)
    alpha = _part(col, -2, j, j + 1)
    tail = _sum(square(below), axis=-2, keepdims=True)
    reflect = tail > 0
    length = sqrt(where(reflect, square(alpha) + tail, 1.0))  # guarded: no inf gradient at 0
    beta = where(alpha >= 0, negative(length), length)
    tau = where(reflect, divide(beta - alpha, beta), 0.0)
    v = where(rows == j, 1.0, divide(below, where(reflect, alpha - beta, 1.0)))
    return v, tau, where(reflect, beta, alpha)


def qr(x, mode="reduced"):
    """Householder QR with LAPACK's signs (as NumPy/JAX): q (..., m, k), r (..., k, n) with
    k = min(m, n), or q (..., m, m), r (..., m, n) when mode="complete"."""
    if mode not in {"reduced", "complete"}:
        raise ValueError("`mode` argument value not supported. "
                         f"Expected one of {{'reduced', 'complete'}}. Received: mode={mode}")
    r = _float_matrix(x, "qr", square=False)
    m, n = shape_of(r)[-2:]
    rows, cols = _index_grid(m, n)
    q = _eye_like(m, r)
    for j in range(min(m - 1, n)):
        v, tau, beta = _householder_step(r, j)
        r = subtract(r, multiply(multiply(tau, v), matmul(_t(v), r)))
        r = where(cols == j, where(rows == j, beta, where(rows > j, 0.0, r)), r)
        q = subtract(q, multiply(matmul(q, v), multiply(tau, _t(v))))
    r = where(rows > cols, 0.0, r)
    q = broadcast_to(q, tuple(shape_of(r)[:-2]) + (m, m))
    if mode == "complete":
        return q, r
    k = min(m, n)
    return _part(q, -1, 0, k), _part(r, -2, 0, k)
