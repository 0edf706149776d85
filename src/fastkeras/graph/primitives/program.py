"""elementwise_program: a chain of elementwise primitives run as one pass over memory.

The elementwise fusion pass (graph/fusion.py) builds it from primitives declared with
`program_op=True`; nothing else binds it, and it has no VJP (fusion runs after autodiff).

Attributes:
  program  tuple of instructions `(op, args, dtype)`: `op` a program_op primitive, `args`
           its operand registers, `dtype` its result's dtype; or `("const", (value,), dtype)`
           for a scalar constant folded into the program
  outputs  the register of each output, in output order
  sums     registers whose column sums (over every axis of `shape` but the last) are
           further outputs, after those of `outputs` (a bias or BatchNorm gradient: the
           register need not be stored)
  shape    the iteration shape: every output of `outputs` has it, every input broadcasts
           to it
Registers 0..k-1 are the k inputs (each broadcast NumPy-style to `shape`); register k + j
is instruction j's result. One float dtype T runs the program; a bool register (a
comparison, a cast to bool) holds 0 or 1 of T and is only read by casts.

The reference interprets the program with each instruction's own primitive reference, so the
fused numbers are by construction those of the chain it replaces.

Native encoding:
  ints    (n_instr, then per instruction (op code, dtype code, a, b), then one code per
          output: its register, or -2 - register for a column sum; then the iteration shape
          as ndim, dims); op code -1 is a constant whose value is floats[a]; b = -1 for unary
          ops. Op codes are ops.def's (from the native module: -1 placeholders without it,
          when no native backend can run the plan anyway); dtype codes are the native DType.
  floats  the constants' values, in program order
"""

from __future__ import annotations

import numpy as np

from ..primitive import PRIMITIVES, Primitive, register
from ._rules import broadcast_shapes

CONST = "const"
_DTYPE_CODES = {"float32": 0, "float64": 1, "int32": 2, "int64": 3, "bool": 4}


def _rule(specs, attrs):
    shape = tuple(attrs["shape"])
    for s, _ in specs:
        if broadcast_shapes(tuple(s), shape) != shape:
            raise ValueError(f"elementwise_program: input {tuple(s)} does not broadcast to "
                             f"{shape}")
    dtypes = [d for _, d in specs] + [dtype for _, _, dtype in attrs["program"]]
    if attrs["sums"] and len(shape) < 2:
        raise ValueError(f"elementwise_program: column sums need a rank >= 2 shape, got {shape}")
    return [(shape, dtypes[r]) for r in attrs["outputs"]] + \
        [((shape[-1],), dtypes[r]) for r in attrs["sums"]]


def interpret(program, outputs, inputs, apply):
    """Runs `program` over the `inputs` values with `apply(op, args, dtype)` for each
    instruction (a backend's kernel of that primitive); returns the outputs' values."""
    regs = list(inputs)
    for op, args, dtype in program:
        regs.append(apply(op, [regs[a] for a in args] if op != CONST else args, dtype))
    return tuple(regs[r] for r in outputs)


def apply_reference(op, args, dtype):
    if op == CONST:
        return np.asarray(args[0], dtype=dtype)
    prim = PRIMITIVES[op]
    attrs = {"dtype": dtype} if "dtype" in prim.attr_defaults else {}
    return np.asarray(prim.reference(*args, **attrs))


def column_sums(values, shape, sum_kernel):
    """Each value broadcast to `shape` and summed over every axis but the last."""
    axes = tuple(range(len(shape) - 1))
    return tuple(sum_kernel(np.ascontiguousarray(np.broadcast_to(v, shape)), axes)
                 for v in values)


def _reference(*inputs, program, outputs, sums, shape):
    values = interpret(program, tuple(outputs) + tuple(sums), inputs, apply_reference)
    stored = tuple(np.broadcast_to(v, shape).copy() for v in values[:len(outputs)])
    ref = PRIMITIVES["sum"].reference
    return stored + column_sums(values[len(outputs):], shape,
                                lambda v, axes: ref(v, axes=axes, keepdims=False))


def _op_code(name):
    from ...backends.cpu_backend import has_kernel, op_code  # lazily: graph sits above it
    return op_code(name) if has_kernel(name) else -1


def _native(attrs, specs):
    program = attrs["program"]
    ints, floats = [len(program)], []
    for op, args, dtype in program:
        if op == CONST:
            ints += [-1, _DTYPE_CODES[dtype], len(floats), -1]
            floats.append(float(args[0]))
        else:
            ints += [_op_code(op), _DTYPE_CODES[dtype], args[0], args[1] if len(args) > 1 else -1]
    ints += list(attrs["outputs"]) + [-2 - r for r in attrs["sums"]]
    ints += [len(attrs["shape"])] + list(attrs["shape"])
    return tuple(ints), tuple(floats)


register(Primitive(
    "elementwise_program", _rule, _reference, native_attrs=_native,
    attr_defaults={"program": (), "outputs": (), "sums": (), "shape": ()}, rows="elementwise",
    doc="a fused chain of elementwise primitives, one pass over memory (graph/fusion.py)"))
