"""The Numba backend: every primitive as an njit kernel, run by the Python executor.

Importing this package does not import Numba (that would slow down `import fastkeras`):
the kernel modules, which do, load on the first `kernel_for`, `has_kernel` or `run_op`.
A kernel is `fn(prim, ins, outs, attrs, native)`; it writes into the preallocated,
C-contiguous `outs`, or updates `ins` in place for effect primitives. Compiled code is
cached on disk (`cache=True`), so only the first run on a machine pays for compilation.
"""

from __future__ import annotations

from ..python_executor import PythonExecutor

name = "numba"

_TABLE = None


def _table() -> dict:
    global _TABLE
    if _TABLE is None:
        from . import (elementwise, fused, losses, nn, pooling, program, random, recurrent,
                       reduce, shape, sorting, updates, windows)
        table = {}
        for module in (elementwise, nn, reduce, shape, losses, updates, fused, program, random,
                       pooling, recurrent, windows, sorting):
            table.update(module.KERNELS)
        _TABLE = table
    return _TABLE


def kernel_for(prim):
    try:
        return _table()[prim.name]
    except KeyError:
        raise NotImplementedError(f"The numba backend has no kernel for primitive "
                                  f"{prim.name!r}") from None


def has_kernel(prim_name: str) -> bool:
    return prim_name in _table()


def run_op(prim, ins, outs, attrs, native):
    kernel_for(prim)(prim, ins, outs, attrs, native)


def executor(plan, state):
    return PythonExecutor(plan, state, kernel_for)


def blas() -> str:
    """Which BLAS the matmul kernel calls (for fastkeras.config.info())."""
    from . import _blas
    return _blas.DESCRIPTION
