"""Elementwise primitives: unary math, activations (and their gradient helpers), and
broadcasting binary arithmetic and comparisons.

Native encoding: none of these carry attributes; kernels read the operand shapes
(binary ops broadcast NumPy-style from the trailing axis)."""

from __future__ import annotations

import math

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import broadcast_shapes, require_float, require_same_dtype, same_as_first, \
    sum_to_shape


def _unary_rule(name):
    def rule(specs, attrs):
        (shape, dtype), = specs
        require_float(name, dtype)
        return [(shape, dtype)]
    return rule


def _sigmoid(x):
    # Stable for large |x|: never evaluates exp of a large positive number.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


_erf = np.vectorize(math.erf, otypes=[np.float64])
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _unary(name, ref, vjp, doc, activation_grad="", costly=False):
    register(Primitive(name, _unary_rule(name), ref, vjp=vjp, diff_inputs=(0,), doc=doc,
                       rows="elementwise", activation_grad=activation_grad, program_op=True,
                       costly=costly))


def _activation(name, ref, doc, costly=False):
    """An activation fused into Dense: its gradient is `<name>_grad(y, g)` of its output y."""
    grad = f"{name}_grad"
    _unary(name, ref, lambda n, g: [bind(grad, n.outputs[0], g[0])], doc, activation_grad=grad,
           costly=costly)


_unary("negative", np.negative, lambda n, g: [-g[0]], "-x")
_unary("exp", np.exp, lambda n, g: [g[0] * n.outputs[0]], "e**x", costly=True)
_unary("log", np.log, lambda n, g: [g[0] / n.inputs[0]], "natural log", costly=True)
_unary("sqrt", np.sqrt, lambda n, g: [g[0] / (n.outputs[0] * 2.0)], "square root", costly=True)
_unary("square", np.square, lambda n, g: [g[0] * (n.inputs[0] * 2.0)], "x*x")
_unary("abs", np.abs, lambda n, g: [g[0] * bind("sign", n.inputs[0])], "|x|")
_unary("sign", np.sign, lambda n, g: [None], "-1, 0 or 1 (zero gradient)")
_unary("erf", lambda x: _erf(x).astype(x.dtype),
       lambda n, g: [g[0] * (bind("exp", -bind("square", n.inputs[0])) * _TWO_OVER_SQRT_PI)],
       "the error function (float32 kernels: Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)",
       costly=True)
_activation("relu", lambda x: np.maximum(x, 0).astype(x.dtype), "max(x, 0)")
_activation("sigmoid", _sigmoid, "1 / (1 + e**-x), computed without overflow", costly=True)
_activation("tanh", np.tanh, "tanh", costly=True)


# Gradient helpers: (activation input or output, upstream gradient) -> input gradient.
def _helper(name, ref, doc):
    register(Primitive(name, same_as_first(name), ref, doc=doc, rows="elementwise",
                       program_op=True))


_helper("relu_grad", lambda x, g: np.where(x > 0, g, 0).astype(g.dtype),
        "g where x > 0 else 0 (x may be relu's input or output)")
_helper("sigmoid_grad", lambda y, g: g * y * (1 - y), "g * y * (1 - y), y = sigmoid(x)")
_helper("tanh_grad", lambda y, g: g * (1 - y * y), "g * (1 - y*y), y = tanh(x)")


def _binary_rule(name, float_only=True, out_dtype=None):
    def rule(specs, attrs):
        dtype = require_same_dtype(name, specs)
        if float_only:
            require_float(name, dtype)
        return [(broadcast_shapes(*(s for s, _ in specs)), out_dtype or dtype)]
    return rule


def _binary(name, ref, vjp, doc, costly=False, diff_inputs=(0, 1)):
    register(Primitive(name, _binary_rule(name), ref, vjp=vjp, diff_inputs=diff_inputs, doc=doc,
                       rows="elementwise", program_op=True, costly=costly))


def _vjp_add(n, g):
    a, b = n.inputs
    return [sum_to_shape(bind, g[0], a.shape), sum_to_shape(bind, g[0], b.shape)]


def _vjp_subtract(n, g):
    a, b = n.inputs
    return [sum_to_shape(bind, g[0], a.shape), sum_to_shape(bind, -g[0], b.shape)]


def _vjp_multiply(n, g):
    a, b = n.inputs
    return [sum_to_shape(bind, g[0] * b, a.shape), sum_to_shape(bind, g[0] * a, b.shape)]


def _vjp_divide(n, g):
    a, b = n.inputs
    ga = g[0] / b
    gb = -(ga * n.outputs[0])
    return [sum_to_shape(bind, ga, a.shape), sum_to_shape(bind, gb, b.shape)]


def _vjp_extremum(a_is_larger):
    """maximum (a_is_larger) / minimum: the gradient goes to the operand picked, split in
    half at ties (JAX's rule, which Keras's JAX backend follows)."""
    def vjp(n, g):
        a, b = n.inputs
        wins = bind("cast", bind("greater", a, b) if a_is_larger else bind("greater", b, a),
                    dtype=g[0].dtype)
        tie = bind("cast", bind("equal", a, b), dtype=g[0].dtype) * 0.5
        share = wins + tie
        return [sum_to_shape(bind, g[0] * share, a.shape),
                sum_to_shape(bind, g[0] * (1.0 - share), b.shape)]
    return vjp


_binary("add", np.add, _vjp_add, "a + b")
_binary("subtract", np.subtract, _vjp_subtract, "a - b")
_binary("multiply", np.multiply, _vjp_multiply, "a * b")
_binary("divide", np.divide, _vjp_divide, "a / b")
_binary("maximum", np.maximum, _vjp_extremum(True), "the larger of a and b (NaN wins)")
_binary("minimum", np.minimum, _vjp_extremum(False), "the smaller of a and b (NaN wins)")

register(Primitive("equal", _binary_rule("equal", float_only=False, out_dtype="bool"),
                   np.equal, doc="a == b (bool)", rows="elementwise", program_op=True))
register(Primitive("greater", _binary_rule("greater", float_only=False, out_dtype="bool"),
                   np.greater, doc="a > b (bool)", rows="elementwise", program_op=True))
