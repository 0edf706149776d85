"""Linear algebra and normalised activations: matmul, batch_matmul, bias_add, softmax,
log_softmax.

Native encoding:
  matmul, batch_matmul:  ints (transpose_a, transpose_b)
  softmax, log_softmax,
  softmax_grad,
  log_softmax_grad:      ints (axis,)   axis normalised to [0, ndim)
"""

from __future__ import annotations

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import batch_axis_past_axis, batch_axis_past_matmul, normalize_axis, require_float, require_same_dtype, \
    same_as_first


def _matmul_rule(specs, attrs):
    (sa, da), (sb, db) = specs
    dtype = require_same_dtype("matmul", specs)
    require_float("matmul", dtype)
    if len(sa) != 2 or len(sb) != 2:
        raise ValueError(f"matmul expects 2-D operands, got shapes {sa} and {sb}")
    m, ka = (sa[1], sa[0]) if attrs["transpose_a"] else sa
    kb, n = (sb[1], sb[0]) if attrs["transpose_b"] else sb
    if ka != kb:
        raise ValueError(f"matmul: inner dimensions differ: {sa}{'ᵀ' if attrs['transpose_a'] else ''}"
                         f" @ {sb}{'ᵀ' if attrs['transpose_b'] else ''} ({ka} != {kb})")
    return [((m, n), dtype)]


def _matmul_ref(a, b, transpose_a, transpose_b):
    a = a.T if transpose_a else a
    b = b.T if transpose_b else b
    return a @ b


def _matmul_vjp(n, g):
    """C = op(A) op(B); dop(A) = G op(B)^T, dop(B) = op(A)^T G, as products of the same
    primitive (matmul, or batch_matmul per batch item) with transpose flags."""
    a, b = n.inputs
    ta, tb = n.attrs["transpose_a"], n.attrs["transpose_b"]
    g = g[0]
    name = n.prim.name
    ga = (bind(name, b, g, transpose_a=tb, transpose_b=True) if ta
          else bind(name, g, b, transpose_a=False, transpose_b=not tb))
    gb = (bind(name, g, a, transpose_a=True, transpose_b=ta) if tb
          else bind(name, a, g, transpose_a=not ta, transpose_b=False))
    return [ga, gb]


register(Primitive(
    "matmul", _matmul_rule, _matmul_ref, vjp=_matmul_vjp, diff_inputs=(0, 1),
    native_attrs=lambda attrs, specs: ((int(attrs["transpose_a"]), int(attrs["transpose_b"])), ()),
    attr_defaults={"transpose_a": False, "transpose_b": False}, rows="axis0",
    batch_axis_after=batch_axis_past_matmul,
    doc="op(a) @ op(b) for 2-D a, b; op transposes when its flag is set"))


def _batch_matmul_rule(specs, attrs):
    (sa, _), (sb, _) = specs
    dtype = require_same_dtype("batch_matmul", specs)
    require_float("batch_matmul", dtype)
    if len(sa) != 3 or len(sb) != 3 or sa[0] != sb[0]:
        raise ValueError(f"batch_matmul expects 3-D operands with one batch size, got shapes "
                         f"{sa} and {sb}")
    (m, n), _ = _matmul_rule([(sa[1:], dtype), (sb[1:], dtype)], attrs)[0]
    return [((sa[0], m, n), dtype)]


def _batch_matmul_ref(a, b, transpose_a, transpose_b):
    a = np.swapaxes(a, 1, 2) if transpose_a else a
    b = np.swapaxes(b, 1, 2) if transpose_b else b
    return np.matmul(a, b)


register(Primitive(
    "batch_matmul", _batch_matmul_rule, _batch_matmul_ref, vjp=_matmul_vjp,
    diff_inputs=(0, 1),
    native_attrs=lambda attrs, specs: ((int(attrs["transpose_a"]), int(attrs["transpose_b"])), ()),
    attr_defaults={"transpose_a": False, "transpose_b": False}, rows="per_row",
    doc="op(a[i]) @ op(b[i]) for 3-D a, b (batch first); op transposes the last two axes"))


def _bias_add_rule(specs, attrs):
    (sx, dx), (sb, db) = specs
    dtype = require_same_dtype("bias_add", specs)
    require_float("bias_add", dtype)
    if len(sb) != 1 or not sx or sx[-1] != sb[0]:
        raise ValueError(f"bias_add: bias of shape {sb} does not match the last axis of {sx}")
    return [(sx, dtype)]


register(Primitive(
    "bias_add", _bias_add_rule, lambda x, b: x + b,
    vjp=lambda n, g: [g[0], bind("sum", g[0], axes=tuple(range(len(g[0].shape) - 1)))],
    diff_inputs=(0, 1), rows="elementwise", doc="x + b with b broadcast along the last axis of x"))


def _axis_attr(attrs, specs):
    return (normalize_axis(attrs["axis"], len(specs[0][0])),), ()


def _softmax_ref(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_ref(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def _norm_rule(name):
    def rule(specs, attrs):
        (shape, dtype), = specs[:1]
        require_float(name, dtype)
        normalize_axis(attrs["axis"], len(shape))
        return same_as_first(name)(specs, attrs)
    return rule


def _declare_normalised(name, ref, vjp, doc):
    # The gradient helpers are only ever traced in backward passes: left "mixed".
    rows = dict(rows="axis0", batch_axis_after=batch_axis_past_axis) if vjp else dict(rows="mixed")
    register(Primitive(name, _norm_rule(name), ref, vjp=vjp, diff_inputs=(0,) if vjp else (),
                       native_attrs=_axis_attr, attr_defaults={"axis": -1}, doc=doc, **rows))


_declare_normalised(
    "softmax", _softmax_ref,
    lambda n, g: [bind("softmax_grad", n.outputs[0], g[0], axis=n.attrs["axis"])],
    "exp(x) / sum(exp(x)) along axis (max-shifted)")
_declare_normalised(
    "log_softmax", _log_softmax_ref,
    lambda n, g: [bind("log_softmax_grad", n.outputs[0], g[0], axis=n.attrs["axis"])],
    "x - logsumexp(x) along axis")
_declare_normalised(
    "softmax_grad", lambda y, g, axis: y * (g - np.sum(g * y, axis=axis, keepdims=True)), None,
    "y * (g - sum(g*y, axis)), y = softmax(x)")
_declare_normalised(
    "log_softmax_grad",
    lambda y, g, axis: g - np.exp(y) * np.sum(g, axis=axis, keepdims=True), None,
    "g - exp(y) * sum(g, axis), y = log_softmax(x)")
