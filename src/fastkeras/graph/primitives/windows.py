"""im2col and col2im: the sliding windows of a channels_last tensor as one patch matrix, and
its transpose. The convolutions (ops/conv.py) are im2col then one GEMM; im2col keeps the
batch on axis 0 (row n of the patches reads only sample n), so a convolution's train step
stays row-local (graph/rowlocal.py), which the channels-first transpose of the shifted-slice
composite did not.

  im2col(x; kernel_size, strides, dilation, padding) -> patches
      x (N, *spatial, C), 1-3 or more spatial axes; padding one non-negative (before, after)
      pair per spatial axis. out_i = (L_i + before_i + after_i - (d_i * (k_i - 1) + 1))
      // s_i + 1, which must be >= 1. patches (N, *out, K * C), K = prod(kernel_size):
      patches[n, o, j * C + c] = x[n, o * s + offset_j * d - before, c] for the j-th kernel
      offset in row-major order, zero where that position is padding. So the last axis is
      offset-major then channel: Keras's kernel (*k, C, F) reshaped to (K * C, F).
  col2im(g; spatial, kernel_size, strides, dilation, padding) -> dx
      dx (N, *spatial, C) zero but for every entry of g (N, *out, K * C) added at the
      position im2col read it from (overlapping windows sum; padding entries dropped).
      The two are each other's transpose, so each one's VJP is the other: a gradient of a
      gradient flows.

Native encoding (both; col2im's spatial shape is its output operand's):
  ints (k_1..k_n, s_1..s_n, d_1..d_n, before_1..before_n, after_1..after_n)
"""

from __future__ import annotations

import itertools

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import require_float


def _geometry(name, spatial, attrs):
    """(kernel, strides, dilation, padding, out) for the spatial shape, checked."""
    n = len(spatial)
    kernel, strides = tuple(attrs["kernel_size"]), tuple(attrs["strides"])
    dilation = tuple(attrs["dilation"])
    padding = tuple((int(b), int(a)) for b, a in attrs["padding"])
    if n < 1 or not len(kernel) == len(strides) == len(dilation) == len(padding) == n:
        raise ValueError(f"{name}: kernel_size {kernel}, strides {strides}, dilation "
                         f"{dilation} and padding {padding} must each have one entry per "
                         f"spatial axis of {tuple(spatial)} (at least one)")
    if any(v < 1 for v in kernel + strides + dilation) or \
            any(v < 0 for pair in padding for v in pair):
        raise ValueError(f"{name}: kernel_size {kernel}, strides {strides} and dilation "
                         f"{dilation} must be positive and padding {padding} non-negative")
    out = tuple((L + b + a - (d * (k - 1) + 1)) // s + 1
                for L, k, s, d, (b, a) in zip(spatial, kernel, strides, dilation, padding))
    if any(L < 1 for L in spatial) or any(o < 1 for o in out):
        raise ValueError(f"{name}: the kernel {kernel} (dilation {dilation}) is larger than "
                         f"the padded input {tuple(spatial)} (padding {padding}): the output "
                         f"would be empty")
    return kernel, strides, dilation, padding, out


def _native(attrs, specs):
    padding = attrs["padding"]
    return (tuple(attrs["kernel_size"]) + tuple(attrs["strides"]) + tuple(attrs["dilation"])
            + tuple(b for b, _ in padding) + tuple(a for _, a in padding), ())


def _offset_views(padded, kernel, strides, dilation, out):
    """For each kernel offset (row-major), the strided view of the zero-padded (N, *P, C)
    array holding what that offset reads at every output position: (N, *out, C)."""
    for offset in itertools.product(*(range(k) for k in kernel)):
        index = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                      for i, s, d, o in zip(offset, strides, dilation, out))
        yield padded[(slice(None),) + index + (slice(None),)]


_ATTRS = {"kernel_size": None, "strides": None, "dilation": None, "padding": None}


def _im2col_rule(specs, attrs):
    (shape, dtype), = specs
    require_float("im2col", dtype)
    if len(shape) < 3:
        raise ValueError(f"im2col: expected x (batch, *spatial, channels), got shape {shape}")
    kernel, *_, out = _geometry("im2col", tuple(shape[1:-1]), attrs)
    return [((shape[0],) + out + (int(np.prod(kernel)) * shape[-1],), dtype)]


def _im2col_ref(x, kernel_size, strides, dilation, padding):
    kernel, strides, dilation, padding, out = _geometry(
        "im2col", x.shape[1:-1], dict(kernel_size=kernel_size, strides=strides,
                                      dilation=dilation, padding=padding))
    padded = np.pad(x, ((0, 0),) + padding + ((0, 0),))
    views = list(_offset_views(padded, kernel, strides, dilation, out))
    return np.stack(views, axis=-2).reshape((x.shape[0],) + out + (-1,))


def _im2col_vjp(n, g):
    if g[0] is None:
        return [None]
    return [bind("col2im", g[0], spatial=tuple(n.inputs[0].shape[1:-1]), **n.attrs)]


register(Primitive(
    "im2col", _im2col_rule, _im2col_ref, vjp=_im2col_vjp, diff_inputs=(0,),
    native_attrs=_native, attr_defaults=dict(_ATTRS), rows="per_row",
    doc="the windows of channels_last x as patches (N, *out, K*C), kernel offsets major, "
        "zeros where a window reads padding"))


def _col2im_rule(specs, attrs):
    (shape, dtype), = specs
    require_float("col2im", dtype)
    spatial = tuple(attrs["spatial"])
    if len(shape) != len(spatial) + 2:
        raise ValueError(f"col2im: patches {shape} must be (batch, *out, K * channels) with "
                         f"one out axis per axis of spatial {spatial}")
    kernel, *_, out = _geometry("col2im", spatial, attrs)
    offsets = int(np.prod(kernel))
    if tuple(shape[1:-1]) != out or shape[-1] % offsets:
        raise ValueError(f"col2im: patches {shape} do not fit spatial {spatial} and kernel "
                         f"{kernel}: expected (batch, *{out}, a multiple of {offsets})")
    return [((shape[0],) + spatial + (shape[-1] // offsets,), dtype)]


def _col2im_ref(g, spatial, kernel_size, strides, dilation, padding):
    kernel, strides, dilation, padding, out = _geometry(
        "col2im", tuple(spatial), dict(kernel_size=kernel_size, strides=strides,
                                       dilation=dilation, padding=padding))
    channels = g.shape[-1] // int(np.prod(kernel))
    padded = np.zeros((g.shape[0],) + tuple(L + b + a for L, (b, a) in zip(spatial, padding))
                      + (channels,), g.dtype)
    parts = g.reshape(g.shape[:-1] + (-1, channels))
    for j, view in enumerate(_offset_views(padded, kernel, strides, dilation, out)):
        view += parts[..., j, :]  # basic slicing: a view into `padded`
    inner = tuple(slice(b, b + L) for L, (b, _) in zip(spatial, padding))
    return np.ascontiguousarray(padded[(slice(None),) + inner + (slice(None),)])


def _col2im_vjp(n, g):
    if g[0] is None:
        return [None]
    attrs = {k: v for k, v in n.attrs.items() if k != "spatial"}
    return [bind("im2col", g[0], **attrs)]


register(Primitive(
    "col2im", _col2im_rule, _col2im_ref, vjp=_col2im_vjp, diff_inputs=(0,),
    native_attrs=_native, attr_defaults=dict(_ATTRS, spatial=None), rows="per_row",
    doc="patches (N, *out, K*C) summed back into the (N, *spatial, C) positions im2col "
        "read them from"))
