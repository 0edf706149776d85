"""Data movement: reshape, transpose, broadcast_to, concatenate, slice, pad, take (row
gather), scatter_add (its transpose) and cast.

Native encoding:
  reshape, broadcast_to, cast:  none (read from operand shapes and dtypes)
  transpose:                    ints perm (ndim entries)
  concatenate:                  ints (axis,)
  slice:                        ints (axis, start)       output size gives the stop
  pad:                          ints (axis, before)      output size gives `after`
  take, scatter_add:            none; indices are int32 in [-rows, rows) (negative from the end)
"""

from __future__ import annotations

import math

import numpy as np

from ..core import bind
from ..primitive import DTYPES, FLOAT_DTYPES, Primitive, register
from ._rules import broadcast_shapes, batch_axis_past_axis, normalize_axis, require_same_dtype, \
    sum_to_shape


def resolve_shape(shape, size):
    shape = tuple(int(d) for d in shape)
    if shape.count(-1) > 1:
        raise ValueError(f"reshape: at most one -1 allowed, got {shape}")
    known = math.prod(d for d in shape if d != -1)
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"Cannot reshape a tensor of {size} elements into {shape}")
        shape = tuple(size // known if d == -1 else d for d in shape)
    if math.prod(shape) != size:
        raise ValueError(f"Cannot reshape a tensor of {size} elements into shape {shape}")
    return shape


def _reshape_rule(specs, attrs):
    (shape, dtype), = specs
    return [(resolve_shape(attrs["shape"], math.prod(shape)), dtype)]


register(Primitive(
    "reshape", _reshape_rule, lambda x, shape: x.reshape(resolve_shape(shape, x.size)),
    vjp=lambda n, g: [bind("reshape", g[0], shape=n.inputs[0].shape)], diff_inputs=(0,),
    attr_defaults={"shape": None}, doc="same elements, new shape (one -1 allowed)",
    # C order keeps each sample's elements together: (N, H, W, C) -> (N * H * W, C) is still
    # row-local (graph/rowlocal.py), with H * W rows a sample.
    rows="regroup"))


def _perm(attrs, ndim):
    perm = attrs["perm"]
    perm = tuple(reversed(range(ndim))) if perm is None else tuple(normalize_axis(p, ndim) for p in perm)
    if sorted(perm) != list(range(ndim)):
        raise ValueError(f"transpose: {attrs['perm']} is not a permutation of {ndim} axes")
    return perm


def _transpose_rule(specs, attrs):
    (shape, dtype), = specs
    return [(tuple(shape[p] for p in _perm(attrs, len(shape))), dtype)]


register(Primitive(
    "transpose", _transpose_rule, lambda x, perm: np.transpose(x, _perm({"perm": perm}, x.ndim)),
    vjp=lambda n, g: [bind("transpose", g[0], perm=tuple(
        int(i) for i in np.argsort(_perm(n.attrs, len(n.inputs[0].shape)))))],
    diff_inputs=(0,), native_attrs=lambda a, s: (_perm(a, len(s[0][0])), ()),
    attr_defaults={"perm": None}, doc="permute axes (default: reverse them)",
    rows="axis0", batch_axis_after=lambda n, axis: _perm(n.attrs, n.inputs[0].ndim).index(axis)))


def _broadcast_rule(specs, attrs):
    (shape, dtype), = specs
    target = tuple(attrs["shape"])
    if broadcast_shapes(shape, target) != target:
        raise ValueError(f"broadcast_to: cannot broadcast {shape} to {target}")
    return [(target, dtype)]


register(Primitive(
    "broadcast_to", _broadcast_rule,
    lambda x, shape: np.ascontiguousarray(np.broadcast_to(x, shape)),
    vjp=lambda n, g: [sum_to_shape(bind, g[0], n.inputs[0].shape)], diff_inputs=(0,),
    attr_defaults={"shape": None}, doc="NumPy broadcasting to a target shape",
    # New leading axes shift the batch axis; a batch axis (never 1 long) is not broadcast.
    rows="axis0", batch_axis_after=lambda n, axis: axis + n.outputs[0].ndim - n.inputs[0].ndim))


def _concat_rule(specs, attrs):
    if not specs:
        raise ValueError("concatenate needs at least one input")
    dtype = require_same_dtype("concatenate", specs)
    first = specs[0][0]
    axis = normalize_axis(attrs["axis"], len(first))
    for s, _ in specs:
        if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first)) if i != axis):
            raise ValueError(f"concatenate on axis {attrs['axis']}: shapes "
                             f"{[s for s, _ in specs]} differ off that axis")
    out = list(first)
    out[axis] = sum(s[axis] for s, _ in specs)
    return [(tuple(out), dtype)]


def _concat_vjp(n, g):
    axis = normalize_axis(n.attrs["axis"], len(n.inputs[0].shape))
    grads, start = [], 0
    for x in n.inputs:
        size = x.shape[axis]
        grads.append(bind("slice", g[0], axis=axis, start=start, stop=start + size))
        start += size
    return grads


register(Primitive(
    "concatenate", _concat_rule, lambda *xs, axis: np.concatenate(xs, axis=axis),
    vjp=_concat_vjp, diff_inputs=None,
    native_attrs=lambda a, s: ((normalize_axis(a["axis"], len(s[0][0])),), ()),
    attr_defaults={"axis": -1}, doc="join along an existing axis", rows="concat"))


def _slice_bounds(attrs, shape):
    axis = normalize_axis(attrs["axis"], len(shape))
    start, stop = int(attrs["start"]), int(attrs["stop"])
    if not 0 <= start <= stop <= shape[axis]:
        raise ValueError(f"slice [{start}:{stop}] out of range for axis {axis} of size {shape[axis]}")
    return axis, start, stop


def _slice_rule(specs, attrs):
    (shape, dtype), = specs
    axis, start, stop = _slice_bounds(attrs, shape)
    out = list(shape)
    out[axis] = stop - start
    return [(tuple(out), dtype)]


def _slice_ref(x, axis, start, stop):
    axis, start, stop = _slice_bounds({"axis": axis, "start": start, "stop": stop}, x.shape)
    return np.ascontiguousarray(np.take(x, np.arange(start, stop), axis=axis))


def _slice_vjp(n, g):
    axis, start, stop = _slice_bounds(n.attrs, n.inputs[0].shape)
    return [bind("pad", g[0], axis=axis, before=start, after=n.inputs[0].shape[axis] - stop)]


register(Primitive(
    "slice", _slice_rule, _slice_ref, vjp=_slice_vjp, diff_inputs=(0,),
    native_attrs=lambda a, s: (_slice_bounds(a, s[0][0])[:2], ()),
    attr_defaults={"axis": 0, "start": 0, "stop": None}, doc="x[start:stop] along one axis",
    rows="axis0", batch_axis_after=batch_axis_past_axis))


def _pad_rule(specs, attrs):
    (shape, dtype), = specs
    axis = normalize_axis(attrs["axis"], len(shape))
    if attrs["before"] < 0 or attrs["after"] < 0:
        raise ValueError("pad amounts must be non-negative")
    out = list(shape)
    out[axis] += attrs["before"] + attrs["after"]
    return [(tuple(out), dtype)]


def _pad_ref(x, axis, before, after):
    widths = [(0, 0)] * x.ndim
    widths[normalize_axis(axis, x.ndim)] = (before, after)
    return np.pad(x, widths)


def _pad_vjp(n, g):
    axis = normalize_axis(n.attrs["axis"], len(n.inputs[0].shape))
    before = n.attrs["before"]
    return [bind("slice", g[0], axis=axis, start=before, stop=before + n.inputs[0].shape[axis])]


register(Primitive(
    "pad", _pad_rule, _pad_ref, vjp=_pad_vjp, diff_inputs=(0,),
    native_attrs=lambda a, s: ((normalize_axis(a["axis"], len(s[0][0])), a["before"]), ()),
    attr_defaults={"axis": 0, "before": 0, "after": 0}, doc="zero padding along one axis",
    rows="axis0", batch_axis_after=batch_axis_past_axis))


def _check_indices(indices, rows, op):
    bad = (indices < -rows) | (indices >= rows)
    if bad.any():
        raise IndexError(f"{op}: index {int(indices.reshape(-1)[bad.reshape(-1)][0])} is out "
                         f"of range [{-rows}, {rows})")


def _take_rule(specs, attrs):
    (sp, dp), (si, di) = specs
    if di != "int32":
        raise TypeError(f"take: indices must be int32, got {di}")
    if not sp:
        raise ValueError("take: params must have at least one axis")
    return [(tuple(si) + tuple(sp[1:]), dp)]


def _take_ref(params, indices):
    _check_indices(indices, params.shape[0], "take")
    return params[indices]


register(Primitive(
    "take", _take_rule, _take_ref,
    vjp=lambda n, g: [bind("scatter_add", g[0], n.inputs[1], rows=n.inputs[0].shape[0]), None],
    diff_inputs=(0,), doc="params[indices]: gather rows (axis 0)", rows="gather"))


def _scatter_rule(specs, attrs):
    (su, du), (si, di) = specs
    if di != "int32":
        raise TypeError(f"scatter_add: indices must be int32, got {di}")
    if tuple(su[:len(si)]) != tuple(si):
        raise ValueError(f"scatter_add: updates {su} do not start with the indices shape {si}")
    return [((int(attrs["rows"]),) + tuple(su[len(si):]), du)]


def _scatter_ref(updates, indices, rows):
    _check_indices(indices, rows, "scatter_add")
    out = np.zeros((rows,) + updates.shape[indices.ndim:], updates.dtype)
    np.add.at(out, indices.reshape(-1), updates.reshape((-1,) + updates.shape[indices.ndim:]))
    return out


register(Primitive(
    "scatter_add", _scatter_rule, _scatter_ref,
    vjp=lambda n, g: [bind("take", g[0], n.inputs[1]), None], diff_inputs=(0,),
    attr_defaults={"rows": None}, doc="zeros(rows, ...) with updates summed into rows[indices]",
    rows="mixed"))


def _cast_rule(specs, attrs):
    (shape, dtype), = specs
    if attrs["dtype"] not in DTYPES:
        raise TypeError(f"cast: unknown dtype {attrs['dtype']!r}; expected one of {DTYPES}")
    return [(shape, attrs["dtype"])]


def _cast_vjp(n, g):
    src, dst = n.inputs[0].dtype, n.outputs[0].dtype
    if src in FLOAT_DTYPES and dst in FLOAT_DTYPES:
        return [bind("cast", g[0], dtype=src)]
    return [None]


register(Primitive(
    "cast", _cast_rule, lambda x, dtype: x.astype(dtype), vjp=_cast_vjp, diff_inputs=(0,),
    attr_defaults={"dtype": None}, doc="convert dtype (float->int truncates toward zero)",
    rows="elementwise", program_op=True))
