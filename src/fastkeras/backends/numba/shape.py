"""Data movement: reshape, transpose, broadcast_to, concatenate, slice, pad, take,
scatter_add and cast.

All but take/scatter_add are one strided copy (`_common.copy_into`): the wrapper describes
the source as a NumPy view (transposed, sliced, broadcast) and the njit kernel moves the
elements, reinterpreting every dtype as a same-size unsigned integer so that one compiled
copy serves all dtypes of an item size. cast is the same copy between two dtypes."""

from __future__ import annotations

import numpy as np

from ._common import (broadcast_strides, contiguous, copy_into, get_attr, jit, layout,
                      normalize_axis, raw, zero_fill)


def reshape_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    if x.flags.c_contiguous:
        copy_into(x.reshape(out.shape), out)
    else:
        copy_into(x, out.reshape(x.shape))


def _perm(prim, attrs, ndim):
    perm = get_attr(prim, attrs, "perm")
    if perm is None:
        return tuple(reversed(range(ndim)))
    return tuple(normalize_axis(int(p), ndim) for p in perm)


def transpose_kernel(prim, ins, outs, attrs, native):
    copy_into(ins[0].transpose(_perm(prim, attrs, ins[0].ndim)), outs[0])


def broadcast_to_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    if out.size == 0:
        return
    _, _, strides = layout(x)
    copy_into(x, out, broadcast_strides(strides, x.shape, out.shape))


def _region(out, axis, start, stop):
    idx = [slice(None)] * out.ndim
    idx[axis] = slice(start, stop)
    return out[tuple(idx)]


def concatenate_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    axis = normalize_axis(get_attr(prim, attrs, "axis"), out.ndim)
    start = 0
    for x in ins:
        size = x.shape[axis]
        copy_into(x, _region(out, axis, start, start + size))
        start += size


def slice_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    axis = normalize_axis(get_attr(prim, attrs, "axis"), x.ndim)
    start = int(get_attr(prim, attrs, "start"))
    copy_into(_region(x, axis, start, start + out.shape[axis]), out)


def pad_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    axis = normalize_axis(get_attr(prim, attrs, "axis"), x.ndim)
    before = int(get_attr(prim, attrs, "before"))
    zero_fill(out)
    copy_into(x, _region(out, axis, before, before + x.shape[axis]))


def cast_kernel(prim, ins, outs, attrs, native):
    copy_into(ins[0], outs[0])


@jit
def _first_bad(indices, rows):
    """Position of the first index outside [-rows, rows), or -1."""
    for i in range(indices.size):
        v = indices[i]
        if v < -rows or v >= rows:
            return i
    return -1


def check_indices(indices, rows, op):
    pos = _first_bad(indices, rows)
    if pos >= 0:
        raise IndexError(f"{op}: index {int(indices[pos])} is out of range [{-rows}, {rows})")


@jit
def _take(params, indices, out, row):
    rows = params.size // row
    for i in range(indices.size):
        r = indices[i] + rows if indices[i] < 0 else indices[i]  # checked: in [-rows, rows)
        src = params[r * row:(r + 1) * row]
        dst = out[i * row:(i + 1) * row]
        for j in range(row):
            dst[j] = src[j]


@jit
def _scatter_add(updates, indices, out, row):
    zero = out.dtype.type(0)
    for i in range(out.size):
        out[i] = zero
    rows = out.size // row
    for i in range(indices.size):
        r = indices[i] + rows if indices[i] < 0 else indices[i]  # checked: in [-rows, rows)
        dst = out[r * row:(r + 1) * row]
        src = updates[i * row:(i + 1) * row]
        for j in range(row):
            dst[j] += src[j]


def _int32_flat(indices, op):
    if indices.dtype != np.int32:
        raise TypeError(f"{op}: indices must be int32, got {indices.dtype}")
    return contiguous(indices).reshape(-1)


def take_kernel(prim, ins, outs, attrs, native):
    params, out = ins[0], outs[0]
    idx = _int32_flat(ins[1], "take")
    rows = params.shape[0]
    check_indices(idx, rows, "take")
    if out.size == 0:
        return
    row = out.size // idx.size
    _take(raw(contiguous(params)).reshape(-1), idx, raw(out).reshape(-1), row)


def scatter_add_kernel(prim, ins, outs, attrs, native):
    updates, out = ins[0], outs[0]
    idx = _int32_flat(ins[1], "scatter_add")
    rows = out.shape[0]
    check_indices(idx, rows, "scatter_add")
    if out.size == 0:
        return
    row = out.size // rows
    u = contiguous(updates).reshape(-1)
    if out.dtype == np.bool_:
        raise TypeError("scatter_add: bool updates are not supported")
    _scatter_add(u, idx, out.reshape(-1), row)


KERNELS = {"reshape": reshape_kernel, "transpose": transpose_kernel,
           "broadcast_to": broadcast_to_kernel, "concatenate": concatenate_kernel,
           "slice": slice_kernel, "pad": pad_kernel, "cast": cast_kernel, "take": take_kernel,
           "scatter_add": scatter_add_kernel}
