"""Configuration (keras.config plus fastkeras's backend selection and build report)."""

from __future__ import annotations

import platform

from . import backends
# One number for every backend: the references' clip (and the C++ kernels', checked by test).
from .graph.primitives.losses import EPSILON as _EPSILON
_FLOATX = "float32"


def epsilon():
    return _EPSILON


def floatx():
    return _FLOATX


def image_data_format():
    """The default `data_format` of convolution, pooling and shape layers."""
    from .ops.conv import IMAGE_DATA_FORMAT
    return IMAGE_DATA_FORMAT[0]


def set_image_data_format(data_format):
    from .ops.conv import IMAGE_DATA_FORMAT
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={value}")
    IMAGE_DATA_FORMAT[0] = value


def set_backend(name):
    """Selects the executor: 'cpu', 'numba' or 'reference' (and 'cuda' when it exists)."""
    backends.set_backend(name)


def backend():
    """The name of the active fastkeras backend."""
    return backends.get_backend().name


def set_num_threads(n):
    """Threads the cpu backend's kernels may use (default: all cores, or the
    FASTKERAS_NUM_THREADS environment variable). Results do not depend on it: work is split
    so that no reduction is divided between threads."""
    from .backends import cpu_backend
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= cpu_backend.MAX_THREADS:
        raise ValueError(f"set_num_threads expects an integer from 1 to "
                         f"{cpu_backend.MAX_THREADS}, received: {n!r}")
    if cpu_backend.available():
        cpu_backend._cpu.set_num_threads(n)


def get_num_threads() -> int:
    from .backends import cpu_backend
    return cpu_backend._cpu.get_num_threads() if cpu_backend.available() else 1


def enable_unsafe_deserialization():
    """Later loads accept what safe mode refuses (a Lambda's bytecode); a load already in
    progress keeps its mode (saving/serialization_lib.py)."""
    from .saving.serialization_lib import enable_unsafe_deserialization as enable
    enable()


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
        "cpu_threads": get_num_threads(),
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
