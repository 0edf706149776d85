"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/logic.py."""

import numpy as np

_rng = np.random.default_rng(25)


def _bools(*shape):
    return _rng.uniform(size=shape) < 0.5


# Zeros, NaN (true as a bool, as JAX), infinities, -0.0 and ordinary values.
_SPECIAL = np.array([[0.0, -0.0, np.nan, np.inf], [-np.inf, 1.5, -2.0, 3e38]])
_INTS = np.array([[0, 3, -1, 0], [2, 0, 0, 7]], np.int32)
_A, _B = _bools(3, 4), _bools(4)

# name: (call(ops, *inputs), reference(*inputs), inputs, differentiable)
TABLE = {
    "logical_and": (lambda o, a, b: o.logical_and(a, b), np.logical_and, [_A, _B], False),
    "logical_and[floats]": (lambda o, x, y: o.logical_and(x, y), np.logical_and,
                            [_SPECIAL, _SPECIAL[::-1]], False),
    "logical_and[python_bool]": (lambda o, a: o.logical_and(a, True), lambda a: a, [_A], False),
    "logical_or": (lambda o, a, b: o.logical_or(a, b), np.logical_or, [_A, _B], False),
    "logical_or[int_float]": (lambda o, i, x: o.logical_or(i, x), np.logical_or,
                              [_INTS, _SPECIAL[::-1]], False),
    "logical_xor": (lambda o, a, b: o.logical_xor(a, b), np.logical_xor, [_A, _B], False),
    "logical_xor[ints]": (lambda o, i: o.logical_xor(i, i[::-1]),
                          lambda i: np.logical_xor(i, i[::-1]), [_INTS], False),
    "logical_not": (lambda o, a: o.logical_not(a), np.logical_not, [_A], False),
    "logical_not[floats]": (lambda o, x: o.logical_not(x), np.logical_not, [_SPECIAL], False),
    "logical_not[ints]": (lambda o, i: o.logical_not(i), np.logical_not, [_INTS], False),
    "isnan": (lambda o, x: o.isnan(x), np.isnan, [_SPECIAL], False),
    "isnan[ints]": (lambda o, i: o.isnan(i), np.isnan, [_INTS], False),
    "isinf": (lambda o, x: o.isinf(x), np.isinf, [_SPECIAL], False),
    "isinf[bools]": (lambda o, a: o.isinf(a), np.isinf, [_A], False),
    "isfinite": (lambda o, x: o.isfinite(x), np.isfinite, [_SPECIAL], False),
    "isfinite[ints]": (lambda o, i: o.isfinite(i), np.isfinite, [_INTS], False),
    "isposinf": (lambda o, x: o.isposinf(x), np.isposinf, [_SPECIAL], False),
    "isposinf[ints]": (lambda o, i: o.isposinf(i), np.isposinf, [_INTS], False),
    "isneginf": (lambda o, x: o.isneginf(x), np.isneginf, [_SPECIAL], False),
    "isneginf[ints]": (lambda o, i: o.isneginf(i), np.isneginf, [_INTS], False),
    "bitwise_and": (lambda o, a, b: o.bitwise_and(a, b), np.bitwise_and, [_A, _B], False),
    "bitwise_or": (lambda o, a, b: o.bitwise_or(a, b), np.bitwise_or, [_A, _B], False),
    "bitwise_xor": (lambda o, a, b: o.bitwise_xor(a, b), np.bitwise_xor, [_A, _B], False),
    "bitwise_invert": (lambda o, a: o.bitwise_invert(a), np.invert, [_A], False),
    "bitwise_not": (lambda o, a: o.bitwise_not(a), np.invert, [_A], False),
}
