"""max_pool and max_pool_grad (graph/primitives/pooling.py) for any number of spatial axes:
the operands are seen as (N, S, C) with S the flattened spatial positions, and the window
geometry as one (out positions, window offsets) table of input positions (-1: padding),
built once per geometry in NumPy, so that one compiled kernel per dtype serves every rank."""

from __future__ import annotations

import functools
import itertools

import numpy as np

from ._common import contiguous, jit, zero_fill


@functools.lru_cache(maxsize=64)
def window_table(spatial, kernel, strides, before, out, dilation=None):
    """(prod(out), prod(kernel)) int64: the flat input position each window offset reads,
    offsets in row-major order, -1 where it reads padding (dilation: 1 per axis if None)."""
    dilation = dilation or (1,) * len(kernel)
    grids = np.meshgrid(*(np.arange(o) for o in out), indexing="ij")
    table = np.empty((int(np.prod(out)), int(np.prod(kernel))), np.int64)
    for j, offset in enumerate(itertools.product(*(range(k) for k in kernel))):
        flat = np.zeros(out, np.int64)
        valid = np.ones(out, bool)
        for g, L, s, i, b, d in zip(grids, spatial, strides, offset, before, dilation):
            p = g * s + i * d - b
            valid &= (p >= 0) & (p < L)
            flat = flat * L + p
        table[:, j] = np.where(valid, flat, -1).reshape(-1)
    return table


@jit
def _max_pool(x, table, y, arg):
    n_batch, _, channels = x.shape
    positions, offsets = table.shape
    for n in range(n_batch):
        for o in range(positions):
            first = True
            for k in range(offsets):
                p = table[o, k]
                if p < 0:
                    continue
                if first:
                    for c in range(channels):
                        y[n, o, c] = x[n, p, c]
                        arg[n, o, c] = p
                    first = False
                    continue
                for c in range(channels):
                    v = x[n, p, c]
                    b = y[n, o, c]
                    if v > b or (v != v and b == b):  # first maximum; a NaN wins
                        y[n, o, c] = v
                        arg[n, o, c] = p


@jit
def _first_bad_index(arg, size):
    flat = arg.reshape(-1)
    for i in range(flat.size):
        if flat[i] < 0 or flat[i] >= size:
            return i
    return -1


@jit
def _max_pool_grad(dy, arg, dx):
    n_batch, positions, channels = dy.shape
    for n in range(n_batch):
        for o in range(positions):
            for c in range(channels):
                dx[n, arg[n, o, c], c] += dy[n, o, c]


def _flat3(a):
    return a.reshape(a.shape[0], -1, a.shape[-1])


def max_pool_kernel(prim, ins, outs, attrs, native):
    x = contiguous(ins[0])
    spatial = tuple(x.shape[1:-1])
    out = tuple(outs[0].shape[1:-1])
    table = window_table(spatial, tuple(attrs["pool_size"]), tuple(attrs["strides"]),
                         tuple(b for b, _ in attrs["padding"]), out)
    _max_pool(_flat3(x), table, _flat3(outs[0]), _flat3(outs[1]))


def max_pool_grad_kernel(prim, ins, outs, attrs, native):
    dy, arg = contiguous(ins[0]), contiguous(ins[1])
    dx = outs[0]
    size = int(np.prod(dx.shape[1:-1]))
    bad = _first_bad_index(arg, size)
    if bad >= 0:
        raise IndexError(f"max_pool_grad: argmax index {int(arg.reshape(-1)[bad])} is outside "
                         f"[0, {size})")
    zero_fill(dx)
    _max_pool_grad(_flat3(dy), _flat3(arg), _flat3(dx))


KERNELS = {"max_pool": max_pool_kernel, "max_pool_grad": max_pool_grad_kernel}
