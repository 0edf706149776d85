"""Configuration (keras.config plus fastkeras's backend selection and build report)."""

from __future__ import annotations

import os
import platform
import warnings

from . import backends
# One number for every backend: the references' clip (and the C++ kernels', checked by test).
from .graph.primitives.losses import EPSILON as _EPSILON
_FLOATX = "float32"


# keras.config's debugging caps and flags (Keras reads the caps from these variables too).
_MAX_EPOCHS = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_MAX_STEPS_PER_EPOCH = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None)
_FLAGS = {"interactive_logging": True, "traceback_filtering": True, "flash_attention": None}


def epsilon():
    return _EPSILON


def set_epsilon(value):
    """Only the built-in value: the clip epsilon is compiled into the loss kernels, so
    another value could not reach them."""
    if value != _EPSILON:
        raise NotImplementedError(f"set_epsilon: fastkeras's losses clip with epsilon="
                                  f"{_EPSILON}, which is built into its kernels; other values "
                                  f"are not supported. Received: {value!r}")


def floatx():
    return _FLOATX


def set_floatx(value):
    """Only 'float32': fastkeras's kernels compute in float32."""
    accepted = {"bfloat16", "float16", "float32", "float64"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {accepted}")
    if value != _FLOATX:
        raise NotImplementedError(f"set_floatx({value!r}) is not supported by fastkeras: its "
                                  "kernels compute in 'float32', the only supported floatx.")


def dtype_policy():
    """The global DTypePolicy (always 'float32' in fastkeras)."""
    from .dtype_policies import dtype_policy as current
    return current()


def set_dtype_policy(policy):
    from .dtype_policies import set_dtype_policy as set_policy
    set_policy(policy)


def max_epochs():
    """The cap on fit()'s `epochs` (None: no cap)."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs):
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_steps_per_epoch():
    """The cap on the steps of an epoch of fit, evaluate and predict (None: no cap)."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch):
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


def capped_steps(steps):
    """An epoch's steps under the max_steps_per_epoch cap, as Keras's EpochIterator applies it
    (before the batch size of arrays is derived from the steps), warning when it applies."""
    cap = _MAX_STEPS_PER_EPOCH
    if cap and (not steps or cap < steps):
        warnings.warn(f"Limiting steps_per_epoch to {cap}")
        return cap
    return steps


def capped_epochs(epochs):
    """fit()'s epochs under the max_epochs cap, warning as Keras does when it applies."""
    if _MAX_EPOCHS and _MAX_EPOCHS < epochs:
        warnings.warn(f"Limiting epochs to {_MAX_EPOCHS}")
        return _MAX_EPOCHS
    return epochs


# Flags Keras scripts toggle; fastkeras keeps them (its progress bars print either way and it
# filters no tracebacks; it has no flash attention).
def enable_interactive_logging():
    _FLAGS["interactive_logging"] = True


def disable_interactive_logging():
    _FLAGS["interactive_logging"] = False


def is_interactive_logging_enabled():
    return _FLAGS["interactive_logging"]


def enable_traceback_filtering():
    _FLAGS["traceback_filtering"] = True


def disable_traceback_filtering():
    _FLAGS["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    return _FLAGS["traceback_filtering"]


def enable_flash_attention():
    _FLAGS["flash_attention"] = None  # Keras's "enabled": None, meaning "where possible"


def disable_flash_attention():
    _FLAGS["flash_attention"] = False


def is_flash_attention_enabled():
    """Keras's flag (None: enabled where possible); fastkeras has no flash attention."""
    return _FLAGS["flash_attention"]


def is_nnx_enabled():
    return False  # a JAX (Flax NNX) feature


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
