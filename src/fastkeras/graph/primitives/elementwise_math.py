"""Elementwise math primitives beyond the arithmetic of elementwise.py: trigonometric and
hyperbolic functions, log1p/expm1, floor/ceil (unary); power, arctan2, NumPy's mod and
floor_divide, and select, the exact building block of where (binary, broadcasting).

Values are the C library's (float32 through its float functions) and, for mod and
floor_divide, NumPy's divmod (csrc/include/fastkeras/scalar.hpp); the references are NumPy's
ufuncs. Gradients are the textbook derivatives in primitives, with JAX's rules at the edges.
Native encoding: no attributes, as elementwise.py's."""

from __future__ import annotations

import numpy as np

from ..core import bind
from ._rules import sum_to_shape
from .elementwise import _binary, _unary


def _quiet(fn):
    """A NumPy reference quiet about the IEEE cases its results define (sin(inf),
    log1p(-1), x / 0, 0 ** -1, ...): the kernels raise nothing there either."""
    def ref(*args):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(*args)
    return ref


def _x(n):
    return n.inputs[0]


def _y(n):
    return n.outputs[0]


_unary("sin", _quiet(np.sin), lambda n, g: [g[0] * bind("cos", _x(n))], "sine",
       costly=True)
_unary("cos", _quiet(np.cos), lambda n, g: [-(g[0] * bind("sin", _x(n)))], "cosine",
       costly=True)
_unary("tan", _quiet(np.tan), lambda n, g: [g[0] * (_y(n) * _y(n) + 1.0)], "tangent",
       costly=True)
_unary("arcsin", _quiet(np.arcsin),
       lambda n, g: [g[0] / bind("sqrt", 1.0 - bind("square", _x(n)))],
       "inverse sine (NaN outside [-1, 1])", costly=True)
_unary("arccos", _quiet(np.arccos),
       lambda n, g: [-(g[0] / bind("sqrt", 1.0 - bind("square", _x(n))))],
       "inverse cosine (NaN outside [-1, 1])", costly=True)
_unary("arctan", _quiet(np.arctan), lambda n, g: [g[0] / (bind("square", _x(n)) + 1.0)],
       "inverse tangent", costly=True)
_unary("sinh", _quiet(np.sinh), lambda n, g: [g[0] * bind("cosh", _x(n))], "hyperbolic sine",
       costly=True)
_unary("cosh", _quiet(np.cosh), lambda n, g: [g[0] * bind("sinh", _x(n))], "hyperbolic cosine",
       costly=True)
_unary("arcsinh", _quiet(np.arcsinh),
       lambda n, g: [g[0] / bind("sqrt", bind("square", _x(n)) + 1.0)],
       "inverse hyperbolic sine", costly=True)
# (x - 1)(x + 1) rather than x*x - 1: no cancellation near x = 1 (JAX's form).
_unary("arccosh", _quiet(np.arccosh),
       lambda n, g: [g[0] / bind("sqrt", (_x(n) - 1.0) * (_x(n) + 1.0))],
       "inverse hyperbolic cosine (NaN below 1)", costly=True)
_unary("arctanh", _quiet(np.arctanh), lambda n, g: [g[0] / ((1.0 - _x(n)) * (_x(n) + 1.0))],
       "inverse hyperbolic tangent (+-inf at +-1, NaN outside)", costly=True)
_unary("log1p", _quiet(np.log1p), lambda n, g: [g[0] / (_x(n) + 1.0)],
       "log(1 + x), exact for small x", costly=True)
_unary("expm1", _quiet(np.expm1), lambda n, g: [g[0] * (_y(n) + 1.0)],
       "e**x - 1, exact for small x", costly=True)
_unary("floor", np.floor, lambda n, g: [None], "the largest integer <= x (zero gradient)")
_unary("ceil", np.ceil, lambda n, g: [None], "the smallest integer >= x (zero gradient)")


def _vjp_power(n, g):
    """JAX's rule: d/dx1 = x2 * x1**(x2 - 1), taken as 0 where x2 == 0 (select drops the
    0 * inf of 0 ** -1); d/dx2 = y * log(x1) with log(1) where x1 == 0 (so 0 ** x2 gives
    0 * -inf = NaN nowhere)."""
    x1, x2 = n.inputs
    y = n.outputs[0]
    d1 = bind("select", x2, g[0] * (x2 * bind("power", x1, x2 - 1.0)))
    x1_or_one = x1 + bind("cast", bind("equal", x1, 0.0), dtype=x1.dtype)
    d2 = g[0] * (bind("log", x1_or_one) * y)
    return [sum_to_shape(bind, d1, x1.shape), sum_to_shape(bind, d2, x2.shape)]


def _vjp_arctan2(n, g):
    x1, x2 = n.inputs
    scaled = g[0] / (bind("square", x1) + bind("square", x2))
    return [sum_to_shape(bind, scaled * x2, x1.shape),
            sum_to_shape(bind, -(scaled * x1), x2.shape)]


def _vjp_mod(n, g):
    """x1 - floor(x1 / x2) * x2 with the quotient a constant: g and -g * floor_divide."""
    x1, x2 = n.inputs
    return [sum_to_shape(bind, g[0], x1.shape),
            sum_to_shape(bind, -(g[0] * bind("floor_divide", x1, x2)), x2.shape)]


def _vjp_select(n, g):
    c, x = n.inputs
    return [None, sum_to_shape(bind, bind("select", c, g[0]), x.shape)]


def _select(c, x):
    return np.where(c != 0, x, np.asarray(-0.0, x.dtype)).astype(x.dtype, copy=False)


_binary("power", _quiet(np.power), _vjp_power, "x1 ** x2 (C's pow)", costly=True)
_binary("arctan2", _quiet(np.arctan2), _vjp_arctan2, "the angle of (x2, x1), in [-pi, pi]",
        costly=True)
_binary("mod", _quiet(np.mod), _vjp_mod,
        "NumPy's remainder: x1 - floor(x1 / x2) * x2 with the divisor's sign, from fmod "
        "(NaN for x2 == 0)", costly=True)
_binary("floor_divide", _quiet(np.floor_divide), lambda n, g: [None, None],
        "NumPy's floor(x1 / x2), from fmod as its divmod (x1 / x2 for x2 == 0; zero "
        "gradient)", costly=True)
_binary("select", _select, _vjp_select,
        "x where c != 0 (NaN counts) else -0.0, the additive identity: the exact "
        "where(c, a, b) = select(c, a) + select(1 - c, b); no gradient to c",
        diff_inputs=(1,))
