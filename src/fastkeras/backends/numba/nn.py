"""Linear algebra and normalised activations: matmul, bias_add, softmax, log_softmax and
their gradient helpers.

matmul calls CBLAS gemm from njit code (NumPy's bundled OpenBLAS, found by `_blas`), with
the transposes passed to gemm rather than materialised; without a CBLAS it runs blocked
njit loops. Softmax-family kernels work on the (outer, n, inner) form of the operand, row
sums accumulated in float64."""

from __future__ import annotations

import numpy as np
from numba import types

from . import _blas
from ._common import contiguous, copy_into, get_attr, jit, normalize_axis, split3, zero_fill

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _gemm_type(int_type, float_type):
    p = types.uintp
    return types.void(types.int32, types.int32, types.int32, int_type, int_type, int_type,
                      float_type, p, int_type, p, int_type, float_type, p, int_type)


_sgemm_i64 = types.ExternalFunction(_blas.SGEMM, _gemm_type(types.int64, types.float32))
_dgemm_i64 = types.ExternalFunction(_blas.DGEMM, _gemm_type(types.int64, types.float64))
_sgemm_i32 = types.ExternalFunction(_blas.SGEMM, _gemm_type(types.int32, types.float32))
_dgemm_i32 = types.ExternalFunction(_blas.DGEMM, _gemm_type(types.int32, types.float64))


# One njit function per (precision, BLAS integer width): the symbol's ABI is fixed per
# function, so a cached compilation can never be reused with the wrong interface.
@jit
def _blas_s64(ta, tb, m, n, k, a, lda, b, ldb, c):
    _sgemm_i64(np.int32(_ROW_MAJOR), np.int32(_TRANS if ta else _NO_TRANS),
               np.int32(_TRANS if tb else _NO_TRANS), m, n, k, np.float32(1.0), a.ctypes.data,
               lda, b.ctypes.data, ldb, np.float32(0.0), c.ctypes.data, n)


@jit
def _blas_d64(ta, tb, m, n, k, a, lda, b, ldb, c):
    _dgemm_i64(np.int32(_ROW_MAJOR), np.int32(_TRANS if ta else _NO_TRANS),
               np.int32(_TRANS if tb else _NO_TRANS), m, n, k, 1.0, a.ctypes.data,
               lda, b.ctypes.data, ldb, 0.0, c.ctypes.data, n)


@jit
def _blas_s32(ta, tb, m, n, k, a, lda, b, ldb, c):
    _sgemm_i32(np.int32(_ROW_MAJOR), np.int32(_TRANS if ta else _NO_TRANS),
               np.int32(_TRANS if tb else _NO_TRANS), np.int32(m), np.int32(n), np.int32(k),
               np.float32(1.0), a.ctypes.data, np.int32(lda), b.ctypes.data, np.int32(ldb),
               np.float32(0.0), c.ctypes.data, np.int32(n))


@jit
def _blas_d32(ta, tb, m, n, k, a, lda, b, ldb, c):
    _dgemm_i32(np.int32(_ROW_MAJOR), np.int32(_TRANS if ta else _NO_TRANS),
               np.int32(_TRANS if tb else _NO_TRANS), np.int32(m), np.int32(n), np.int32(k),
               1.0, a.ctypes.data, np.int32(lda), b.ctypes.data, np.int32(ldb),
               0.0, c.ctypes.data, np.int32(n))


_BLAS = {64: {np.dtype(np.float32): _blas_s64, np.dtype(np.float64): _blas_d64},
         32: {np.dtype(np.float32): _blas_s32, np.dtype(np.float64): _blas_d32},
         }.get(_blas.INT_BITS, {})


@jit
def _gemm_loops(a, b, c, m, n, k):
    """c = a @ b for flat C-ordered a (m, k), b (k, n), c (m, n): blocked over k and n,
    four rows of c per pass over a row of b. Each c element sums k in increasing order."""
    zero = c.dtype.type(0)
    for i in range(m * n):
        c[i] = zero
    kb = 256
    nb = 1024
    for p0 in range(0, k, kb):
        p1 = min(p0 + kb, k)
        for j0 in range(0, n, nb):
            j1 = min(j0 + nb, n)
            w = j1 - j0
            i = 0
            while i + 4 <= m:
                r0 = c[i * n + j0:i * n + j1]
                r1 = c[(i + 1) * n + j0:(i + 1) * n + j1]
                r2 = c[(i + 2) * n + j0:(i + 2) * n + j1]
                r3 = c[(i + 3) * n + j0:(i + 3) * n + j1]
                for p in range(p0, p1):
                    a0 = a[i * k + p]
                    a1 = a[(i + 1) * k + p]
                    a2 = a[(i + 2) * k + p]
                    a3 = a[(i + 3) * k + p]
                    br = b[p * n + j0:p * n + j1]
                    for j in range(w):
                        bv = br[j]
                        r0[j] += a0 * bv
                        r1[j] += a1 * bv
                        r2[j] += a2 * bv
                        r3[j] += a3 * bv
                i += 4
            while i < m:
                r0 = c[i * n + j0:i * n + j1]
                for p in range(p0, p1):
                    a0 = a[i * k + p]
                    br = b[p * n + j0:p * n + j1]
                    for j in range(w):
                        r0[j] += a0 * br[j]
                i += 1


def _as_c(x, transposed):
    """(C-contiguous array, transposed flag) describing the same operand, avoiding a copy
    when x is a Fortran-ordered view (e.g. y.T)."""
    if x.flags.c_contiguous:
        return x, transposed
    if x.flags.f_contiguous:
        return x.T, not transposed
    return contiguous(x), transposed


def _explicit(x, transposed):
    if not transposed:
        return x
    t = np.empty(x.shape[::-1], x.dtype)
    copy_into(x.T, t)
    return t


def matmul_kernel(prim, ins, outs, attrs, native):
    a, ta = _as_c(ins[0], bool(get_attr(prim, attrs, "transpose_a")))
    b, tb = _as_c(ins[1], bool(get_attr(prim, attrs, "transpose_b")))
    out = outs[0]
    m, n = out.shape
    k = a.shape[0] if ta else a.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:
        zero_fill(out)
        return
    fn = _BLAS.get(out.dtype)
    if fn is not None and out.flags.c_contiguous:
        fn(ta, tb, m, n, k, a, a.shape[1], b, b.shape[1], out)
        return
    a, b = _explicit(a, ta), _explicit(b, tb)
    if a.dtype != out.dtype or b.dtype != out.dtype:
        raise TypeError(f"matmul: operands {a.dtype}, {b.dtype} do not match output {out.dtype}")
    c = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    _gemm_loops(a.reshape(-1), b.reshape(-1), c.reshape(-1), m, n, k)
    if c is not out:
        copy_into(c, out)


def batch_matmul_kernel(prim, ins, outs, attrs, native):
    """matmul_kernel on each batch item's 2-D views."""
    a, b, out = ins[0], ins[1], outs[0]
    view = {"transpose_a": bool(get_attr(prim, attrs, "transpose_a")),
            "transpose_b": bool(get_attr(prim, attrs, "transpose_b"))}
    for i in range(out.shape[0]):
        matmul_kernel(prim, [a[i], b[i]], [out[i]], view, native)


@jit
def _bias_add(x, b, out, rows, n):
    for r in range(rows):
        xr = x[r * n:(r + 1) * n]
        orow = out[r * n:(r + 1) * n]
        for j in range(n):
            orow[j] = xr[j] + b[j]


def bias_add_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    if out.size:
        n = out.shape[-1]
        _bias_add(contiguous(ins[0]).reshape(-1), contiguous(ins[1]), out.reshape(-1),
                  out.size // n, n)


SOFTMAX, LOG_SOFTMAX, SOFTMAX_GRAD, LOG_SOFTMAX_GRAD = range(4)
_NORM = {"softmax": SOFTMAX, "log_softmax": LOG_SOFTMAX, "softmax_grad": SOFTMAX_GRAD,
         "log_softmax_grad": LOG_SOFTMAX_GRAD}


@jit
def _normalised(op, x, g, out, outer, n, inner):
    """Along the middle axis of (outer, n, inner):
      softmax:           out = exp(x - max) / sum(exp(x - max))
      log_softmax:       out = (x - max) - log(sum(exp(x - max)))
      softmax_grad:      out = y * (g - sum(g * y))        (x is y = softmax)
      log_softmax_grad:  out = g - exp(y) * sum(g)         (x is y = log_softmax)"""
    for o in range(outer):
        for i in range(inner):
            base = o * n * inner + i
            if op == SOFTMAX or op == LOG_SOFTMAX:
                m = x[base]
                for k in range(1, n):
                    v = x[base + k * inner]
                    if v > m or v != v:
                        if m == m:
                            m = v
                s = 0.0
                if op == SOFTMAX:
                    for k in range(n):
                        e = np.exp(x[base + k * inner] - m)
                        out[base + k * inner] = e
                        s += e
                    for k in range(n):
                        out[base + k * inner] = out[base + k * inner] / s
                else:
                    for k in range(n):
                        s += np.exp(x[base + k * inner] - m)
                    lse = np.log(s)
                    for k in range(n):
                        out[base + k * inner] = (x[base + k * inner] - m) - lse
            elif op == SOFTMAX_GRAD:
                s = 0.0
                for k in range(n):
                    s += g[base + k * inner] * x[base + k * inner]
                for k in range(n):
                    out[base + k * inner] = x[base + k * inner] * (g[base + k * inner] - s)
            else:
                s = 0.0
                for k in range(n):
                    s += g[base + k * inner]
                for k in range(n):
                    out[base + k * inner] = g[base + k * inner] - np.exp(x[base + k * inner]) * s


def normalised_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    if out.size == 0:
        return
    axis = normalize_axis(get_attr(prim, attrs, "axis"), out.ndim)
    outer, n, inner = split3(out.shape, axis)
    x = contiguous(ins[0]).reshape(-1)
    g = contiguous(ins[1]).reshape(-1) if len(ins) > 1 else x
    _normalised(_NORM[prim.name], x, g, out.reshape(-1), outer, n, inner)


KERNELS = {"matmul": matmul_kernel, "batch_matmul": batch_matmul_kernel,
           "bias_add": bias_add_kernel}
KERNELS.update({n: normalised_kernel for n in _NORM})
