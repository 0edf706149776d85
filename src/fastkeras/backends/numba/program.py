"""elementwise_program (graph/primitives/program.py) on the numba backend: the program's
instructions run one after another, each through the numba kernel of its own primitive, on
whole arrays. Same numbers as the unfused chain; the one-pass block loop is the cpu
backend's (csrc/kernels/program.cpp)."""

from __future__ import annotations

import numpy as np

from ...graph.primitive import PRIMITIVES
from ...graph.primitives._rules import broadcast_shapes
from ...graph.primitives.program import CONST, column_sums, interpret


def _apply(op, args, dtype):
    if op == CONST:
        return np.asarray(args[0], dtype=dtype)
    from . import kernel_for
    prim = PRIMITIVES[op]
    out = np.empty(broadcast_shapes(*(a.shape for a in args)), dtype=dtype)
    attrs = {"dtype": dtype} if "dtype" in prim.attr_defaults else {}
    kernel_for(prim)(prim, [np.ascontiguousarray(a) for a in args], [out], attrs, ((), ()))
    return out


def _sum(value, axes):
    from . import kernel_for
    prim = PRIMITIVES["sum"]
    out = np.empty(value.shape[-1:], dtype=value.dtype)
    kernel_for(prim)(prim, [value], [out], {"axes": axes, "keepdims": False}, ((), ()))
    return out


def program_kernel(prim, ins, outs, attrs, native):
    n_stored = len(attrs["outputs"])
    values = interpret(attrs["program"], tuple(attrs["outputs"]) + tuple(attrs["sums"]), ins,
                       _apply)
    values = values[:n_stored] + column_sums(values[n_stored:], attrs["shape"], _sum)
    for out, value in zip(outs, values):
        np.copyto(out, value)


KERNELS = {"elementwise_program": program_kernel}
