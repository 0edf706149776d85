"""Recurrent cell kernels (graph/primitives/recurrent.py): one LSTM / GRU step, which also
writes its activations, and its gradient from them; one pass over each row, in the
reference's order of operations."""

from __future__ import annotations

import numpy as np

from ._common import contiguous, jit


@jit
def _sig(v, one):
    e = np.exp(-np.abs(v))
    return one / (one + e) if v >= 0 else e / (one + e)


@jit
def _lstm(x, inner, c_prev, h, c, acts):
    rows, u = c_prev.shape
    one = x.dtype.type(1)
    for r in range(rows):
        for j in range(u):
            i = _sig(x[r, j] + inner[r, j], one)
            f = _sig(x[r, u + j] + inner[r, u + j], one)
            g = np.tanh(x[r, 2 * u + j] + inner[r, 2 * u + j])
            o = _sig(x[r, 3 * u + j] + inner[r, 3 * u + j], one)
            cj = f * c_prev[r, j] + i * g
            tc = np.tanh(cj)
            c[r, j] = cj
            h[r, j] = o * tc
            acts[r, j], acts[r, u + j], acts[r, 2 * u + j] = i, f, g
            acts[r, 3 * u + j], acts[r, 4 * u + j] = o, tc


@jit
def _lstm_grad(acts, c_prev, dh, dc, dz, dc_prev):
    rows, u = c_prev.shape
    one = acts.dtype.type(1)
    for r in range(rows):
        for j in range(u):
            i, f, g = acts[r, j], acts[r, u + j], acts[r, 2 * u + j]
            o, tc = acts[r, 3 * u + j], acts[r, 4 * u + j]
            d = dc[r, j] + dh[r, j] * o * (one - tc * tc)
            dz[r, j] = d * g * i * (one - i)
            dz[r, u + j] = d * c_prev[r, j] * f * (one - f)
            dz[r, 2 * u + j] = d * i * (one - g * g)
            dz[r, 3 * u + j] = dh[r, j] * tc * o * (one - o)
            dc_prev[r, j] = d * f


@jit
def _gru(x, inner, h_prev, h, acts):
    rows, u = h_prev.shape
    one = x.dtype.type(1)
    for r in range(rows):
        for j in range(u):
            z = _sig(x[r, j] + inner[r, j], one)
            rr = _sig(x[r, u + j] + inner[r, u + j], one)
            hh = np.tanh(x[r, 2 * u + j] + rr * inner[r, 2 * u + j])
            h[r, j] = z * h_prev[r, j] + (one - z) * hh
            acts[r, j], acts[r, u + j], acts[r, 2 * u + j] = z, rr, hh


@jit
def _gru_grad(acts, inner, h_prev, dh, dx, dinner, dh_prev):
    rows, u = h_prev.shape
    one = acts.dtype.type(1)
    for r in range(rows):
        for j in range(u):
            z, rr, hh = acts[r, j], acts[r, u + j], acts[r, 2 * u + j]
            g = dh[r, j]
            dz = (g * h_prev[r, j] - g * hh) * z * (one - z)
            dhh = g * (one - z) * (one - hh * hh)
            dr = dhh * inner[r, 2 * u + j] * rr * (one - rr)
            dx[r, j] = dz
            dinner[r, j] = dz
            dx[r, u + j] = dr
            dinner[r, u + j] = dr
            dx[r, 2 * u + j] = dhh
            dinner[r, 2 * u + j] = dhh * rr
            dh_prev[r, j] = g * z


def _run(fn):
    def kernel(prim, ins, outs, attrs, native):
        if outs[-1].size:
            fn(*[contiguous(x) for x in ins], *outs)
    return kernel


KERNELS = {"lstm_cell": _run(_lstm), "lstm_cell_grad": _run(_lstm_grad),
           "gru_cell": _run(_gru), "gru_cell_grad": _run(_gru_grad)}
