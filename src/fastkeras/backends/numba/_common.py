"""Shared machinery of the Numba kernels: the jit decorator, strided views and copies.

Every kernel module imports `jit` from here, so all kernels compile with the same options:
`cache=True` (compiled code is reused across processes), `fastmath=False` (results follow
IEEE order, as the NumPy reference does) and `error_model="numpy"` (x / 0 gives inf or nan
instead of raising ZeroDivisionError, as NumPy does).

Arrays reach the njit code as 1-D "bases" plus element offsets and element strides, so that
one compiled specialisation per dtype serves every rank and every layout (transposed,
broadcast, sliced). `layout(x)` produces that triple for any NumPy array; `collapse` merges
adjacent axes so that the common cases (contiguous, row broadcast) run as one or two loops.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.lib.stride_tricks import as_strided

JIT_OPTIONS = dict(cache=True, fastmath=False, error_model="numpy", nogil=True)


def jit(fn):
    return numba.njit(**JIT_OPTIONS)(fn)


# Same-size unsigned integer types: pure data movement reinterprets every dtype as one of
# these, so that float32 and int32 (for example) share one compiled copy kernel.
_RAW = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def raw(x: np.ndarray) -> np.ndarray:
    """x reinterpreted as the unsigned integer type of the same size (a view)."""
    try:
        return x.view(_RAW[x.dtype.itemsize])
    except KeyError:
        raise TypeError(f"numba backend: unsupported dtype {x.dtype}") from None


def c_strides(shape) -> list:
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return out[::-1]


def layout(x: np.ndarray):
    """(base, offset, strides): `base` is a 1-D view of x's memory starting at its lowest
    address, so that x[i0, i1, ...] == base[offset + sum(ik * strides[k])]."""
    if x.flags.c_contiguous:
        return x.reshape(-1), 0, c_strides(x.shape)
    item = x.itemsize
    if x.size == 0:
        return np.empty(0, x.dtype), 0, [0] * x.ndim
    if any(s % item for s, n in zip(x.strides, x.shape) if n > 1):
        # Byte strides that are not a multiple of the item size (views of packed records):
        # not reachable from the graph; make it contiguous and use the normal path.
        return layout(np.ascontiguousarray(x))
    corner = x[tuple(slice(n - 1, n) if s < 0 else slice(0, 1) for n, s in zip(x.shape, x.strides))]
    span = 1 + sum((n - 1) * abs(s) // item for n, s in zip(x.shape, x.strides))
    base = as_strided(corner, shape=(span,), strides=(item,))
    offset = sum((n - 1) * (-s) // item for n, s in zip(x.shape, x.strides) if s < 0)
    return base, offset, [s // item if n > 1 else 0 for n, s in zip(x.shape, x.strides)]


def broadcast_strides(strides, in_shape, out_shape):
    """Element strides of an operand of `in_shape` broadcast (NumPy rules) to `out_shape`."""
    lead = len(out_shape) - len(in_shape)
    return [0] * lead + [0 if d == 1 else s for d, s in zip(in_shape, strides)]


def collapse(shape, *strides):
    """Drops size-1 axes and merges adjacent axes that every operand walks contiguously.
    Returns (shape, strides...) as int64 arrays of rank >= 1."""
    dims = [(n, [s[i] for s in strides]) for i, n in enumerate(shape) if n != 1]
    out = []
    for n, st in dims:
        if out:
            pn, pst = out[-1]
            if all(p == q * n for p, q in zip(pst, st)):
                out[-1] = (pn * n, st)
                continue
        out.append((n, st))
    if not out:
        out = [(1, [0] * len(strides))]
    shp = np.array([n for n, _ in out], np.int64)
    return (shp,) + tuple(np.array([st[k] for _, st in out], np.int64) for k in range(len(strides)))


@jit
def row_starts(shape, s1, o1, s2, o2):
    """Start offsets of every innermost row of the index box `shape`, in two operands walked
    with element strides s1 and s2 from offsets o1 and o2 (an odometer over outer axes)."""
    nd = shape.size
    outer = 1
    for k in range(nd - 1):
        outer *= shape[k]
    p1 = np.empty(outer, np.int64)
    p2 = np.empty(outer, np.int64)
    idx = np.zeros(nd, np.int64)
    a = o1
    b = o2
    for r in range(outer):
        p1[r] = a
        p2[r] = b
        k = nd - 2
        while k >= 0:
            idx[k] += 1
            a += s1[k]
            b += s2[k]
            if idx[k] < shape[k]:
                break
            a -= s1[k] * shape[k]
            b -= s2[k] * shape[k]
            idx[k] = 0
            k -= 1
    return p1, p2


@jit
def _copy_strided(src, so, ss, dst, do, ds, shape):
    """dst[do + idx.ds] = src[so + idx.ss] over the index box `shape` (casts if dtypes differ)."""
    nd = shape.size
    n = shape[nd - 1]
    si = ss[nd - 1]
    di = ds[nd - 1]
    if n == 0:
        return
    sps, dps = row_starts(shape, ss, so, ds, do)
    for r in range(sps.size):
        sp = sps[r]
        dp = dps[r]
        if si == 1 and di == 1:
            d = dst[dp:dp + n]
            s = src[sp:sp + n]
            for j in range(n):
                d[j] = s[j]
        elif si > 0 and di > 0:
            d2 = dst[dp:dp + (n - 1) * di + 1:di]
            s2 = src[sp:sp + (n - 1) * si + 1:si]
            for j in range(n):
                d2[j] = s2[j]
        else:
            for j in range(n):
                dst[dp + j * di] = src[sp + j * si]


@jit
def _copy_flat(src, dst):
    for i in range(dst.size):
        dst[i] = src[i]


@jit
def _fill(dst, value):
    for i in range(dst.size):
        dst[i] = value


def copy_into(src: np.ndarray, dst: np.ndarray, src_strides=None):
    """dst[...] = src for arrays of one shape and any layouts; a cast when dtypes differ.
    `src_strides` (element strides over dst's shape) overrides src's own, for broadcasting."""
    if dst.size == 0:
        return
    same = src.dtype == dst.dtype
    if same and src_strides is None and src.flags.c_contiguous and dst.flags.c_contiguous:
        _copy_flat(raw(src).reshape(-1), raw(dst).reshape(-1))
        return
    sb, so, ss = layout(src)
    db, do, ds = layout(dst)
    if src_strides is not None:
        ss = src_strides
    shape, ss, ds = collapse(dst.shape, ss, ds)
    if same:
        sb, db = raw(sb), raw(db)
    _copy_strided(sb, so, ss, db, do, ds, shape)


def contiguous(x: np.ndarray) -> np.ndarray:
    """x itself when C-contiguous, else a C-contiguous copy made by the njit copy kernel."""
    if x.flags.c_contiguous:
        return x
    out = np.empty(x.shape, x.dtype)
    copy_into(x, out)
    return out


def flat(x: np.ndarray) -> np.ndarray:
    """1-D contiguous view (or copy) of x's elements in C order."""
    return contiguous(x).reshape(-1)


def zero_fill(x: np.ndarray):
    """x[...] = 0 for a C-contiguous x."""
    if x.size:
        r = raw(x).reshape(-1)
        _fill(r, r.dtype.type(0))


class Mutable:
    """A flat contiguous view of an operand that a kernel updates in place; when the operand
    is not contiguous, a contiguous copy whose contents are written back by `done()`."""

    __slots__ = ("orig", "tmp", "flat")

    def __init__(self, x: np.ndarray):
        self.orig = x
        if x.flags.c_contiguous:
            self.tmp = None
            self.flat = x.reshape(-1)
        else:
            self.tmp = contiguous(x)
            self.flat = self.tmp.reshape(-1)

    def done(self):
        if self.tmp is not None:
            copy_into(self.tmp, self.orig)


def get_attr(prim, attrs, key):
    """attrs[key], falling back to the primitive's declared default."""
    try:
        return attrs[key]
    except KeyError:
        return prim.attr_defaults[key]


def normalize_axis(axis, ndim):
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"axis={axis} is out of range for a tensor of rank {ndim}")
    return axis % ndim if ndim else 0


def split3(shape, axis):
    """(outer, n, inner) sizes for an operation along `axis` of a C-contiguous array."""
    outer = 1
    for d in shape[:axis]:
        outer *= d
    inner = 1
    for d in shape[axis + 1:]:
        inner *= d
    return outer, (shape[axis] if shape else 1), inner
