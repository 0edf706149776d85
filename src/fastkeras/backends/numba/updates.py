"""Effect kernels: optimizer updates, counters, metric sums and assignment, all in place.

Formulas and operation order follow fastkeras/graph/primitives/updates.py (Keras 3's), in
the variable's dtype, so that float32 results round exactly as the NumPy reference's do.
0-d operands that are updated (counters, accumulators) are passed as 1-element views of
their own memory; 0-d inputs (learning rate, iteration count) are passed as scalars."""

from __future__ import annotations

import numpy as np

from ...graph.primitives.updates import global_clip_scale
from ._common import Mutable, contiguous, copy_into, get_attr, jit


@jit
def _sgd(var, grad, lr):
    for i in range(var.size):
        var[i] = var[i] - lr * grad[i]


@jit
def _sgd_momentum(var, grad, m, lr, momentum, nesterov):
    mom = var.dtype.type(momentum)
    for i in range(var.size):
        gl = grad[i] * lr
        mi = m[i] * mom - gl
        m[i] = mi
        if nesterov:
            var[i] = var[i] + (m[i] * mom - gl)
        else:
            var[i] = var[i] + m[i]


@jit
def _adam(var, grad, m, v, lr, iterations, beta_1, beta_2, epsilon, grad_scale, decay):
    dt = var.dtype.type
    one = dt(1)
    t = dt(iterations + 1)
    b1 = dt(beta_1)
    b2 = dt(beta_2)
    eps = dt(epsilon)
    alpha = lr * np.sqrt(one - b2 ** t) / (one - b1 ** t)
    # Keras computes 1 - beta in double precision, then rounds it to the variable dtype.
    c1 = dt(1.0 - beta_1)
    c2 = dt(1.0 - beta_2)
    scale = dt(grad_scale)
    wd = dt(decay)
    for i in range(var.size):
        g = grad[i] * scale
        w = var[i] - var[i] * wd * lr
        m[i] = m[i] + (g - m[i]) * c1
        v[i] = v[i] + (g * g - v[i]) * c2
        var[i] = w - (m[i] * alpha) / (np.sqrt(v[i]) + eps)


@jit
def _increment(counter):
    counter[0] += 1


@jit
def _accumulate(acc, x):
    n = x.size
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    j = 0
    while j + 4 <= n:
        s0 += x[j]
        s1 += x[j + 1]
        s2 += x[j + 2]
        s3 += x[j + 3]
        j += 4
    while j < n:
        s0 += x[j]
        j += 1
    acc[0] += (s0 + s1) + (s2 + s3)


def _scalar(x):
    return np.asarray(x)[()]


def _scalar_view(x, name):
    if not isinstance(x, np.ndarray) or x.shape != ():
        raise ValueError(f"{name}: expected a 0-d array updated in place, got {type(x).__name__} "
                         f"of shape {getattr(x, 'shape', None)}")
    return x.reshape(1)  # a view: 0-d arrays are always contiguous


def sgd_kernel(prim, ins, outs, attrs, native):
    var, grad, lr = ins
    if var.size:
        muts = Mutable(var)
        _sgd(muts.flat, contiguous(grad).reshape(-1), _scalar(lr))
        muts.done()


def sgd_momentum_kernel(prim, ins, outs, attrs, native):
    var, grad, m, lr = ins
    if var.size:
        mv, mm = Mutable(var), Mutable(m)
        _sgd_momentum(mv.flat, contiguous(grad).reshape(-1), mm.flat, _scalar(lr),
                      float(get_attr(prim, attrs, "momentum")),
                      bool(get_attr(prim, attrs, "nesterov")))
        mv.done()
        mm.done()


def adam_kernel(prim, ins, outs, attrs, native):
    var, grad, m, v, lr, iterations = ins
    if var.size:
        mv, mm, ms = Mutable(var), Mutable(m), Mutable(v)
        flat_grad = contiguous(grad).reshape(-1)
        clipnorm = float(get_attr(prim, attrs, "global_clipnorm"))
        scale = global_clip_scale(flat_grad, clipnorm) if clipnorm > 0 else 1.0
        _adam(mv.flat, flat_grad, mm.flat, ms.flat, _scalar(lr),
              np.int64(_scalar(iterations)), float(get_attr(prim, attrs, "beta_1")),
              float(get_attr(prim, attrs, "beta_2")), float(get_attr(prim, attrs, "epsilon")),
              float(scale), float(get_attr(prim, attrs, "weight_decay")))
        for mu in (mv, mm, ms):
            mu.done()


def increment_kernel(prim, ins, outs, attrs, native):
    _increment(_scalar_view(ins[0], "increment"))


def accumulate_kernel(prim, ins, outs, attrs, native):
    _accumulate(_scalar_view(ins[0], "accumulate"), contiguous(ins[1]).reshape(-1))


def assign_kernel(prim, ins, outs, attrs, native):
    copy_into(ins[1], ins[0])


@jit
def _constrain(w, kind, outer, reduce, inner, max_value, min_value, rate):
    dt = w.dtype.type
    if kind == 0:
        for i in range(w.size):
            w[i] = w[i] if w[i] > 0 else dt(0)
        return
    for o in range(outer):
        base = o * reduce * inner
        for j in range(inner):
            s = 0.0
            for r in range(reduce):
                v = np.float64(w[base + r * inner + j])
                s += v * v
            norm = dt(np.sqrt(s))
            desired = dt(1)
            if kind == 1:
                desired = min(max(norm, dt(0)), dt(max_value))
            elif kind == 3:
                desired = dt(rate) * min(max(norm, dt(min_value)), dt(max_value)) + \
                    dt(1.0 - rate) * norm
            factor = desired / (dt(1e-7) + norm)
            for r in range(reduce):
                w[base + r * inner + j] *= factor


def constrain_kernel(prim, ins, outs, attrs, native):
    from ...graph.primitives.updates import CONSTRAINT_KINDS
    var = ins[0]
    if var.size:
        mv = Mutable(var)
        _constrain(mv.flat, CONSTRAINT_KINDS.index(attrs["kind"]), int(attrs["outer"]),
                   int(attrs["reduce"]), int(attrs["inner"]), float(attrs["max_value"]),
                   float(attrs["min_value"]), float(attrs["rate"]))
        mv.done()


KERNELS = {"constrain": constrain_kernel, "sgd_update": sgd_kernel, "sgd_momentum_update": sgd_momentum_kernel,
           "adam_update": adam_kernel, "increment": increment_kernel,
           "accumulate": accumulate_kernel, "assign": assign_kernel}
