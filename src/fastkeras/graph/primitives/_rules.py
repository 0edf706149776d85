"""Shared shape rules and small helpers for primitive declarations."""

from __future__ import annotations

from ..primitive import FLOAT_DTYPES


def broadcast_shapes(*shapes):
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(ndim):
        dims = {s[i - ndim + len(s)] for s in shapes if i - ndim + len(s) >= 0}
        dims.discard(1)
        if len(dims) > 1:
            raise ValueError(f"Shapes {' and '.join(map(str, shapes))} cannot be broadcast together")
        out.append(dims.pop() if dims else 1)
    return tuple(out)


def require_same_dtype(name, specs):
    dtypes = {d for _, d in specs}
    if len(dtypes) > 1:
        raise TypeError(f"{name}: inputs must share one dtype, got {[d for _, d in specs]}")
    return specs[0][1]


def require_float(name, dtype):
    if dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name}: expected a floating-point input, got {dtype}")


def normalize_axis(axis, ndim, name="axis"):
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}={axis} is out of range for a tensor of rank {ndim}")
    return axis % ndim if ndim else 0


def normalize_axes(axes, ndim):
    if axes is None:
        return tuple(range(ndim))
    if isinstance(axes, int):
        axes = (axes,)
    out = sorted({normalize_axis(a, ndim) for a in axes})
    return tuple(out)


def axes_mask(axes):
    """Bit i set when axis i is reduced: the native encoding of an axis set."""
    m = 0
    for a in axes:
        m |= 1 << a
    return m


def same_as_first(name, float_only=True):
    def rule(specs, attrs):
        dtype = require_same_dtype(name, specs)
        if float_only:
            require_float(name, dtype)
        shapes = {s for s, _ in specs}
        if len(shapes) > 1:
            raise ValueError(f"{name}: all inputs must have the same shape, got "
                             f"{[s for s, _ in specs]}")
        return [(specs[0][0], dtype)]
    return rule


def sum_to_shape(bind, g, shape):
    """Reduce a broadcast cotangent `g` back to `shape` (the VJP of broadcasting)."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = len(g.shape) - len(shape)
    axes = list(range(lead))
    for i, d in enumerate(shape):
        if d == 1 and g.shape[lead + i] != 1:
            axes.append(lead + i)
    r = bind("sum", g, axes=tuple(axes), keepdims=False) if axes else g
    if tuple(r.shape) != tuple(shape):
        r = bind("reshape", r, shape=tuple(shape))
    return r


# batch_axis_after functions (primitive.py's rows="axis0"): where the data operand's batch
# axis `axis` is in the output, or None when the call mixes the samples along it.
def batch_axis_past_axis(node, axis):
    """Ops along one `axis` attribute (softmax, slice, pad; argmax drops it): any other."""
    along = normalize_axis(node.attrs["axis"], node.inputs[0].ndim)
    if along == axis:
        return None
    dropped = node.outputs[0].ndim < node.inputs[0].ndim
    return axis - 1 if dropped and along < axis else axis


def batch_axis_past_axes(node, axis):
    """Reductions over `axes` (None: all of them)."""
    axes = node.attrs["axes"]
    if axes is None:
        return None
    axes = normalize_axes(axes, node.inputs[0].ndim)
    if axis in axes:
        return None
    return axis if node.attrs.get("keepdims") else axis - sum(a < axis for a in axes)


def batch_axis_past_matmul(node, axis):
    """op(x) @ w (dense, matmul): x's rows stay rows, and a transposed 2-D x's columns
    become rows; the contracted axis mixes."""
    x, w = node.inputs[0], node.inputs[1]
    if w.ndim != 2 or x.ndim < 2:
        return None
    if node.attrs.get("transpose_a", False):
        return 0 if x.ndim == 2 and axis == 1 else None
    return axis if axis < x.ndim - 1 else None
