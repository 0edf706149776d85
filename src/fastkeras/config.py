"""Configuration (keras.config plus fastkeras's backend selection and build report)."""

from __future__ import annotations

import platform

from . import backends

_EPSILON = 1e-7
_FLOATX = "float32"


def epsilon():
    return _EPSILON


def floatx():
    return _FLOATX


def set_backend(name):
    """Selects the executor: 'cpu', 'numba' or 'reference' (and 'cuda' when it exists)."""
    backends.set_backend(name)


def backend():
    """The name of the active fastkeras backend."""
    return backends.get_backend().name


def info() -> dict:
    """What was built, what hardware was found and what is running."""
    from .backends import cpu_backend, cuda_backend
    cpu = cpu_backend.info()
    return {
        "version": __import__("fastkeras").__version__,
        "active_backend": backend(),
        "available_backends": backends.available_backends(),
        "cpu_module_built": cpu_backend.available(),
        "cpu_module_error": cpu_backend.unavailable_reason(),
        "cpu_features": {k: cpu.get(k) for k in ("avx512f", "avx2", "fma")} if cpu else None,
        "cpu_kernel_path": cpu.get("gemm_path") if cpu else None,
        "compiler": cpu.get("compiler") if cpu else None,
        "cuda_module_built": cuda_backend.built(),
        "cuda_devices": cuda_backend.devices(),
        "cuda_status": cuda_backend.unavailable_reason(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


def print_info():
    for key, value in info().items():
        print(f"{key:>20}: {value}")
