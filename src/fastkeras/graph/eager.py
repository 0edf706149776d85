"""Eager execution: one primitive on arrays, through the active backend's kernels."""

from __future__ import annotations

import numpy as np

from .. import backends
from .primitive import canonical_attrs


def run_eager(prim, arrays, attrs, backend=None):
    """Runs `prim` on NumPy arrays and returns its outputs as a list of new arrays
    (effect primitives mutate their first inputs and return an empty list)."""
    backend = backend or backends.get_backend()
    attrs = canonical_attrs(prim, attrs)
    specs = [(tuple(a.shape), a.dtype.name) for a in arrays]
    out_specs = prim.shape_rule(specs, attrs)
    if prim.lowered:  # no kernel: its own interpreter over this backend's kernels
        return [np.asarray(o) for o in prim.interpret(arrays, attrs, backend)]
    outs = [np.empty(shape, dtype) for shape, dtype in out_specs]
    native = prim.native_attrs(attrs, specs)
    backend.run_op(prim, arrays, outs, attrs, native)
    return outs
