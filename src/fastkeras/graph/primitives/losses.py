"""Fused per-sample losses with Keras 3 semantics, and their gradients.

Each loss takes (target, output) and returns one value per sample: the loss reduced over the
last axis of `output` (shape output.shape[:-1]). The batch reduction (sum_over_batch_size,
sample weights) is done by the caller with ordinary primitives. Probabilities are clipped to
[EPSILON, 1 - EPSILON] before the log, as Keras does; categorical inputs given as
probabilities are first renormalised to sum to one along the last axis.

Each `<loss>_grad(target, output, g)` returns d(sum(g * loss))/d(output) (g per sample).

Native encoding: ints (from_logits,) for the cross-entropies; none for the others.
sparse_categorical_crossentropy's target is int32 of shape output.shape[:-1]; a label
outside [0, classes) is an error.
"""

from __future__ import annotations

import numpy as np

from ..core import bind
from ..primitive import Primitive, register
from ._rules import require_float

EPSILON = 1e-7


def _loss_rule(name, sparse=False):
    def rule(specs, attrs):
        (st, dt), (sp, dp) = specs[:2]
        require_float(name, dp)
        if not sp:
            raise ValueError(f"{name}: predictions must have at least one axis, got a scalar")
        if sparse:
            if dt != "int32":
                raise TypeError(f"{name}: labels must be int32, got {dt}")
            if tuple(st) != tuple(sp[:-1]):
                raise ValueError(f"{name}: labels of shape {st} do not match predictions of "
                                 f"shape {sp} (expected labels of shape {sp[:-1]})")
        else:
            if dt != dp:
                raise TypeError(f"{name}: target dtype {dt} differs from prediction dtype {dp}")
            if tuple(st) != tuple(sp):
                raise ValueError(f"{name}: target shape {st} differs from prediction shape {sp}")
        if len(specs) == 3:  # the gradient primitive: (target, output, g)
            if tuple(specs[2][0]) != tuple(sp[:-1]):
                raise ValueError(f"{name}: upstream gradient shape {specs[2][0]} != {sp[:-1]}")
            return [(sp, dp)]
        return [(tuple(sp[:-1]), dp)]
    return rule


def _logits_attr(attrs, specs):
    return (int(attrs["from_logits"]),), ()


def _declare(name, ref, grad_ref, logits=True, sparse=False, doc=""):
    defaults = {"from_logits": False} if logits else {}
    native = _logits_attr if logits else (lambda a, s: ((), ()))
    register(Primitive(
        name, _loss_rule(name, sparse), ref, diff_inputs=(1,), native_attrs=native,
        attr_defaults=defaults, doc=doc, rows="per_sample",
        vjp=lambda n, g: [None, bind(name + "_grad", n.inputs[0], n.inputs[1], g[0], **n.attrs)]))
    register(Primitive(name + "_grad", _loss_rule(name + "_grad", sparse), grad_ref,
                       native_attrs=native, attr_defaults=defaults, rows="mixed",
                       doc=f"gradient of {name} with respect to the prediction"))


def _clip(p):
    return np.clip(p, EPSILON, 1 - EPSILON)


def _in_clip(p):
    return ((p >= EPSILON) & (p <= 1 - EPSILON)).astype(p.dtype)


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _bce(t, p, from_logits):
    if from_logits:
        e = -t * _log_sigmoid(p) - (1 - t) * _log_sigmoid(-p)
    else:
        c = _clip(p)
        e = -(t * np.log(c) + (1 - t) * np.log(1 - c))
    return np.mean(e, axis=-1).astype(p.dtype)


def _bce_grad(t, p, g, from_logits):
    n = p.shape[-1]
    if from_logits:
        s = np.where(p >= 0, 1 / (1 + np.exp(-np.abs(p))), np.exp(-np.abs(p)) / (1 + np.exp(-np.abs(p))))
        d = s - t
    else:
        c = _clip(p)
        d = (-(t / c) + (1 - t) / (1 - c)) * _in_clip(p)
    return (d * (g[..., None] / n)).astype(p.dtype)


def _normalised(p):
    s = np.sum(p, axis=-1, keepdims=True)
    return p / s, s


def _log_softmax(x):
    sh = x - np.max(x, axis=-1, keepdims=True)
    return sh - np.log(np.sum(np.exp(sh), axis=-1, keepdims=True))


def _cce(t, p, from_logits):
    logp = _log_softmax(p) if from_logits else np.log(_clip(_normalised(p)[0]))
    return (-np.sum(t * logp, axis=-1)).astype(p.dtype)


def _cce_grad(t, p, g, from_logits):
    if from_logits:
        d = np.exp(_log_softmax(p)) * np.sum(t, axis=-1, keepdims=True) - t
    else:
        q, s = _normalised(p)
        dq = -(t / _clip(q)) * _in_clip(q)          # dL/dq
        d = (dq - np.sum(dq * q, axis=-1, keepdims=True)) / s  # through q = p / sum(p)
    return (d * g[..., None]).astype(p.dtype)


def _one_hot(labels, classes, dtype):
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)].reshape(-1)[0]
        raise ValueError(f"sparse_categorical_crossentropy: label {int(bad)} is out of range "
                         f"for {classes} classes")
    return (labels[..., None] == np.arange(classes)).astype(dtype)


def _scce(t, p, from_logits):
    return _cce(_one_hot(t, p.shape[-1], p.dtype), p, from_logits)


def _scce_grad(t, p, g, from_logits):
    return _cce_grad(_one_hot(t, p.shape[-1], p.dtype), p, g, from_logits)


def _mse(t, p):
    return np.mean(np.square(p - t), axis=-1).astype(p.dtype)


def _mse_grad(t, p, g):
    return ((p - t) * (g[..., None] * (2.0 / p.shape[-1]))).astype(p.dtype)


def _mae(t, p):
    return np.mean(np.abs(p - t), axis=-1).astype(p.dtype)


def _mae_grad(t, p, g):
    return (np.sign(p - t) * (g[..., None] / p.shape[-1])).astype(p.dtype)


_declare("binary_crossentropy", _bce, _bce_grad,
         doc="mean over the last axis of -(t log p + (1-t) log(1-p))")
_declare("categorical_crossentropy", _cce, _cce_grad, doc="-sum(t * log p) over the last axis")
_declare("sparse_categorical_crossentropy", _scce, _scce_grad, sparse=True,
         doc="-log p[label] over the last axis")
_declare("mean_squared_error", _mse, _mse_grad, logits=False, doc="mean((p - t)^2) over the last axis")
_declare("mean_absolute_error", _mae, _mae_grad, logits=False, doc="mean(|p - t|) over the last axis")
