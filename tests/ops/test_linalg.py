"""keras.ops linear algebra (fastkeras/ops/linalg.py, linalg_spectral.py) beyond the op
table: Keras's errors, singular inputs as Keras-JAX returns them (checked live with
keras 3.15.1 / jax 0.10), and the Jacobi iterations' accuracy at larger sizes.

Tolerances: float64 residuals are relative to the largest eigen/singular value and must be
below 1e-12 at n = 32 (measured ~1e-15); float32 ones below 2e-5 (measured ~3e-6 at n = 64)."""

import importlib

import numpy as np
import pytest

import fastkeras.ops as ops
from fastkeras.graph import Graph


linalg = importlib.import_module("fastkeras.ops.linalg")  # the module, not ops.linalg


def _sym(n, dtype, seed=0):
    a = np.random.default_rng(seed).normal(size=(n, n))
    return ((a + a.T) / 2).astype(dtype)


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "eig",
                                  "cholesky_inverse"])
def test_non_square_is_a_value_error(name):
    with pytest.raises(ValueError, match="square"):
        getattr(ops, name)(np.ones((2, 3), np.float32))


@pytest.mark.parametrize("name", ["inv", "svd", "qr", "pinv", "matrix_rank", "lu_factor"])
def test_rank_one_input_is_a_value_error(name):
    with pytest.raises(ValueError, match="rank >= 2"):
        getattr(ops, name)(np.ones(3, np.float32))


def test_argument_errors():
    with pytest.raises(ValueError, match="mode"):
        ops.qr(np.eye(2), mode="r")
    with pytest.raises(ValueError, match="incompatible shapes"):
        ops.solve(np.eye(3), np.ones(4))
    with pytest.raises(ValueError, match="rank 2"):
        ops.lstsq(np.ones((2, 3, 3)), np.ones(3))
    with pytest.raises(ValueError, match="b.shape\\[0\\]"):
        ops.lstsq(np.ones((3, 2)), np.ones(4))
    with pytest.raises(NotImplementedError, match="complex"):
        ops.eig(np.eye(2, dtype=np.float32))


def test_cholesky_of_a_matrix_not_positive_definite_raises_eagerly():
    with pytest.raises(ValueError, match="Cholesky decomposition failed"):
        ops.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]], np.float32))


def test_traced_size_limit():
    n = linalg.MAX_TRACED_SIZE + 1
    with Graph("too_big") as g:
        x = g.placeholder((n, n), "float32")
        with pytest.raises(NotImplementedError, match="traced"):
            ops.inv(x)


def test_singular_matrix_as_keras_jax():
    s = np.array([[1.0, 2.0], [2.0, 4.0]], np.float32)
    np.testing.assert_array_equal(ops.inv(s), [[-np.inf, np.inf], [np.inf, -np.inf]])
    np.testing.assert_array_equal(ops.solve(s, np.ones(2, np.float32)), [-np.inf, np.inf])
    assert ops.det(s) == 0.0
    sign, logabs = ops.slogdet(s)
    assert sign == 0.0 and logabs == -np.inf
    lu, piv = ops.lu_factor(np.zeros((3, 3), np.float32))
    np.testing.assert_array_equal(lu, np.zeros((3, 3)))
    np.testing.assert_array_equal(piv, [0, 1, 2])
    assert ops.matrix_rank(s) == 1 and ops.matrix_rank(np.zeros((2, 2))) == 0


def test_keras_jax_values_and_dtypes():
    # cholesky_inverse reads x as the (lower) Cholesky factor, as Keras-JAX does.
    np.testing.assert_allclose(
        ops.cholesky_inverse(np.array([[1.0, 2.0], [2.0, 1.0]], np.float32)),
        [[5.0, -2.0], [-2.0, 1.0]], rtol=1e-6)
    np.testing.assert_allclose(ops.slogdet(np.array([[0.0, 1.0], [1.0, 0.0]]))[0], -1.0)
    assert ops.inv(np.eye(2, dtype=np.int32)).dtype == np.float32
    assert ops.lu_factor(np.eye(2, dtype=np.int32))[1].dtype == np.int32
    assert ops.matrix_rank(np.eye(3)).dtype == np.int32
    # A non-symmetric input: eigh and cholesky read its symmetric part, as JAX.
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    np.testing.assert_allclose(ops.eigh(a)[0], [1.7928932, 3.2071068], rtol=1e-6)


def test_svd_shapes_and_rank_deficient_completion():
    for shape, full in [((5, 3), True), ((3, 5), True), ((5, 3), False), ((2, 4, 3), False)]:
        x = np.random.default_rng(1).normal(size=shape)
        u, s, vh = ops.svd(x, full_matrices=full)
        ref = np.linalg.svd(x, full_matrices=full)
        assert u.shape == ref[0].shape and vh.shape == ref[2].shape
        np.testing.assert_allclose(s, ref[1], rtol=1e-12)
        np.testing.assert_allclose(np.swapaxes(u, -1, -2) @ u,
                                   np.broadcast_to(np.eye(u.shape[-1]), s.shape[:-1] + (u.shape[-1],) * 2), atol=1e-12)
    u, s, vh = ops.svd(np.zeros((3, 2), np.float32))          # every singular value zero
    np.testing.assert_array_equal(s, [0.0, 0.0])
    np.testing.assert_allclose(u.T @ u, np.eye(3), atol=1e-6)
    assert ops.svd(np.ones((2, 3)), compute_uv=False).shape == (2,)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float32, 2e-5)])
def test_jacobi_residuals_at_n32(dtype, tol):
    a = _sym(32, dtype)
    w, v = ops.eigh(a)
    assert w.dtype == dtype and np.all(np.diff(w) >= 0)
    scale = np.abs(w).max()
    assert np.abs(a @ v - v * w).max() / scale < tol
    assert np.abs(v.T @ v - np.eye(32)).max() < 4 * tol
    np.testing.assert_allclose(w, np.linalg.eigvalsh(a.astype(np.float64)), atol=tol * scale)
    x = np.random.default_rng(2).normal(size=(34, 32)).astype(dtype)
    u, s, vh = ops.svd(x, full_matrices=False)
    assert np.all(np.diff(s) <= 0)
    assert np.abs((u * s) @ vh - x).max() / s[0] < tol
    np.testing.assert_allclose(s, np.linalg.svd(x.astype(np.float64), compute_uv=False),
                               atol=tol * s[0])


def test_keras_linalg_names_are_public_ops():
    for name in ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq",
                 "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve",
                 "solve_triangular", "svd", "slogdet", "logdet"]:
        assert name in ops.__all__, name
