"""Fused primitives (graph/primitives/fused.py): a GEMM followed by one pass over its
output (bias + activation, or activation gradient + column sums), and the loss gradients
taken through the output activation."""

from __future__ import annotations

import numpy as np

from ._common import contiguous, get_attr, jit
from .losses import _clip, _prepare
from .nn import matmul_kernel

LINEAR, RELU, SIGMOID, TANH = range(4)
_ACT = {"linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH}


@jit
def _bias_act(z, b, rows, n, act):
    """z (rows, n) flat, in place: act(z + b)."""
    for r in range(rows):
        zr = z[r * n:(r + 1) * n]
        for j in range(n):
            v = zr[j] + b[j]
            if act == RELU:
                v = v if (v > 0 or v != v) else 0.0  # NaN stays, as np.maximum
            elif act == SIGMOID:
                e = np.exp(-abs(v))
                v = 1 / (1 + e) if v >= 0 else e / (1 + e)
            elif act == TANH:
                v = np.tanh(v)
            zr[j] = v


@jit
def _act_grad_colsum(dz, y, db, rows, n, act):
    """dz (rows, n) flat, in place: act_grad(y, dz); db[j] = sum over rows of dz[:, j]."""
    acc = np.zeros(n, np.float64)
    for r in range(rows):
        dr = dz[r * n:(r + 1) * n]
        yr = y[r * n:(r + 1) * n]
        for j in range(n):
            g = dr[j]
            if act == RELU:
                g = g if yr[j] > 0 else 0.0
            elif act == SIGMOID:
                g = g * yr[j] * (1 - yr[j])
            elif act == TANH:
                g = g * (1 - yr[j] * yr[j])
            dr[j] = g
            acc[j] += g
    for j in range(n):
        db[j] = acc[j]


def dense_kernel(prim, ins, outs, attrs, native):
    x, w, b = ins
    out = outs[0]
    matmul_kernel(prim, [x, w], [out], {"transpose_a": False, "transpose_b": False}, native)
    if out.size:
        _bias_act(out.reshape(-1), contiguous(b), out.shape[0], out.shape[1],
                  _ACT[get_attr(prim, attrs, "activation")])


def matmul_act_grad_kernel(prim, ins, outs, attrs, native):
    a, b, y = ins
    dz, db = outs
    matmul_kernel(prim, [a, b], [dz], attrs, native)
    if dz.size:
        _act_grad_colsum(dz.reshape(-1), contiguous(y).reshape(-1), db, dz.shape[0],
                         dz.shape[1], _ACT[get_attr(prim, attrs, "activation")])
    else:
        db[...] = 0


BCE_SIGMOID, CCE_SOFTMAX, SCCE_SOFTMAX = range(3)
_LOSS_ACT = {"binary_crossentropy_sigmoid_grad": BCE_SIGMOID,
             "categorical_crossentropy_softmax_grad": CCE_SOFTMAX,
             "sparse_categorical_crossentropy_softmax_grad": SCCE_SOFTMAX}


@jit
def _loss_act_grad(op, t, p, g, out, labels, rows, n, lo, hi):
    for r in range(rows):
        b = r * n
        gr = np.float64(g[r])
        if op == BCE_SIGMOID:
            gn = gr / n
            for j in range(n):
                pj = np.float64(p[b + j])
                out[b + j] = (pj - np.float64(t[b + j])) * gn if lo <= pj <= hi else 0.0
            continue
        # Through q = p / sum(p) and the clip, then the softmax Jacobian.
        s = 0.0
        for j in range(n):
            s += p[b + j]
        dot = 0.0
        for j in range(n):
            tj = (1.0 if j == labels[r] else 0.0) if op == SCCE_SOFTMAX else np.float64(t[b + j])
            q = np.float64(p[b + j]) / s
            dq = -(tj / _clip(q, lo, hi)) if lo <= q <= hi else 0.0
            out[b + j] = dq
            dot += dq * q
        pdp = 0.0
        for j in range(n):
            dp = (np.float64(out[b + j]) - dot) / s
            out[b + j] = dp
            pdp += dp * np.float64(p[b + j])
        for j in range(n):
            out[b + j] = np.float64(p[b + j]) * (np.float64(out[b + j]) - pdp) * gr


def loss_act_grad_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    t, p, labels, rows, n, lo, hi = _prepare(prim, ins)
    if out.size:
        _loss_act_grad(_LOSS_ACT[prim.name], t, p, contiguous(ins[2]).reshape(-1),
                       out.reshape(-1), labels, rows, n, lo, hi)


KERNELS = {"dense": dense_kernel, "matmul_act_grad": matmul_act_grad_kernel}
KERNELS.update({n: loss_act_grad_kernel for n in _LOSS_ACT})
