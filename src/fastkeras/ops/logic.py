"""Logical ops on booleans and the tests of float values (keras.ops names).

Composites of the `equal` and `greater` primitives, which take bool operands (False < True)
and broadcast: with a = bool(x1), b = bool(x2), `a and b` is a > not b, `a or b` is
not (not a > b), `a xor b` is a != b. None has a gradient (the results are bool)."""

from __future__ import annotations

from ..graph import bind
from .core import convert, dtype_of

__all__ = ["logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isinf",
           "isfinite", "isposinf", "isneginf", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_invert", "bitwise_not"]


def _not(b):
    return bind("equal", b, False)


def _truth(x):
    """x as bool, as Keras's JAX backend: every non-zero value (NaN too) is True."""
    x = convert(x)
    return x if dtype_of(x) == "bool" else _not(bind("equal", x, 0))


def logical_not(x):
    """not x (bool): x == 0 for numbers."""
    x = convert(x)
    return _not(x) if dtype_of(x) == "bool" else bind("equal", x, 0)


def logical_and(x1, x2):
    return bind("greater", _truth(x1), _not(_truth(x2)))


def logical_or(x1, x2):
    return _not(bind("greater", logical_not(x1), _truth(x2)))


def logical_xor(x1, x2):
    return _not(bind("equal", _truth(x1), _truth(x2)))


def _float(x):
    x = convert(x)
    return x, dtype_of(x).startswith("float")


def _all(x, value):
    """A bool tensor of x's shape, all `value` (x == x is True for every int and bool)."""
    same = bind("equal", x, x)
    return same if value else _not(same)


def isnan(x):
    """NaN is the only value not equal to itself (ints and bools: all False)."""
    x, is_float = _float(x)
    return _not(bind("equal", x, x)) if is_float else _all(x, False)


def isfinite(x):
    """|x| < inf, which NaN is not either (ints and bools: all True)."""
    x, is_float = _float(x)
    return bind("greater", float("inf"), bind("abs", x)) if is_float else _all(x, True)


def isinf(x):
    x, is_float = _float(x)
    return bind("equal", bind("abs", x), float("inf")) if is_float else _all(x, False)


def isposinf(x):
    x, is_float = _float(x)
    return bind("equal", x, float("inf")) if is_float else _all(x, False)


def isneginf(x):
    x, is_float = _float(x)
    return bind("equal", x, float("-inf")) if is_float else _all(x, False)


def _bools(name, *xs):
    """The operands, which must be bool: fastkeras has no integer bit kernels."""
    xs = [convert(x) for x in xs]
    for x in xs:
        if dtype_of(x) != "bool":
            raise NotImplementedError(f"ops.{name}: fastkeras supports bool tensors only "
                                      f"(the logical op); got {dtype_of(x)}")
    return xs


def bitwise_and(x, y):
    return logical_and(*_bools("bitwise_and", x, y))


def bitwise_or(x, y):
    return logical_or(*_bools("bitwise_or", x, y))


def bitwise_xor(x, y):
    return logical_xor(*_bools("bitwise_xor", x, y))


def bitwise_invert(x):
    return logical_not(*_bools("bitwise_invert", x))


def bitwise_not(x):
    return logical_not(*_bools("bitwise_not", x))
