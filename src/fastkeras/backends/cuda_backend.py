"""The cuda backend: fastkeras._cuda, built whenever nvcc is found. This version only
discovers devices; its kernels come with the CUDA issue, so it cannot be selected yet."""

from __future__ import annotations

name = "cuda"

try:
    from .. import _cuda
    _error = None
except ImportError as e:
    _cuda = None
    _error = str(e)


def built() -> bool:
    return _cuda is not None


def devices() -> list:
    if _cuda is None:
        return []
    return [_cuda.device_name(i) for i in range(_cuda.device_count())]


def available() -> bool:
    return False


def unavailable_reason() -> str:
    if _cuda is None:
        return f"fastkeras._cuda is not built ({_error})"
    if not devices():
        return "no CUDA device was found"
    return "the CUDA kernels are not implemented yet (the module only probes devices)"


def has_kernel(prim_name: str) -> bool:
    return False
