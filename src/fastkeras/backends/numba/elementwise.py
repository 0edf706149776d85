"""Elementwise kernels: unary math and activations, activation gradients, broadcasting
binary arithmetic and comparisons.

One njit function per family takes an op code, branching outside the inner loops, so that
a family compiles once per dtype instead of once per op."""

from __future__ import annotations

import math

import numpy as np

from ._common import broadcast_strides, collapse, contiguous, jit, layout, row_starts

# Unary op codes.
NEGATIVE, EXP, LOG, SQRT, SQUARE, ABS, SIGN, RELU, SIGMOID, TANH, ERF = range(11)
_UNARY = {"negative": NEGATIVE, "exp": EXP, "log": LOG, "sqrt": SQRT, "square": SQUARE,
          "abs": ABS, "sign": SIGN, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH, "erf": ERF}
# NumPy's ufuncs, one code each (graph/primitives/elementwise_math.py).
(SIN, COS, TAN, ARCSIN, ARCCOS, ARCTAN, SINH, COSH, ARCSINH, ARCCOSH, ARCTANH, LOG1P, EXPM1,
 FLOOR, CEIL) = range(11, 26)
_UNARY.update(sin=SIN, cos=COS, tan=TAN, arcsin=ARCSIN, arccos=ARCCOS, arctan=ARCTAN, sinh=SINH,
              cosh=COSH, arcsinh=ARCSINH, arccosh=ARCCOSH, arctanh=ARCTANH, log1p=LOG1P,
              expm1=EXPM1, floor=FLOOR, ceil=CEIL)

# Gradient helpers (same-shape operands).
RELU_GRAD, SIGMOID_GRAD, TANH_GRAD = range(3)
_GRAD = {"relu_grad": RELU_GRAD, "sigmoid_grad": SIGMOID_GRAD, "tanh_grad": TANH_GRAD}

# Binary op codes.
ADD, SUBTRACT, MULTIPLY, DIVIDE, EQUAL, GREATER, MAXIMUM, MINIMUM = range(8)
POWER, ARCTAN2, MOD, FLOOR_DIVIDE, SELECT = range(8, 13)
_BINARY = {"add": ADD, "subtract": SUBTRACT, "multiply": MULTIPLY, "divide": DIVIDE,
           "maximum": MAXIMUM, "minimum": MINIMUM, "power": POWER, "arctan2": ARCTAN2,
           "mod": MOD, "floor_divide": FLOOR_DIVIDE, "select": SELECT}
_COMPARE = {"equal": EQUAL, "greater": GREATER}


@jit
def _unary(op, x, out):
    n = x.size
    zero = x.dtype.type(0)
    one = x.dtype.type(1)
    if op == NEGATIVE:
        for i in range(n):
            out[i] = -x[i]
    elif op == EXP:
        for i in range(n):
            out[i] = np.exp(x[i])
    elif op == LOG:
        for i in range(n):
            out[i] = np.log(x[i])
    elif op == SQRT:
        for i in range(n):
            out[i] = np.sqrt(x[i])
    elif op == SQUARE:
        for i in range(n):
            out[i] = x[i] * x[i]
    elif op == ABS:
        for i in range(n):
            out[i] = np.abs(x[i])
    elif op == SIGN:
        for i in range(n):
            v = x[i]
            out[i] = one if v > zero else (-one if v < zero else v)
    elif op == RELU:
        for i in range(n):
            v = x[i]
            out[i] = zero if v < zero else v
    elif op == SIGMOID:
        for i in range(n):
            v = x[i]
            e = np.exp(-np.abs(v))
            out[i] = one / (one + e) if v >= zero else e / (one + e)
    elif op == TANH:
        for i in range(n):
            out[i] = np.tanh(x[i])
    elif op == ERF:
        for i in range(n):
            out[i] = math.erf(x[i])
    else:
        _unary_math(op, x, out)


@jit
def _unary_math(op, x, out):
    """_unary's ops of graph/primitives/elementwise_math.py (a second function keeps each
    compiled body small)."""
    n = x.size
    if op == SIN:
        for i in range(n):
            out[i] = np.sin(x[i])
    elif op == COS:
        for i in range(n):
            out[i] = np.cos(x[i])
    elif op == TAN:
        for i in range(n):
            out[i] = np.tan(x[i])
    elif op == ARCSIN:
        for i in range(n):
            out[i] = np.arcsin(x[i])
    elif op == ARCCOS:
        for i in range(n):
            out[i] = np.arccos(x[i])
    elif op == ARCTAN:
        for i in range(n):
            out[i] = np.arctan(x[i])
    elif op == SINH:
        for i in range(n):
            out[i] = np.sinh(x[i])
    elif op == COSH:
        for i in range(n):
            out[i] = np.cosh(x[i])
    elif op == ARCSINH:
        for i in range(n):
            out[i] = np.arcsinh(x[i])
    elif op == ARCCOSH:
        for i in range(n):
            out[i] = np.arccosh(x[i])
    elif op == ARCTANH:
        for i in range(n):
            out[i] = np.arctanh(x[i])
    elif op == LOG1P:
        for i in range(n):
            out[i] = np.log1p(x[i])
    elif op == EXPM1:
        for i in range(n):
            out[i] = np.expm1(x[i])
    elif op == FLOOR:
        for i in range(n):
            out[i] = np.floor(x[i])
    elif op == CEIL:
        for i in range(n):
            out[i] = np.ceil(x[i])


@jit
def _divmod(a, b, zero):
    """NumPy's divmod of floats (npymath's npy_divmod, csrc's scalar::divmod) in the type of
    `zero` (NumPy's ufuncs on scalars keep float32): (floor_divide, mod)."""
    rem = np.fmod(a, b)
    if b == zero:
        return a / b, rem
    div = (a - rem) / b
    if rem != zero:
        if (b < zero) != (rem < zero):
            rem += b
            div -= 1
    else:
        rem = np.copysign(zero, b)
    if div != zero:
        floordiv = np.floor(div)
        if div - floordiv > 0.5:
            floordiv += 1
    else:
        floordiv = np.copysign(zero, a / b)
    return floordiv, rem


@jit
def _grad(op, x, g, out):
    n = x.size
    zero = g.dtype.type(0)
    one = x.dtype.type(1)
    if op == RELU_GRAD:
        for i in range(n):
            out[i] = g[i] if x[i] > zero else zero
    elif op == SIGMOID_GRAD:
        for i in range(n):
            y = x[i]
            out[i] = g[i] * y * (one - y)
    elif op == TANH_GRAD:
        for i in range(n):
            y = x[i]
            out[i] = g[i] * (one - y * y)


@jit
def _arith_row(op, a, ap, sa, b, bp, sb, out, o, n):
    """out[o:o+n] = a[ap + j*sa] op b[bp + j*sb]. Contiguous and scalar-operand rows index
    slices with the loop counter (no negative-index wraparound test, so LLVM vectorises)."""
    r = out[o:o + n]
    if op == MAXIMUM or op == MINIMUM:  # NumPy's: NaN if either operand is NaN
        for j in range(n):
            x, y = a[ap + j * sa], b[bp + j * sb]
            if op == MAXIMUM:
                r[j] = x if (x > y or x != x) else y
            else:
                r[j] = x if (x < y or x != x) else y
    elif op >= POWER:
        _math_row(op, a, ap, sa, b, bp, sb, r, n)
    elif sa == 1 and sb == 1:
        x = a[ap:ap + n]
        y = b[bp:bp + n]
        if op == ADD:
            for j in range(n):
                r[j] = x[j] + y[j]
        elif op == SUBTRACT:
            for j in range(n):
                r[j] = x[j] - y[j]
        elif op == MULTIPLY:
            for j in range(n):
                r[j] = x[j] * y[j]
        elif op == DIVIDE:
            for j in range(n):
                r[j] = x[j] / y[j]
    elif sa == 1 and sb == 0:
        x = a[ap:ap + n]
        bv = b[bp]
        if op == ADD:
            for j in range(n):
                r[j] = x[j] + bv
        elif op == SUBTRACT:
            for j in range(n):
                r[j] = x[j] - bv
        elif op == MULTIPLY:
            for j in range(n):
                r[j] = x[j] * bv
        elif op == DIVIDE:
            for j in range(n):
                r[j] = x[j] / bv
    elif sa == 0 and sb == 1:
        av = a[ap]
        y = b[bp:bp + n]
        if op == ADD:
            for j in range(n):
                r[j] = av + y[j]
        elif op == SUBTRACT:
            for j in range(n):
                r[j] = av - y[j]
        elif op == MULTIPLY:
            for j in range(n):
                r[j] = av * y[j]
        elif op == DIVIDE:
            for j in range(n):
                r[j] = av / y[j]
    else:
        if op == ADD:
            for j in range(n):
                r[j] = a[ap + j * sa] + b[bp + j * sb]
        elif op == SUBTRACT:
            for j in range(n):
                r[j] = a[ap + j * sa] - b[bp + j * sb]
        elif op == MULTIPLY:
            for j in range(n):
                r[j] = a[ap + j * sa] * b[bp + j * sb]
        elif op == DIVIDE:
            for j in range(n):
                r[j] = a[ap + j * sa] / b[bp + j * sb]


@jit
def _math_row(op, a, ap, sa, b, bp, sb, r, n):
    """_arith_row's rows of the elementwise_math ops (strided: none of them vectorises)."""
    zero = r.dtype.type(0)
    nzero = -zero
    for j in range(n):
        x, y = a[ap + j * sa], b[bp + j * sb]
        if op == POWER:
            r[j] = np.power(x, y)
        elif op == ARCTAN2:
            r[j] = np.arctan2(x, y)
        elif op == MOD:
            r[j] = _divmod(x, y, zero)[1]
        elif op == FLOOR_DIVIDE:
            r[j] = _divmod(x, y, zero)[0]
        else:  # SELECT: y where x != 0 (NaN counts), else -0.0
            r[j] = y if x != 0 else nzero


@jit
def _compare_row(op, a, ap, sa, b, bp, sb, out, o, n):
    """As _arith_row, for the comparisons (bool out)."""
    r = out[o:o + n]
    if sa == 1 and sb == 1:
        x = a[ap:ap + n]
        y = b[bp:bp + n]
        if op == EQUAL:
            for j in range(n):
                r[j] = x[j] == y[j]
        elif op == GREATER:
            for j in range(n):
                r[j] = x[j] > y[j]
    elif sa == 1 and sb == 0:
        x = a[ap:ap + n]
        bv = b[bp]
        if op == EQUAL:
            for j in range(n):
                r[j] = x[j] == bv
        elif op == GREATER:
            for j in range(n):
                r[j] = x[j] > bv
    elif sa == 0 and sb == 1:
        av = a[ap]
        y = b[bp:bp + n]
        if op == EQUAL:
            for j in range(n):
                r[j] = av == y[j]
        elif op == GREATER:
            for j in range(n):
                r[j] = av > y[j]
    else:
        if op == EQUAL:
            for j in range(n):
                r[j] = a[ap + j * sa] == b[bp + j * sb]
        elif op == GREATER:
            for j in range(n):
                r[j] = a[ap + j * sa] > b[bp + j * sb]


@jit
def _binary_nd(op, compare, a, ao, sa, b, bo, sb, out, shape):
    """out (C-contiguous, flat) = a op b over `shape`, operands walked by element strides;
    `compare` picks the comparison rows (bool out) over the arithmetic ones."""
    n = shape[shape.size - 1]
    if n == 0:
        return
    aps, bps = row_starts(shape, sa, ao, sb, bo)
    ia, ib = sa[sa.size - 1], sb[sb.size - 1]
    for r in range(aps.size):
        if compare:
            _compare_row(op, a, aps[r], ia, b, bps[r], ib, out, r * n, n)
        else:
            _arith_row(op, a, aps[r], ia, b, bps[r], ib, out, r * n, n)


@jit
def _arith_flat(op, a, b, out):
    _arith_row(op, a, 0, 1, b, 0, 1, out, 0, out.size)


@jit
def _compare_flat(op, a, b, out):
    _compare_row(op, a, 0, 1, b, 0, 1, out, 0, out.size)


def unary_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    if out.size:
        _unary(_UNARY[prim.name], contiguous(ins[0]).reshape(-1), out.reshape(-1))


def grad_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    if ins[0].size != out.size or ins[1].size != out.size:  # flat loops below
        raise ValueError(f"{prim.name}: operands {ins[0].shape} and {ins[1].shape} must "
                         f"have the output's shape {out.shape}")
    if out.size:
        _grad(_GRAD[prim.name], contiguous(ins[0]).reshape(-1), contiguous(ins[1]).reshape(-1),
              out.reshape(-1))


def _run_binary(op, a, b, out, compare, flat_kernel):
    if out.size == 0:
        return
    if a.shape == b.shape and a.flags.c_contiguous and b.flags.c_contiguous:
        flat_kernel(op, a.reshape(-1), b.reshape(-1), out.reshape(-1))
        return
    ab, ao, sa = layout(a)
    bb, bo, sb = layout(b)
    shape, sa, sb = collapse(out.shape, broadcast_strides(sa, a.shape, out.shape),
                             broadcast_strides(sb, b.shape, out.shape))
    _binary_nd(op, compare, ab, ao, sa, bb, bo, sb, out.reshape(-1), shape)


def binary_kernel(prim, ins, outs, attrs, native):
    _run_binary(_BINARY[prim.name], ins[0], ins[1], outs[0], False, _arith_flat)


def compare_kernel(prim, ins, outs, attrs, native):
    a, b = ins
    if a.dtype == np.bool_:  # compare booleans as bytes (same order, no bool arithmetic)
        a, b = a.view(np.uint8), b.view(np.uint8)
    _run_binary(_COMPARE[prim.name], a, b, outs[0], True, _compare_flat)


KERNELS = {}
KERNELS.update({n: unary_kernel for n in _UNARY})
KERNELS.update({n: grad_kernel for n in _GRAD})
KERNELS.update({n: binary_kernel for n in _BINARY})
KERNELS.update({n: compare_kernel for n in _COMPARE})
