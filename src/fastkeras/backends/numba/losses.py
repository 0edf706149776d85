"""Per-sample losses with Keras 3 semantics and their gradients (see
fastkeras/graph/primitives/losses.py, whose NumPy reference is the spec).

Each kernel views the prediction as (rows, classes) and computes one loss (or one gradient
row) per sample; row sums accumulate in float64. Probabilities are clipped to
[eps, 1 - eps] with the bounds rounded to the prediction's dtype, as NumPy does when it
clips a float32 array with Python floats."""

from __future__ import annotations

import math

import numpy as np

from ...graph.primitives.losses import EPSILON

from ._common import contiguous, get_attr, jit

BCE, CCE, SCCE, MSE, MAE = range(5)
_LOSS = {"binary_crossentropy": BCE, "categorical_crossentropy": CCE,
         "sparse_categorical_crossentropy": SCCE, "mean_squared_error": MSE,
         "mean_absolute_error": MAE}


@jit
def _log_sigmoid(x):
    return min(x, 0.0) - np.log1p(np.exp(-abs(x)))


@jit
def _sigmoid(x):
    e = np.exp(-abs(x))
    return 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)


@jit
def _clip(p, lo, hi):
    return lo if p < lo else (hi if p > hi else p)


@jit
def _row_max_lse(p, b, n):
    """(max, log(sum(exp(p - max)))) of the row p[b:b+n]."""
    if n == 0:
        return 0.0, 0.0
    m = p[b]
    for j in range(1, n):
        v = p[b + j]
        if (v > m or v != v) and m == m:
            m = v
    s = 0.0
    for j in range(n):
        s += np.exp(np.float64(p[b + j] - m))
    return np.float64(m), np.log(s)


@jit
def _loss(op, t, p, out, labels, rows, n, logits, lo, hi):
    """out[r] = loss of row r. `t` is the dense target (unused for SCCE, which reads the
    int32 `labels`); lo/hi are the clip bounds in float64."""
    for r in range(rows):
        b = r * n
        s = 0.0
        if op == BCE:
            for j in range(n):
                tj = np.float64(t[b + j])
                pj = np.float64(p[b + j])
                if logits:
                    s += -tj * _log_sigmoid(pj) - (1.0 - tj) * _log_sigmoid(-pj)
                else:
                    c = _clip(pj, lo, hi)
                    s += -(tj * np.log(c) + (1.0 - tj) * np.log(1.0 - c))
            out[r] = s / n
        elif op == CCE or op == SCCE:
            if logits:
                m, lse = _row_max_lse(p, b, n)
                if op == SCCE:
                    s = -((np.float64(p[b + labels[r]]) - m) - lse)
                else:
                    for j in range(n):
                        s -= np.float64(t[b + j]) * ((np.float64(p[b + j]) - m) - lse)
            else:
                tot = 0.0
                for j in range(n):
                    tot += p[b + j]
                if op == SCCE:
                    s = -np.log(_clip(np.float64(p[b + labels[r]]) / tot, lo, hi))
                else:
                    for j in range(n):
                        q = np.float64(p[b + j]) / tot
                        s -= np.float64(t[b + j]) * np.log(_clip(q, lo, hi))
            out[r] = s
        elif op == MSE:
            for j in range(n):
                d = np.float64(p[b + j]) - np.float64(t[b + j])
                s += d * d
            out[r] = s / n
        else:
            for j in range(n):
                s += abs(np.float64(p[b + j]) - np.float64(t[b + j]))
            out[r] = s / n


@jit
def _loss_grad(op, t, p, g, out, labels, rows, n, logits, lo, hi):
    """out[r, :] = g[r] * d loss_r / d p[r, :]."""
    for r in range(rows):
        b = r * n
        gr = np.float64(g[r])
        if op == BCE:
            gn = gr / n
            for j in range(n):
                tj = np.float64(t[b + j])
                pj = np.float64(p[b + j])
                if logits:
                    d = _sigmoid(pj) - tj
                else:
                    c = _clip(pj, lo, hi)
                    d = (-(tj / c) + (1.0 - tj) / (1.0 - c)) if lo <= pj <= hi else 0.0
                out[b + j] = d * gn
        elif op == CCE or op == SCCE:
            if logits:
                m, lse = _row_max_lse(p, b, n)
                tsum = 1.0
                if op == CCE:
                    tsum = 0.0
                    for j in range(n):
                        tsum += t[b + j]
                for j in range(n):
                    if op == SCCE:
                        tj = 1.0 if j == labels[r] else 0.0
                    else:
                        tj = np.float64(t[b + j])
                    sm = np.exp((np.float64(p[b + j]) - m) - lse)
                    out[b + j] = (sm * tsum - tj) * gr
            else:
                tot = 0.0
                for j in range(n):
                    tot += p[b + j]
                # dq_j = -(t_j / clip(q_j)) * [q_j inside the clip]; d_j = (dq_j - sum(dq*q)) / tot
                dot = 0.0
                for j in range(n):
                    if op == SCCE:
                        tj = 1.0 if j == labels[r] else 0.0
                    else:
                        tj = np.float64(t[b + j])
                    q = np.float64(p[b + j]) / tot
                    dq = -(tj / _clip(q, lo, hi)) if lo <= q <= hi else 0.0
                    out[b + j] = dq
                    dot += dq * q
                for j in range(n):
                    out[b + j] = (np.float64(out[b + j]) - dot) / tot * gr
        elif op == MSE:
            gn = gr * (2.0 / n)
            for j in range(n):
                out[b + j] = (np.float64(p[b + j]) - np.float64(t[b + j])) * gn
        else:
            gn = gr / n
            for j in range(n):
                d = np.float64(p[b + j]) - np.float64(t[b + j])
                out[b + j] = (1.0 if d > 0 else (-1.0 if d < 0 else d)) * gn


@jit
def _first_bad_label(labels, classes):
    for i in range(labels.size):
        if labels[i] < 0 or labels[i] >= classes:
            return i
    return -1


_NO_LABELS = np.zeros(0, np.int32)


def _prepare(prim, ins):
    t, p = ins[0], ins[1]
    n = p.shape[-1]
    rows = math.prod(p.shape[:-1])
    if prim.name.startswith("sparse_"):
        if t.dtype != np.int32:
            raise TypeError(f"{prim.name}: labels must be int32, got {t.dtype}")
        labels = contiguous(t).reshape(-1)
        pos = _first_bad_label(labels, n)
        if pos >= 0:
            raise ValueError(f"sparse_categorical_crossentropy: label {int(labels[pos])} is out "
                             f"of range for {n} classes")
        t = np.empty(0, p.dtype)  # unused, typed like p
    else:
        labels = _NO_LABELS
        t = contiguous(t).reshape(-1)
    dt = p.dtype.type
    lo, hi = float(dt(EPSILON)), float(dt(1 - EPSILON))
    return t, contiguous(p).reshape(-1), labels, rows, n, lo, hi


def _logits(prim, attrs):
    return bool(get_attr(prim, attrs, "from_logits")) if "from_logits" in prim.attr_defaults \
        else False


def loss_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    if out.size == 0:
        _prepare(prim, ins)  # still validates the labels
        return
    t, p, labels, rows, n, lo, hi = _prepare(prim, ins)
    _loss(_LOSS[prim.name], t, p, out.reshape(-1), labels, rows, n, _logits(prim, attrs), lo, hi)


def loss_grad_kernel(prim, ins, outs, attrs, native):
    out = outs[0]
    t, p, labels, rows, n, lo, hi = _prepare(prim, ins)
    if out.size == 0:
        return
    g = contiguous(ins[2]).reshape(-1)
    _loss_grad(_LOSS[prim.name[:-5]], t, p, g, out.reshape(-1), labels, rows, n,
               _logits(prim, attrs), lo, hi)


KERNELS = {n: loss_kernel for n in _LOSS}
KERNELS.update({n + "_grad": loss_grad_kernel for n in _LOSS})
