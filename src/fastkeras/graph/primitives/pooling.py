"""Max pooling as a primitive pair: the forward keeps, per output element, where its maximum
came from, and the backward scatters the cotangent there (the composite of `maximum`s over
shifted windows made its backward a chain of full-size pads and adds).

  max_pool(x, pool_size, strides, padding) -> y, argmax
      x (N, *spatial, C), channels_last, any number of spatial axes; padding is one
      (before, after) pair per spatial axis. y (N, *out, C) is the max over each window's
      non-padded positions (padding never wins: 'same' windows always hold one real
      position); argmax (N, *out, C) int32 is the winner's flat index into the sample's
      spatial positions (row-major over `spatial`, unpadded). Ties go to the first maximum
      in the window's row-major order, and a NaN wins (the first one), as XLA's
      reduce_window max and its select-and-scatter gradient do (what Keras 3's JAX backend
      computes).
  max_pool_grad(dy, argmax, spatial, pool_size=None, strides=None, padding=None) -> dx
      dx (N, *spatial, C) zero but for dy[n, o, c] added at dx[n, argmax[n, o, c], c]
      (overlapping windows sum). Like the other gradient helpers (relu_grad, softmax_grad)
      it has no VJP: a gradient of a gradient does not flow through it. The forward's
      geometry, when given, changes no value: it lets the cpu kernel write each window's
      positions once where windows never overlap, instead of zeroing dx and scattering.

Native encoding:
  max_pool:       ints (k_1..k_n, s_1..s_n, before_1..before_n, after_1..after_n)
  max_pool_grad:  none, or with pool_size given (k_1..k_n, s_1..s_n, before_1..before_n)
                  (dx's spatial shape is its output operand's)
"""

from __future__ import annotations

import itertools

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import require_float


def pooled_length(length, kernel, stride, before, after):
    return (length + before + after - kernel) // stride + 1


def _geometry(name, shape, attrs):
    """(spatial, kernel, strides, padding, out) of a channels_last input shape."""
    n = len(shape) - 2
    if n < 1:
        raise ValueError(f"{name}: expected (batch, *spatial, channels), got shape {shape}")
    kernel, strides = tuple(attrs["pool_size"]), tuple(attrs["strides"])
    padding = tuple(tuple(p) for p in attrs["padding"])
    if not len(kernel) == len(strides) == len(padding) == n:
        raise ValueError(f"{name}: pool_size {kernel}, strides {strides} and padding {padding} "
                         f"must each have one entry per spatial axis of {shape}")
    spatial = tuple(shape[1:-1])
    for L, k, s, (b, a) in zip(spatial, kernel, strides, padding):
        if k < 1 or s < 1 or b < 0 or a < 0 or b >= k or a >= k:
            raise ValueError(f"{name}: pool_size {kernel} and strides {strides} must be "
                             f"positive, padding {padding} non-negative and narrower than "
                             f"the window")
        if k > L + b + a:
            raise ValueError(f"{name}: the window {kernel} is larger than the padded input "
                             f"{spatial} (padding {padding})")
    out = tuple(pooled_length(L, k, s, b, a)
                for L, k, s, (b, a) in zip(spatial, kernel, strides, padding))
    return spatial, kernel, strides, padding, out


def _max_pool_rule(specs, attrs):
    (shape, dtype), = specs
    require_float("max_pool", dtype)
    _, _, _, _, out = _geometry("max_pool", shape, attrs)
    out_shape = (shape[0],) + out + (shape[-1],)
    return [(out_shape, dtype), (out_shape, "int32")]


def _max_pool_ref(x, pool_size, strides, padding):
    spatial, kernel, strides, padding, out = _geometry("max_pool", x.shape,
                                                       dict(pool_size=pool_size,
                                                            strides=strides, padding=padding))
    shape = (x.shape[0],) + out + (x.shape[-1],)
    best = np.zeros(shape, x.dtype)
    arg = np.zeros(shape, np.int32)
    have = np.zeros(out, bool)  # a window's first real position has been seen
    for offset in itertools.product(*(range(k) for k in kernel)):
        pos = [np.arange(o) * s + i - b for o, s, i, (b, _) in zip(out, strides, offset, padding)]
        valid = np.ones(out, bool)
        for a, (p, L) in enumerate(zip(pos, spatial)):
            valid &= ((p >= 0) & (p < L)).reshape((1,) * a + (-1,) + (1,) * (len(out) - a - 1))
        pos = [np.clip(p, 0, L - 1) for p, L in zip(pos, spatial)]
        v = x[(slice(None),) + np.ix_(*pos) + (slice(None),)]
        flat = np.ravel_multi_index(np.ix_(*pos), spatial).astype(np.int32)
        with np.errstate(invalid="ignore"):
            wins = ~have[None, ..., None] | (v > best) | (np.isnan(v) & ~np.isnan(best))
        take = valid[None, ..., None] & wins
        best = np.where(take, v, best)
        arg = np.where(take, flat[None, ..., None], arg)
        have |= valid
    return best, arg


def _max_pool_vjp(n, g):
    if g[0] is None:
        return [None]
    return [bind("max_pool_grad", g[0], n.outputs[1], spatial=tuple(n.inputs[0].shape[1:-1]),
                 pool_size=n.attrs["pool_size"], strides=n.attrs["strides"],
                 padding=n.attrs["padding"])]


register(Primitive(
    "max_pool", _max_pool_rule, _max_pool_ref, vjp=_max_pool_vjp, diff_inputs=(0,),
    native_attrs=lambda attrs, specs: (tuple(attrs["pool_size"]) + tuple(attrs["strides"])
                                       + tuple(b for b, _ in attrs["padding"])
                                       + tuple(a for _, a in attrs["padding"]), ()),
    attr_defaults={"pool_size": None, "strides": None, "padding": None}, rows="per_row",
    doc="max over each window of channels_last x, and the flat spatial index of the first "
        "maximum (int32)"))


def _max_pool_grad_rule(specs, attrs):
    (sg, dg), (sa, da) = specs
    require_float("max_pool_grad", dg)
    if da != "int32":
        raise TypeError(f"max_pool_grad: argmax must be int32, got {da}")
    if tuple(sg) != tuple(sa) or len(sg) < 3:
        raise ValueError(f"max_pool_grad: dy {sg} and argmax {sa} must share one shape "
                         f"(batch, *out, channels)")
    spatial = tuple(attrs["spatial"])
    if len(spatial) != len(sg) - 2 or any(L < 1 for L in spatial):
        raise ValueError(f"max_pool_grad: spatial {spatial} must give one positive length per "
                         f"spatial axis of {sg}")
    if attrs["pool_size"] is not None:  # the forward's windows must give dy's shape
        out = _geometry("max_pool_grad", (sg[0],) + spatial + (sg[-1],), attrs)[-1]
        if tuple(out) != tuple(sg[1:-1]):
            raise ValueError(f"max_pool_grad: windows {attrs['pool_size']} (strides "
                             f"{attrs['strides']}, padding {attrs['padding']}) over {spatial} "
                             f"give {out}, not dy's {tuple(sg[1:-1])}")
    return [((sg[0],) + spatial + (sg[-1],), dg)]


def _max_pool_grad_ref(dy, argmax, spatial, pool_size=None, strides=None, padding=None):
    n, c = dy.shape[0], dy.shape[-1]
    size = int(np.prod(spatial))
    if argmax.size and (argmax.min() < 0 or argmax.max() >= size):
        raise IndexError(f"max_pool_grad: an argmax index is outside [0, {size})")
    dx = np.zeros((n, size, c), dy.dtype)
    rows = np.arange(n).reshape((n,) + (1,) * (dy.ndim - 1))
    cols = np.arange(c)
    np.add.at(dx, (rows, argmax, cols), dy)
    return dx.reshape((n,) + tuple(spatial) + (c,))


register(Primitive(
    "max_pool_grad", _max_pool_grad_rule, _max_pool_grad_ref,
    native_attrs=lambda attrs, specs: ((tuple(attrs["pool_size"]) + tuple(attrs["strides"])
                                        + tuple(b for b, _ in attrs["padding"]), ())
                                       if attrs["pool_size"] is not None else ((), ())),
    attr_defaults={"spatial": None, "pool_size": None, "strides": None, "padding": None},
    rows="per_row",
    doc="dy scattered (summed) into the argmax positions of a zero (N, *spatial, C) tensor"))
