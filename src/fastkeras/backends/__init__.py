"""Backend selection. A backend is a module exposing:

  name                                  'cpu', 'numba', 'reference' (and later 'cuda')
  has_kernel(prim_name) -> bool
  run_op(prim, ins, outs, attrs, native)  eager: one primitive into preallocated outs
  executor(plan, state) -> object with .run(data_inputs, perm, row_start, n_steps, data_outputs)
and optionally, to run small models' train steps data-parallel (trainers/sharding.py):
  supports_sharding = True
  sharded_executor(plan, state, shards, pure_end, effect_kinds) -> the same kind of object

The active backend comes from `set_backend()`, else the FASTKERAS_BACKEND environment
variable, else 'cpu' when the native module is built, else 'numba' when the optional extra is
installed, else 'reference' (each fallback said once, with how to get the fast backend).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import warnings

BACKENDS = ("cpu", "cuda", "numba", "reference")

_active = None
_modules = {}


def _load(name):
    if name not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}; expected one of {BACKENDS}")
    if name not in _modules:
        module = importlib.import_module(f"{__name__}.{name}_backend" if name in ("cpu", "cuda")
                                         else f"{__name__}.{name}")
        _modules[name] = module
    return _modules[name]


def available(name) -> bool:
    if name == "reference":
        return True
    if name == "numba":  # the optional extra fastkeras[numba]
        try:
            return importlib.util.find_spec("numba") is not None
        except (ImportError, ValueError):  # blocked, or a broken install
            return False
    try:
        return _load(name).available()
    except ImportError:
        return False


def unavailable_reason(name) -> str | None:
    if available(name):
        return None
    if name == "numba":
        return "numba is not installed"
    return _load(name).unavailable_reason()


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask), counted as the cpu backend's thread
    pool counts them."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def available_backends():
    return [b for b in BACKENDS if available(b)]


def set_backend(name):
    global _active
    reason = unavailable_reason(name) if name in BACKENDS else None
    if name not in BACKENDS:
        raise ValueError(f"Unknown backend {name!r}; expected one of {BACKENDS}")
    if reason:
        raise RuntimeError(f"Backend {name!r} is not available: {reason}")
    _active = _load(name)
    return _active


def _default():
    env = os.environ.get("FASTKERAS_BACKEND")
    if env:
        return set_backend(env.strip().lower())
    if available("cpu"):
        return set_backend("cpu")
    why = f"the native CPU module (fastkeras._cpu) could not be imported " \
          f"({_load('cpu').unavailable_reason()})"
    if available("numba"):
        warnings.warn(f"fastkeras: {why}; running on the slower Numba backend.",
                      RuntimeWarning, stacklevel=3)
        return set_backend("numba")
    warnings.warn(f"fastkeras: {why} and numba is not installed; running on the NumPy "
                  "reference backend, which is slow. For a fast one, reinstall with a C++17 "
                  "compiler present (`pip install fastkeras`), or `pip install "
                  "\"fastkeras[numba]\"`.", RuntimeWarning, stacklevel=3)
    return set_backend("reference")


def get_backend():
    global _active
    if _active is None:
        _active = _default()
    return _active


def get(name):
    """The backend module `name` (must be available)."""
    if not available(name):
        raise RuntimeError(f"Backend {name!r} is not available: {unavailable_reason(name)}")
    return _load(name)
