"""Reductions: sum, mean, max over any set of axes, and argmax along one axis.

The wrapper merges adjacent axes that are all kept or all reduced, so the kernel walks a
C-contiguous input of alternating kept/reduced axes with an output stride of 0 on reduced
axes. Sums accumulate in float64 (four partial sums when the innermost axis is reduced);
max propagates NaN like NumPy."""

from __future__ import annotations

import numpy as np

from ._common import contiguous, get_attr, jit, normalize_axis, row_starts, split3


@jit
def _c_strides(shape):
    st = np.ones(shape.size, np.int64)
    for k in range(shape.size - 2, -1, -1):
        st[k] = st[k + 1] * shape[k + 1]
    return st


@jit
def _sum_acc(x, shape, ostr, acc):
    """acc[out index] += x over the box `shape`; x is C-contiguous over `shape`."""
    n = shape[shape.size - 1]
    so = ostr[ostr.size - 1]
    xps, ops = row_starts(shape, _c_strides(shape), 0, ostr, 0)
    for r in range(xps.size):
        xr = x[xps[r]:xps[r] + n]
        o = ops[r]
        if so == 0:
            # Four partial sums: independent chains the CPU can pipeline.
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            s3 = 0.0
            q = n // 4
            for j in range(q):
                s0 += xr[4 * j]
                s1 += xr[4 * j + 1]
                s2 += xr[4 * j + 2]
                s3 += xr[4 * j + 3]
            for j in range(4 * q, n):
                s0 += xr[j]
            acc[o] += (s0 + s1) + (s2 + s3)
        else:
            ar = acc[o:o + n]
            for j in range(n):
                ar[j] += xr[j]


@jit
def _sum(x, shape, ostr, out, count, mean):
    acc = np.zeros(out.size, np.float64)
    if x.size:
        _sum_acc(x, shape, ostr, acc)
    if mean:
        for i in range(out.size):
            out[i] = acc[i] / count
    else:
        for i in range(out.size):
            out[i] = acc[i]


@jit
def _max(x, shape, ostr, out):
    for i in range(out.size):
        out[i] = -np.inf
    if x.size == 0:
        return
    n = shape[shape.size - 1]
    so = ostr[ostr.size - 1]
    xps, ops = row_starts(shape, _c_strides(shape), 0, ostr, 0)
    for r in range(xps.size):
        xr = x[xps[r]:xps[r] + n]
        o = ops[r]
        if so == 0:
            m = out[o]
            for j in range(n):
                v = xr[j]
                if (v > m or v != v) and m == m:  # NaN wins, as in NumPy
                    m = v
            out[o] = m
        else:
            orow = out[o:o + n]
            for j in range(n):
                v = xr[j]
                m = orow[j]
                if (v > m or v != v) and m == m:
                    orow[j] = v


def _plan(shape, axes):
    """Merged (shape, output strides, count) for reducing `axes` of a C-ordered `shape`."""
    dims = []
    for i, d in enumerate(shape):
        if d == 1:
            continue
        red = i in axes
        if dims and dims[-1][1] == red:
            dims[-1][0] *= d
        else:
            dims.append([d, red])
    if not dims:
        dims = [[1, False]]
    ostr = [0] * len(dims)
    acc = 1
    for i in range(len(dims) - 1, -1, -1):
        if not dims[i][1]:
            ostr[i] = acc
            acc *= dims[i][0]
    count = 1
    for a in axes:
        count *= shape[a]
    return np.array([d for d, _ in dims], np.int64), np.array(ostr, np.int64), count


def _axes(prim, attrs, ndim):
    axes = get_attr(prim, attrs, "axes")
    if axes is None:
        return set(range(ndim))
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    return {normalize_axis(int(a), ndim) for a in axes}


def reduce_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    if out.size == 0:
        return
    shape, ostr, count = _plan(x.shape, _axes(prim, attrs, x.ndim))
    xf = contiguous(x).reshape(-1)
    if prim.name == "max":
        _max(xf, shape, ostr, out.reshape(-1))
    else:
        _sum(xf, shape, ostr, out.reshape(-1), count, prim.name == "mean")


@jit
def _argmax(x, out, outer, n, inner):
    for o in range(outer):
        for i in range(inner):
            base = o * n * inner + i
            best = x[base]
            bi = 0
            if best == best:
                for k in range(1, n):
                    v = x[base + k * inner]
                    if v > best:
                        best = v
                        bi = k
                    elif v != v:
                        bi = k
                        break
            out[o * inner + i] = bi


def argmax_kernel(prim, ins, outs, attrs, native):
    x, out = ins[0], outs[0]
    if out.size == 0:
        return
    if x.dtype == np.bool_:
        x = x.view(np.uint8)
    axis = normalize_axis(get_attr(prim, attrs, "axis"), x.ndim)
    outer, n, inner = split3(x.shape, axis)
    if n == 0:
        raise ValueError("argmax over an empty axis")
    _argmax(contiguous(x).reshape(-1), out.reshape(-1), outer, n, inner)


@jit
def _moments(x, mean, var):
    rows, cols = x.shape
    for j in range(cols):
        s = 0.0
        for r in range(rows):
            s += np.float64(x[r, j])
        mean[j] = s / rows
        m = mean[j]
        s = 0.0
        for r in range(rows):
            d = np.float64(x[r, j] - m)
            s += d * d
        var[j] = s / rows


def moments_kernel(prim, ins, outs, attrs, native):
    _moments(contiguous(ins[0]), outs[0], outs[1])


KERNELS = {"moments": moments_kernel, "sum": reduce_kernel, "mean": reduce_kernel, "max": reduce_kernel,
           "argmax": argmax_kernel}
