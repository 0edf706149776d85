"""Eigen- and singular-value ops of keras.ops.linalg as composites: eigh by cyclic Jacobi,
svd by one-sided Jacobi (Hestenes), pinv, lstsq and matrix_rank on top of svd; eig refused.

Both iterations use the parallel (round-robin) ordering: each round rotates n/2 disjoint
index pairs at once with one orthogonal matrix J, so a sweep (every pair once) is n - 1
rounds of two matmuls. A fixed number of sweeps (SWEEPS) is unrolled: Jacobi converges
quadratically, and for n <= 64 the off-diagonal mass is below float64 rounding after 8
sweeps in our tests (tests/ops/test_linalg.py checks residuals at n = 64).

The iterations run on stop_gradient(x); the first-order perturbation formulas are added
as terms whose value is exactly zero (they multiply x - stop_gradient(x)), so the gradient
is the analytic one (eigh: dw = diag(Vᵀ dA V), dV = V (F * Vᵀ dA V); svd: Townsend's thin
SVD formulas) instead of a backward pass through hundreds of rotations. Degenerate
eigen/singular values get no mixing term (F = 0 there), as JAX's would be inf/nan."""

from __future__ import annotations

import numpy as np

from .core import convert, dtype_of, shape_of, stop_gradient
from .elementwise_math import where
from .linalg import _eye_like, _float_matrix, _part, _symmetrize, _t, qr
from .arrays import _gather_trailing
from .matrices import diagonal
from .numpy import (abs, broadcast_to, cast, clip, concatenate, divide, equal,
                    expand_dims, less, matmul, multiply, negative, pad, reshape, sqrt, square)
from .numpy import max as _max
from .numpy import sum as _sum

__all__ = ["eig", "eigh", "lstsq", "matrix_rank", "pinv", "svd"]

SWEEPS = 8


def _round_robin(n):
    """n - 1 (n even) or n (n odd) rounds of disjoint pairs (p < q) covering every pair once:
    the circle method, with a bye (index n) when n is odd."""
    players = list(range(n + n % 2))
    size = len(players)
    rounds = []
    for _ in range(size - 1):
        pairs = [tuple(sorted((players[i], players[size - 1 - i]))) for i in range(size // 2)]
        rounds.append([pq for pq in pairs if pq[1] < n])
        players = [players[0], players[-1]] + players[1:-1]
    return rounds


def _rotation_layout(n, pairs):
    """Where c, s, -s go in J (an index into [c..., s..., -s..., 0]) and J's fixed ones
    (the diagonal of an index without a partner this round)."""
    h = len(pairs)
    index = np.full((n, n), 3 * h, np.int32)
    ones = np.eye(n)
    for i, (p, q) in enumerate(pairs):
        index[p, p] = index[q, q] = i
        index[p, q], index[q, p] = h + i, 2 * h + i
        ones[p, p] = ones[q, q] = 0.0
    return index, ones


def _rotations(g, pairs, layout):
    """J such that Jᵀ g J is zero at every (p, q) of `pairs` (Golub & Van Loan's symmetric
    Schur rotation, the smaller angle); a pair already zero gets the identity."""
    n = shape_of(g)[-1]
    p = np.array([pq[0] for pq in pairs])
    q = np.array([pq[1] for pq in pairs])
    app, aqq, apq = (_gather_trailing(g, i * n + j, 2) for i, j in ((p, p), (q, q), (p, q)))
    zero = equal(apq, 0.0)
    tau = divide(aqq - app, multiply(2.0, where(zero, 1.0, apq)))
    tau = clip(tau, -1e15, 1e15)  # beyond, t < 1e-15 anyway; keeps tau**2 finite in float32
    t = divide(where(tau >= 0, 1.0, -1.0), abs(tau) + sqrt(1.0 + square(tau)))
    t = where(zero, 0.0, t)
    c = divide(1.0, sqrt(1.0 + square(t)))
    s = multiply(t, c)
    values = pad(concatenate([c, s, negative(s)], axis=-1), [(0, 0)] * (len(shape_of(c)) - 1) + [(0, 1)])
    index, ones = layout
    return _gather_trailing(values, index, 1) + ones.astype(dtype_of(g))


def _sort_matrix(values, descending):
    """The permutation matrix P (..., n, n) that sorts `values` (..., n) stably:
    (P @ values)[r] is the r-th smallest (largest)."""
    n = shape_of(values)[-1]
    key = -values if descending else values
    before = less(expand_dims(key, -2), expand_dims(key, -1))             # [j, i]: key_i < key_j
    ties = equal(expand_dims(key, -1), expand_dims(key, -2)) & np.tri(n, k=-1, dtype=bool)
    rank = _sum(cast(before | ties, dtype_of(values)), axis=-1)           # (..., n)
    slots = np.arange(n, dtype=dtype_of(values))[:, None]
    return cast(equal(slots, expand_dims(rank, -2)), dtype_of(values))


def _apply_sort(p, values, vectors):
    """values and the columns of vectors in P's order."""
    return reshape(matmul(p, expand_dims(values, -1)), tuple(shape_of(values))), matmul(vectors, _t(p))


def _inverse_gaps(v):
    """F[i, j] = 1 / (v_j - v_i), 0 where equal (the diagonal and degenerate pairs)."""
    gap = expand_dims(v, -2) - expand_dims(v, -1)
    flat = equal(gap, 0.0)
    return where(flat, 0.0, divide(1.0, where(flat, 1.0, gap)))


def _diag(x):
    return diagonal(x, axis1=-2, axis2=-1)


def eigh(x):
    """(eigenvalues ascending (..., n), eigenvectors as columns (..., n, n)) of the
    symmetrized x, by SWEEPS cyclic Jacobi sweeps."""
    a = _symmetrize(_float_matrix(x, "eigh"))
    n = shape_of(a)[-1]
    work = stop_gradient(a)
    v = _eye_like(n, a)
    rounds = [(pairs, _rotation_layout(n, pairs)) for pairs in _round_robin(n)]
    for _ in range(SWEEPS if n > 1 else 0):
        for pairs, layout in rounds:
            j = _rotations(work, pairs, layout)
            work = matmul(_t(j), matmul(work, j))
            v = matmul(v, j)
    v = broadcast_to(v, tuple(shape_of(a)))
    w, v = _apply_sort(_sort_matrix(_diag(work), False), _diag(work), v)
    d = matmul(_t(v), matmul(a - stop_gradient(a), v))                 # zero, first order dA
    return w + _diag(d), v + matmul(v, multiply(_inverse_gaps(w), d))


def _one_sided_jacobi(a):
    """(w, v) with w = a v having orthogonal columns (their norms are the singular values),
    v orthogonal, for a (..., m, n) with m >= n."""
    n = shape_of(a)[-1]
    w, v = a, _eye_like(n, a)
    rounds = [(pairs, _rotation_layout(n, pairs)) for pairs in _round_robin(n)]
    for _ in range(SWEEPS if n > 1 else 0):
        for pairs, layout in rounds:
            j = _rotations(matmul(_t(w), w), pairs, layout)
            w, v = matmul(w, j), matmul(v, j)
    return w, broadcast_to(v, tuple(shape_of(a)[:-2]) + (n, n))


def _tall_svd(a):
    """Thin SVD of a (..., m, n), m >= n, with analytic first-order terms: (u, s, v) with u
    (..., m, n) (zero columns for exactly zero singular values), s descending, v (..., n, n)."""
    w, v = _one_sided_jacobi(stop_gradient(a))
    s = sqrt(_sum(square(w), axis=-2))
    order = _sort_matrix(s, True)
    s, v = _apply_sort(order, s, v)
    w = matmul(w, _t(order))
    positive = expand_dims(s, -2) > 0
    s_inv = where(positive, divide(1.0, where(positive, expand_dims(s, -2), 1.0)), 0.0)
    u = multiply(w, s_inv)
    da = a - stop_gradient(a)                                          # zero, first order dA
    dp = matmul(_t(u), matmul(da, v))
    f = _inverse_gaps(square(s))
    row_s, col_s = expand_dims(s, -2), expand_dims(s, -1)
    du = matmul(u, multiply(f, multiply(dp, row_s) + multiply(col_s, _t(dp))))
    m = shape_of(a)[-2]
    du = du + multiply(matmul(_eye_like(m, a) - matmul(u, _t(u)), matmul(da, v)), s_inv)
    dv = matmul(v, multiply(f, multiply(col_s, dp) + multiply(_t(dp), row_s)))
    return u + du, s + _diag(dp), v + dv


def _complete(u, s, full):
    """u's zero columns (zero singular values) and, when `full`, the missing columns of a
    square u, from the Householder QR of u: orthonormal and orthogonal to u's other columns
    (they come first, s being sorted). The completion carries no gradient."""
    m, k = shape_of(u)[-2:]
    q = stop_gradient(qr(u, mode="complete")[0])
    fixed = where(expand_dims(s, -2) > 0, u, _part(q, -1, 0, k))
    if full and m > k:
        return concatenate([fixed, _part(q, -1, k, m)], axis=-1)
    return fixed


def svd(x, full_matrices=True, compute_uv=True):
    """(u, s, vh) with x = u diag(s) vh, s descending, by one-sided Jacobi on the taller
    orientation of x; only s when not compute_uv. full_matrices completes u (or vh) with an
    orthonormal basis of the complement (QR), which carries no gradient."""
    x = _float_matrix(x, "svd", square=False)
    m, n = shape_of(x)[-2:]
    tall = _t(x) if m < n else x
    u, s, v = _tall_svd(tall)
    if not compute_uv:
        return s
    u = _complete(u, s, full_matrices)
    if m < n:
        u, v = v, u
    return u, s, _t(v)


def _check_rank2(x, name):
    if len(shape_of(x)) < 2:
        raise ValueError(f"Expected input to have rank >= 2. Received input with shape "
                         f"{shape_of(x)}.")


def _eps(x):
    return float(np.finfo(dtype_of(x)).eps)


def _reciprocal_above(s, cutoff):
    keep = s > cutoff
    return where(keep, divide(1.0, where(keep, s, 1.0)), 0.0)


def pinv(x, rcond=None):
    """V diag(1/s) Uᵀ over the singular values above rcond * s_max (JAX's default rcond:
    10 * max(m, n) * eps)."""
    x = _float_matrix(x, "pinv", square=False)
    m, n = shape_of(x)[-2:]
    rcond = 10.0 * max(m, n) * _eps(x) if rcond is None else rcond
    u, s, vh = svd(x, full_matrices=False)
    inv_s = _reciprocal_above(s, multiply(rcond, _max(s, axis=-1, keepdims=True)))
    return matmul(multiply(_t(vh), expand_dims(inv_s, -2)), _t(u))


def lstsq(a, b, rcond=None):
    """The minimum-norm least-squares solution of a x = b (a (m, n); b (m,) or (m, k)), from
    the SVD over the singular values >= rcond * s_max (JAX: rcond = eps * max(m, n))."""
    a = _float_matrix(a, "lstsq", square=False)
    b = convert(b)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) != 2:
        raise ValueError(f"Expected a to have rank 2. Received: a.shape={sa}")
    if len(sb) not in (1, 2):
        raise ValueError(f"Expected b to have rank 1 or 2. Received: b.shape={sb}")
    if sb[0] != sa[0]:
        raise ValueError("Expected b.shape[0] to be equal to a.shape[0]. "
                         f"Received: a.shape={sa}, b.shape={sb}")
    rcond = _eps(a) * max(sa) if rcond is None else rcond
    u, s, vh = svd(a, full_matrices=False)
    s_max = _max(s, axis=-1, keepdims=True)
    keep = (s > 0) & (s >= multiply(rcond, s_max))
    inv_s = where(keep, divide(1.0, where(keep, s, 1.0)), 0.0)
    ub = matmul(_t(u), cast(b, dtype_of(a)))
    scaled = multiply(ub, inv_s if len(sb) == 1 else expand_dims(inv_s, -1))
    return matmul(_t(vh), scaled)


def matrix_rank(x, tol=None):
    """The number of singular values above tol (absolute), by default
    s_max * max(m, n) * eps as JAX; int32."""
    x = _float_matrix(x, "matrix_rank", square=False)
    s = svd(x, compute_uv=False)
    if tol is None:
        tol = multiply(_max(s, axis=-1, keepdims=True), max(shape_of(x)[-2:]) * _eps(x))
    return cast(_sum(cast(s > tol, "int32"), axis=-1), "int32")


def eig(x):
    """General eigendecomposition: Keras returns complex eigenpairs, and fastkeras has no
    complex dtype."""
    _float_matrix(x, "eig")
    raise NotImplementedError(
        "eig: eigenvalues of a general matrix are complex and fastkeras has no complex "
        "dtype; use eigh for a symmetric matrix")
