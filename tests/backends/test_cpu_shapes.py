"""The C++ kernels check operand shapes: every primitive's sample call is repeated with one
operand made one element longer or shorter on one axis, every operand placed between guard
bytes. The kernel must raise, or run without writing outside its operands (a kernel that
trusted the shapes wrote past a too-small output)."""

import numpy as np
import pytest

from fastkeras.graph import PRIMITIVES
from fastkeras.graph.primitive import canonical_attrs

from ..graph.op_cases import CASES, as_dtype

_cpu = pytest.importorskip("fastkeras._cpu", reason="native module not built")

GUARD = 64  # bytes each side
PATTERN = 0xA5


def _perturbed(shape):
    for axis in range(len(shape)):
        for delta in (-1, 1):
            s = list(shape)
            s[axis] += delta
            if s[axis] >= 0:
                yield tuple(s)
    if not shape:
        yield (1,)


def _guarded(values, shape, dtype):
    """(array of `shape` holding `values` (resized), the bytes around it)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.full(GUARD + nbytes + GUARD, PATTERN, np.uint8)
    arr = raw[GUARD:GUARD + nbytes].view(dtype).reshape(shape)
    if values is not None and arr.size:
        arr[...] = np.resize(values, shape)
    return arr, raw


def _guards_intact(raw):
    return bool((raw[:GUARD] == PATTERN).all() and (raw[-GUARD:] == PATTERN).all())


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if not p.lowered))
def test_kernel_stays_inside_its_operands(name):
    prim, code = PRIMITIVES[name], _cpu.op_codes()[name]
    outside = []
    for raw_in, attrs in CASES[name]:
        ins = as_dtype(name, raw_in, "float32")
        attrs = canonical_attrs(prim, attrs)
        specs = [(tuple(a.shape), a.dtype.name) for a in ins]
        out_specs = [(tuple(s), d) for s, d in prim.shape_rule(specs, attrs)]
        ints, floats = prim.native_attrs(attrs, specs)
        shapes = [a.shape for a in ins] + [s for s, _ in out_specs]
        for which, shape in enumerate(shapes):
            for bad in _perturbed(shape):
                ops = [_guarded(a, bad if i == which else a.shape, a.dtype)
                       for i, a in enumerate(ins)]
                ops += [_guarded(None, bad if len(ins) + j == which else s, d)
                        for j, (s, d) in enumerate(out_specs)]
                arrays = [a for a, _ in ops]
                try:
                    _cpu.run_op(code, arrays[:len(ins)], arrays[len(ins):], list(ints),
                                list(floats))
                except (ValueError, TypeError, IndexError):  # refused: nothing written
                    continue
                if not all(_guards_intact(r) for _, r in ops):
                    outside.append([a.shape for a in arrays])
    assert outside == [], f"{name} wrote outside its operands for shapes {outside[:3]}"
