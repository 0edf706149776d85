"""im2col and col2im (graph/primitives/windows.py) for any number of spatial axes: the
operands seen as image (N, S, C) and patches (N, P, K, C), and the geometry as max pooling's
(out positions, kernel offsets) table of input positions (-1: padding), so that one compiled
kernel per dtype serves every rank."""

from __future__ import annotations

from ._common import contiguous, jit, zero_fill
from .pooling import window_table


@jit
def _im2col(x, table, patches):
    n_batch, _, channels = x.shape
    positions, offsets = table.shape
    for n in range(n_batch):
        for o in range(positions):
            for k in range(offsets):
                p = table[o, k]
                for c in range(channels):
                    patches[n, o, k, c] = x[n, p, c] if p >= 0 else 0.0


@jit
def _col2im(patches, table, dx):
    n_batch, _, channels = dx.shape
    positions, offsets = table.shape
    for n in range(n_batch):
        for o in range(positions):
            for k in range(offsets):
                p = table[o, k]
                if p < 0:
                    continue
                for c in range(channels):
                    dx[n, p, c] += patches[n, o, k, c]


def _table(attrs, spatial, out):
    return window_table(tuple(spatial), tuple(attrs["kernel_size"]), tuple(attrs["strides"]),
                        tuple(b for b, _ in attrs["padding"]), tuple(out),
                        tuple(attrs["dilation"]))


def _as_image(a):
    return a.reshape(a.shape[0], -1, a.shape[-1])


def _as_patches(a, offsets, channels):
    return a.reshape(a.shape[0], -1, offsets, channels)


def im2col_kernel(prim, ins, outs, attrs, native):
    x = contiguous(ins[0])
    table = _table(attrs, x.shape[1:-1], outs[0].shape[1:-1])
    _im2col(_as_image(x), table, _as_patches(outs[0], table.shape[1], x.shape[-1]))


def col2im_kernel(prim, ins, outs, attrs, native):
    g, dx = contiguous(ins[0]), outs[0]
    table = _table(attrs, dx.shape[1:-1], g.shape[1:-1])
    zero_fill(dx)
    _col2im(_as_patches(g, table.shape[1], dx.shape[-1]), table, _as_image(dx))


KERNELS = {"im2col": im2col_kernel, "col2im": col2im_kernel}
