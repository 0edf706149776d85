"""The reference backend: every primitive's NumPy oracle, run by the Python executor.

Slow and obviously right; the tests hold every other backend to it."""

from __future__ import annotations

import numpy as np

from .python_executor import PythonExecutor

name = "reference"


def _reference_kernel(prim, ins, outs, attrs, native):
    result = prim.reference(*ins, **attrs)
    if prim.effect:
        return
    if not isinstance(result, tuple):
        result = (result,)
    for out, r in zip(outs, result):
        np.copyto(out, r, casting="unsafe")


def kernel_for(prim):
    return _reference_kernel


def has_kernel(prim_name: str) -> bool:
    return True


def run_op(prim, ins, outs, attrs, native):
    _reference_kernel(prim, ins, outs, attrs, native)


def executor(plan, state):
    return PythonExecutor(plan, state, kernel_for)
