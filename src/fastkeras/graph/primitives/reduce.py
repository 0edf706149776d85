"""Reductions: sum, mean, max over a set of axes, and argmax along one axis.

Native encoding:
  sum, mean, max:  ints (axes_mask,)   bit i set when axis i is reduced
  argmax:          ints (axis,)
  moments:         none; x (rows, cols) -> mean (cols,), variance (cols,)

moments is BatchNormalization's statistics in one kernel: per column the mean and the biased
variance mean((x - mean)**2), both summed in double and rounded once (the composite of mean,
subtract, square and mean made three passes and a (rows, cols) temporary). Its VJP is
elementwise: dx = g_mean / rows + g_var * (2 / rows) * (x - mean), one fused program.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import axes_mask, batch_axis_past_axes, batch_axis_past_axis, normalize_axes, \
    normalize_axis, require_float


def _reduce_rule(name):
    def rule(specs, attrs):
        (shape, dtype), = specs
        require_float(name, dtype)
        axes = normalize_axes(attrs["axes"], len(shape))
        if attrs["keepdims"]:
            out = tuple(1 if i in axes else d for i, d in enumerate(shape))
        else:
            out = tuple(d for i, d in enumerate(shape) if i not in axes)
        if name == "max" and any(shape[a] == 0 for a in axes):
            raise ValueError("max over an empty axis has no identity")
        return [(out, dtype)]
    return rule


def _mask_attr(attrs, specs):
    return (axes_mask(normalize_axes(attrs["axes"], len(specs[0][0]))),), ()


def _kept_shape(x, axes):
    return tuple(1 if i in axes else d for i, d in enumerate(x.shape))


def _broadcast_back(n, g):
    x = n.inputs[0]
    axes = normalize_axes(n.attrs["axes"], len(x.shape))
    g = bind("reshape", g, shape=_kept_shape(x, axes))
    return bind("broadcast_to", g, shape=x.shape), axes


def _sum_vjp(n, g):
    return [_broadcast_back(n, g[0])[0]]


def _mean_vjp(n, g):
    # Scaled before the broadcast (the same bits): a program then reads the small scaled
    # vector as a periodic input instead of a broadcast copy (passes.prepare_programs).
    axes = normalize_axes(n.attrs["axes"], len(n.inputs[0].shape))
    count = math.prod(n.inputs[0].shape[a] for a in axes)
    return [_broadcast_back(n, g[0] * (1.0 / max(count, 1)))[0]]


def _max_vjp(n, g):
    x = n.inputs[0]
    gb, axes = _broadcast_back(n, g[0])
    m = bind("reshape", n.outputs[0], shape=_kept_shape(x, axes))
    hit = bind("cast", bind("equal", x, bind("broadcast_to", m, shape=x.shape)), dtype=x.dtype)
    return [gb * hit]


def _ref(fn):
    def ref(x, axes, keepdims):
        axes = normalize_axes(axes, x.ndim)
        return np.asarray(fn(x, axis=axes, keepdims=keepdims), dtype=x.dtype)
    return ref


for _name, _fn, _vjp, _doc in (
        ("sum", np.sum, _sum_vjp, "sum over axes"),
        ("mean", np.mean, _mean_vjp, "mean over axes"),
        ("max", np.max, _max_vjp, "max over axes (gradient to every maximal element)")):
    register(Primitive(_name, _reduce_rule(_name), _ref(_fn), vjp=_vjp, diff_inputs=(0,),
                       native_attrs=_mask_attr, attr_defaults={"axes": None, "keepdims": False},
                       doc=_doc, rows="axis0", batch_axis_after=batch_axis_past_axes))


def _argmax_rule(specs, attrs):
    (shape, dtype), = specs
    axis = normalize_axis(attrs["axis"], len(shape))
    if shape[axis] == 0:
        raise ValueError("argmax over an empty axis")
    return [(tuple(d for i, d in enumerate(shape) if i != axis), "int32")]


register(Primitive(
    "argmax", _argmax_rule,
    lambda x, axis: np.argmax(x, axis=axis).astype("int32"),
    native_attrs=lambda attrs, specs: ((normalize_axis(attrs["axis"], len(specs[0][0])),), ()),
    attr_defaults={"axis": -1}, doc="index of the first maximum along axis (int32)",
    rows="axis0", batch_axis_after=batch_axis_past_axis))


def _moments_rule(specs, attrs):
    (shape, dtype), = specs
    require_float("moments", dtype)
    if len(shape) != 2:
        raise ValueError(f"moments: expected a (rows, cols) tensor, got shape {shape}")
    return [((shape[1],), dtype), ((shape[1],), dtype)]


def _moments_ref(x):
    mean = np.mean(x, axis=0, dtype=np.float64)
    var = np.mean(np.square(x - mean.astype(x.dtype), dtype=np.float64), axis=0)
    return mean.astype(x.dtype), var.astype(x.dtype)


def _moments_vjp(n, g):
    x = n.inputs[0]
    rows, cols = x.shape
    g_mean, g_var = g
    dx = None
    if g_var is not None:
        centred = bind("subtract", x, bind("reshape", n.outputs[0], shape=(1, cols)))
        dx = bind("multiply", centred, bind("reshape", g_var * (2.0 / max(rows, 1)),
                                            shape=(1, cols)))
    if g_mean is not None:
        share = bind("reshape", g_mean * (1.0 / max(rows, 1)), shape=(1, cols))
        dx = bind("broadcast_to", share, shape=x.shape) if dx is None else \
            bind("add", dx, share)
    return [dx]


register(Primitive(
    "moments", _moments_rule, _moments_ref, vjp=_moments_vjp, diff_inputs=(0,),
    doc="per-column mean and biased variance of a (rows, cols) tensor", rows="mixed"))
