"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/linalg.py and
linalg_spectral.py. Inputs are well conditioned (condition numbers below ~10) so float32
results stay within the table's rtol 2e-6 / atol 1e-6 of the float64 NumPy references.
Multiple-output ops get one line per output. eigh and svd vectors are checked through
sign-free quantities (squares, reconstructions); tests/ops/test_linalg.py has the
tolerance-specific and edge-case tests."""

import numpy as np

_rng = np.random.default_rng(66)


def _general(n, batch=()):
    """Well-conditioned matrices whose rows are shuffled, so partial pivoting must swap."""
    a = _rng.uniform(-1, 1, size=batch + (n, n)) + 3 * np.eye(n)
    return np.ascontiguousarray(a[..., _rng.permutation(n), :])  # gradcheck perturbs in place


def _spd(n, batch=()):
    a = _rng.uniform(-1, 1, size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _spread_symmetric(n):
    """Symmetric with eigenvalues 1..n (well separated)."""
    q, _ = np.linalg.qr(_rng.normal(size=(n, n)))
    return (q * np.arange(1.0, n + 1)) @ q.T


def _spread(m, n):
    """(m, n) with singular values 1..min(m, n)."""
    k = min(m, n)
    u, _ = np.linalg.qr(_rng.normal(size=(m, k)))
    v, _ = np.linalg.qr(_rng.normal(size=(n, k)))
    return (u * np.arange(k, 0.0, -1)) @ v.T


def _lower(n):
    return np.tril(_rng.uniform(-1, 1, size=(n, n))) + 2 * np.eye(n)


def _f64(x):
    return np.asarray(x, np.float64)


def _lu_ref(a):
    """getf2: partial pivoting with whole-row swaps, multipliers below the diagonal."""
    a = _f64(a).copy()
    m, n = a.shape
    pivots = []
    for k in range(min(m, n)):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        pivots.append(p)
        a[[k, p]] = a[[p, k]]
        if a[k, k] != 0:
            a[k + 1:, k] /= a[k, k]
        a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return a, np.array(pivots, np.int32)


def _eig_refused(o, x):
    """x itself when eig refuses (NotImplementedError), which is what the line checks."""
    try:
        o.eig(x)
    except NotImplementedError:
        return x
    return x + 1.0


_SPD3, _GEN3, _GEN4 = _spd(3), _general(3), _general(4)
_SYM4, _TALL, _WIDE = _spread_symmetric(4), _spread(5, 3), _spread(3, 4)
_B3 = _rng.uniform(-1, 1, size=(3, 2))
_L3 = _lower(3)

TABLE = {
    # LU family
    "lu_factor": (lambda o, a: o.lu_factor(a)[0], lambda a: _lu_ref(a)[0], [_GEN4], True),
    "lu_factor[pivots]": (lambda o, a: o.lu_factor(a)[1], lambda a: _lu_ref(a)[1], [_GEN4],
                          False),
    "lu_factor[wide]": (lambda o, a: o.lu_factor(a)[0], lambda a: _lu_ref(a)[0],
                        [_rng.uniform(-1, 1, size=(3, 4))], True),
    "inv": (lambda o, a: o.inv(a), lambda a: np.linalg.inv(_f64(a)), [_GEN3], True),
    "inv[batched]": (lambda o, a: o.inv(a), lambda a: np.linalg.inv(_f64(a)),
                     [_general(3, (2,))], True),
    "solve": (lambda o, a, b: o.solve(a, b), lambda a, b: np.linalg.solve(_f64(a), _f64(b)),
              [_GEN3, _B3], True),
    "solve[vector]": (lambda o, a, b: o.solve(a, b),
                      lambda a, b: np.linalg.solve(_f64(a), _f64(b)),
                      [_GEN4, _rng.uniform(-1, 1, size=4)], True),
    "solve[broadcast]": (lambda o, a, b: o.solve(a, b),
                         lambda a, b: np.linalg.solve(_f64(a), _f64(b)),
                         [_general(3, (2,)), _B3], True),
    "det": (lambda o, a: o.det(a), lambda a: np.linalg.det(_f64(a)), [_GEN4], True),
    "det[batched]": (lambda o, a: o.det(a), lambda a: np.linalg.det(_f64(a)),
                     [_general(3, (2, 2))], True),
    "slogdet": (lambda o, a: o.slogdet(a)[1], lambda a: np.linalg.slogdet(_f64(a))[1],
                [_GEN4], True),
    "slogdet[sign]": (lambda o, a: o.slogdet(a)[0], lambda a: np.linalg.slogdet(_f64(a))[0],
                      [_general(3, (3,))], False),
    "logdet": (lambda o, a: o.logdet(a), lambda a: np.linalg.slogdet(_f64(a))[1], [_SPD3],
               True),
    # Cholesky and triangular systems
    "cholesky": (lambda o, a: o.cholesky(a), lambda a: np.linalg.cholesky(_f64(a)), [_SPD3],
                 True),
    "cholesky[upper_batched]": (lambda o, a: o.cholesky(a, upper=True),
                                lambda a: np.swapaxes(np.linalg.cholesky(_f64(a)), -1, -2),
                                [_spd(3, (2,))], True),
    "cholesky_inverse": (lambda o, f: o.cholesky_inverse(f),
                         lambda f: np.linalg.inv(np.tril(_f64(f)) @ np.tril(_f64(f)).T),
                         [_L3], True),
    "cholesky_inverse[upper]": (lambda o, f: o.cholesky_inverse(f, upper=True),
                                lambda f: np.linalg.inv(np.triu(_f64(f)).T @ np.triu(_f64(f))),
                                [_L3.T + np.tril(_rng.uniform(-1, 1, (3, 3)), -1)], True),
    "solve_triangular": (lambda o, a, b: o.solve_triangular(a, b),
                         lambda a, b: np.linalg.solve(np.triu(_f64(a)), _f64(b)),
                         [_L3.T + np.tril(_rng.uniform(-1, 1, (3, 3)), -1), _B3], True),
    "solve_triangular[lower_vector]": (
        lambda o, a, b: o.solve_triangular(a, b, lower=True),
        lambda a, b: np.linalg.solve(np.tril(_f64(a)), _f64(b)),
        [_L3 + np.triu(_rng.uniform(-1, 1, (3, 3)), 1), _rng.uniform(-1, 1, 3)], True),
    # QR (Householder with LAPACK's signs: the factors themselves are compared)
    "qr": (lambda o, a: o.qr(a)[0], lambda a: np.linalg.qr(_f64(a))[0], [_TALL], True),
    "qr[r]": (lambda o, a: o.qr(a)[1], lambda a: np.linalg.qr(_f64(a))[1], [_TALL], True),
    "qr[complete]": (lambda o, a: o.qr(a, mode="complete")[0],
                     lambda a: np.linalg.qr(_f64(a), mode="complete")[0], [_TALL], False),
    "qr[wide_r]": (lambda o, a: o.qr(a)[1], lambda a: np.linalg.qr(_f64(a))[1], [_WIDE], True),
    # eigh / svd: values, and sign-free functions of the vectors
    "eigh": (lambda o, a: o.eigh(a)[0], lambda a: np.linalg.eigh(_f64(a))[0], [_SYM4], True),
    "eigh[vectors_squared]": (lambda o, a: o.eigh(a)[1] ** 2,
                              lambda a: np.linalg.eigh(_f64(a))[1] ** 2, [_SYM4], True),
    "svd": (lambda o, a: o.svd(a, compute_uv=False),
            lambda a: np.linalg.svd(_f64(a), compute_uv=False), [_TALL], True),
    "svd[u_squared]": (lambda o, a: o.svd(a, full_matrices=False)[0] ** 2,
                       lambda a: np.linalg.svd(_f64(a), full_matrices=False)[0] ** 2,
                       [_TALL], True),
    "svd[vh_squared_wide]": (lambda o, a: o.svd(a)[2][:3] ** 2,
                             lambda a: np.linalg.svd(_f64(a))[2][:3] ** 2, [_WIDE], True),
    "svd[reconstruction]": (
        lambda o, a: (lambda u, s, vh: (u * s[None, :]) @ vh)(*o.svd(a, full_matrices=False)),
        _f64, [_WIDE], True),
    "pinv": (lambda o, a: o.pinv(a), lambda a: np.linalg.pinv(_f64(a)), [_TALL], True),
    "lstsq": (lambda o, a, b: o.lstsq(a, b),
              lambda a, b: np.linalg.lstsq(_f64(a), _f64(b), rcond=None)[0],
              [_TALL, _rng.uniform(-1, 1, size=(5, 2))], True),
    "lstsq[vector_wide]": (lambda o, a, b: o.lstsq(a, b),
                           lambda a, b: np.linalg.lstsq(_f64(a), _f64(b), rcond=None)[0],
                           [_WIDE, _rng.uniform(-1, 1, size=3)], False),  # grad: lstsq
    "matrix_rank": (lambda o, a: o.matrix_rank(a),
                    lambda a: np.linalg.matrix_rank(_f64(a)).astype(np.int32),
                    [np.stack([_TALL, _TALL @ np.diag([1.0, 1.0, 0.0])])], False),
    "eig": (_eig_refused, lambda x: x, [_GEN3], False),
}
