"""Finds a CBLAS gemm in the process (NumPy's own OpenBLAS, or a system CBLAS) and exposes
it to njit code under fixed symbol names, so that the matmul kernel can call BLAS from
nopython mode without SciPy (which `np.dot` inside njit would need).

`INT_BITS` is 64 for an ILP64 interface (NumPy's scipy-openblas64_), 32 for LP64, or None
when no CBLAS was found (the matmul kernel then uses its own blocked loops). Setting
FASTKERAS_NUMBA_BLAS=0 forces the fallback.
"""

from __future__ import annotations

import ctypes
import glob
import os

import llvmlite.binding as llvm
import numpy as np

SGEMM = "fastkeras_numba_cblas_sgemm"
DGEMM = "fastkeras_numba_cblas_dgemm"

# (sgemm symbol, dgemm symbol, integer bits), most specific first.
_CANDIDATES = [
    ("scipy_cblas_sgemm64_", "scipy_cblas_dgemm64_", 64),
    ("cblas_sgemm64_", "cblas_dgemm64_", 64),
    ("scipy_cblas_sgemm", "scipy_cblas_dgemm", 32),
    ("cblas_sgemm", "cblas_dgemm", 32),
]


def _library_paths():
    """Shared libraries that may hold NumPy's BLAS: those already mapped into this process
    (NumPy loads its BLAS at import), then the wheels' bundled library folders."""
    paths = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if "/" in p and ("blas" in p.lower() or "mkl" in p.lower()) and p not in paths:
                    paths.append(p)
    except OSError:
        pass
    root = os.path.dirname(os.path.dirname(np.__file__))
    for pattern in ("numpy.libs/*blas*", "numpy/.dylibs/*blas*", "numpy.libs/*.dll"):
        paths += [p for p in sorted(glob.glob(os.path.join(root, pattern))) if p not in paths]
    return paths


def _find():
    if os.environ.get("FASTKERAS_NUMBA_BLAS", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    libs = []
    for p in _library_paths():
        try:
            libs.append(ctypes.CDLL(p))
        except OSError:
            pass
    try:
        libs.append(ctypes.CDLL(None))
    except (OSError, TypeError):
        pass
    for s_name, d_name, bits in _CANDIDATES:
        for lib in libs:
            try:
                s, d = getattr(lib, s_name), getattr(lib, d_name)
            except AttributeError:
                continue
            llvm.add_symbol(SGEMM, ctypes.cast(s, ctypes.c_void_p).value)
            llvm.add_symbol(DGEMM, ctypes.cast(d, ctypes.c_void_p).value)
            return bits, getattr(lib, "_name", None), s_name
    return None


_found = _find()
INT_BITS = _found[0] if _found else None
DESCRIPTION = (f"{_found[2]} from {_found[1]}" if _found else
               "none (blocked njit loops)")
