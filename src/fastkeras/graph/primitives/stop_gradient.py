"""stop_gradient: the identity for values, a constant for the gradient (keras.ops.stop_gradient).

It has no VJP, so autodiff (graph/autodiff.py) sends its input no cotangent from this use:
what it reads is a constant of everything downstream. It exists only until planning:
graph/lowering.py points its readers at its input (`lowered=True`), so no backend has or
needs a kernel; an eager call (or a graph evaluated node by node) interprets it as a copy
of the input. Any dtype passes through unchanged."""

from __future__ import annotations

import numpy as np

from ..primitive import Primitive, register


def _rule(specs, attrs):
    if len(specs) != 1:
        raise ValueError(f"stop_gradient: expected 1 input, got {len(specs)}")
    return [specs[0]]


def _copy(x):
    # A copy, not the array itself: a Variable's value is updated in place later.
    return np.array(x, copy=True)


register(Primitive(
    "stop_gradient", _rule, _copy, rows="elementwise", lowered=True,
    interpret=lambda ins, attrs, backend: [_copy(ins[0])],
    doc="the input's value, with no gradient flowing back to it (keras.ops.stop_gradient)"))
