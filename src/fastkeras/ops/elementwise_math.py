"""Elementwise math with its own primitives: trigonometric, hyperbolic, rounding, power, where
(keras.ops names). The primitives are graph/primitives/elementwise_math.py's; the ops here
promote their arguments as the other elementwise ops do (ops/core.py).

The binary kernels compute in floats: power, mod, floor_divide, fmod and where of integer
operands run in float64 and are cast back to Keras's integer result dtype (exact while values
stay below 2**53; an integer division by zero or an overflow has no defined result here,
where JAX's integer kernels give their own)."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable, bind
from .core import (binary_op, convert, dtype_of, integers_exact, promote, result_dtype,
                   stop_gradient, unary_op)
from .numpy import absolute, cast, multiply, not_equal, sign

__all__ = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh",
           "arccosh", "arctanh", "log1p", "expm1", "floor", "ceil", "trunc", "power", "arctan2",
           "mod", "fmod", "floor_divide", "where"]

sin = unary_op("sin", "Elementwise sine.")
cos = unary_op("cos", "Elementwise cosine.")
tan = unary_op("tan", "Elementwise tangent.")
arcsin = unary_op("arcsin", "Elementwise inverse sine (NaN outside [-1, 1]).")
arccos = unary_op("arccos", "Elementwise inverse cosine (NaN outside [-1, 1]).")
arctan = unary_op("arctan", "Elementwise inverse tangent.")
sinh = unary_op("sinh", "Elementwise hyperbolic sine.")
cosh = unary_op("cosh", "Elementwise hyperbolic cosine.")
arcsinh = unary_op("arcsinh", "Elementwise inverse hyperbolic sine.")
arccosh = unary_op("arccosh", "Elementwise inverse hyperbolic cosine (NaN below 1).")
arctanh = unary_op("arctanh", "Elementwise inverse hyperbolic tangent (+-inf at +-1).")
log1p = unary_op("log1p", "log(1 + x), exact for small x.")
expm1 = unary_op("expm1", "exp(x) - 1, exact for small x.")
floor = unary_op("floor", "The largest integer <= x, as a float (zero gradient).")
ceil = unary_op("ceil", "The smallest integer >= x, as a float (zero gradient).")

power = binary_op("power")
power.__doc__ = """x1 ** x2 (C's pow: 0 ** 0 = 1, 0 ** -1 = inf, NaN for a negative base and
a non-integer exponent). Gradient as JAX's: none through x2 == 0 to x1, log(1) for x1 == 0."""
arctan2 = binary_op("arctan2")
arctan2.__doc__ = "The angle of the point (x2, x1) in radians, in [-pi, pi] (signed zeros kept)."
mod = binary_op("mod")
mod.__doc__ = """NumPy's remainder: x1 - floor(x1 / x2) * x2, with the divisor's sign, computed
exactly from fmod (NaN where x2 == 0)."""
floor_divide = binary_op("floor_divide")
floor_divide.__doc__ = """NumPy's floor(x1 / x2) from its divmod: (x1 - mod) / x2 snapped to
the integer it approximates, so 7.0 // 0.1 is 69 as in NumPy (x1 / x2 where x2 == 0; zero
gradient)."""


def trunc(x):
    """Rounded towards zero: sign(x) * floor(|x|), exact (-0.3 gives -0.0; NaN and inf pass).
    Integers pass through, as in Keras. No gradient (JAX's is zero)."""
    x = convert(x)
    if not dtype_of(x).startswith("float"):
        return x
    return stop_gradient(multiply(sign(x), floor(absolute(x))))


def fmod(x1, x2):
    """C's fmod, the remainder with the dividend's sign: sign(x1) * mod(|x1|, |x2|), exact
    (with both operands non-negative NumPy's remainder is fmod itself, and the sign of
    -0.0 and NaN come back through sign). Gradient: g, and -g * trunc(x1 / x2)."""
    a, b = promote(x1, x2, float_only=True)
    return multiply(sign(a), mod(absolute(a), absolute(b)))


power, mod, floor_divide, fmod = (integers_exact(op) for op in (power, mod, floor_divide, fmod))


def where(condition, x1=None, x2=None):
    """x1 where `condition` (non-zero, NaN included) holds, else x2, broadcasting all three.

    Exact: select(c, v) is v where c else -0.0, the additive identity, so
    select(c, x1) + select(1 - c, x2) is the chosen value bit for bit (-0.0 kept) and a NaN
    or inf of the branch not taken never enters the sum; fused, it is one pass. No gradient
    to `condition`. With neither x1 nor x2: the indices of the non-zero elements (eager
    only, as NumPy's nonzero)."""
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` either both should be `None` or both should have "
                         "non-None value.")
    if x1 is None:
        if isinstance(condition, (Tensor, Variable)):
            raise NotImplementedError("where(condition) without x1 and x2 has a data-dependent "
                                      "shape and cannot be traced; pass x1 and x2")
        return tuple(i.astype(np.int32) for i in np.nonzero(np.asarray(condition)))
    dtype = result_dtype(x1, x2)
    if not dtype.startswith("float"):  # integers and bools: chosen in float64, exactly
        return cast(where(condition, convert(x1, "float64"), convert(x2, "float64")), dtype)
    a, b = promote(x1, x2, float_only=True)
    c = convert(condition)
    if dtype_of(c) != "bool":
        c = not_equal(c, 0)
    dtype = next((dtype_of(v) for v in (a, b) if dtype_of(v) is not None), "float32")
    c = cast(c, dtype)
    return bind("add", bind("select", c, a), bind("select", bind("subtract", 1.0, c), b))
