"""Fused primitives: what the fusion passes (graph/passes.py) turn common op chains into.
Each one does in one pass over memory what a chain of simpler primitives does in several,
with the same numbers (to float32 rounding) and Keras's clipping semantics.

  dense(x, w, b; activation)                y = act(x @ w + b)
  matmul_act_grad(a, b, y; ta, tb, activation)
                                            dz = act_grad(y, op(a) @ op(b)); db = sum(dz, 0)
  binary_crossentropy_sigmoid_grad(t, p, g) d loss / d logits where p = sigmoid(logits)
  sparse_categorical_crossentropy_softmax_grad(t, p, g)
  categorical_crossentropy_softmax_grad(t, p, g)
                                            d loss / d logits where p = softmax(logits)

`activation` is one of "linear", "relu", "sigmoid", "tanh"; act_grad takes the activation's
output y (relu: g where y > 0).

Native encoding:
  dense:             ints (activation_code,)
  matmul_act_grad:   ints (transpose_a, transpose_b, activation_code)
  the loss grads:    none
ACTIVATION_CODES gives activation_code.
"""

from __future__ import annotations

import numpy as np

from ..core import bind
from ..primitive import PRIMITIVES, Primitive, register
from .losses import EPSILON, _loss_rule, _one_hot
from ._rules import batch_axis_past_matmul
from .nn import _matmul_ref, _matmul_rule

# The codes are C++'s (fastkeras/activation_codes.hpp, checked by test); the gradient helper
# of each activation is its own declaration's (elementwise.py).
ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh")
ACTIVATION_CODES = {name: i for i, name in enumerate(ACTIVATIONS)}
GRAD_HELPER = {name: PRIMITIVES[name].activation_grad for name in ACTIVATIONS[1:]}
if not all(GRAD_HELPER.values()):
    raise RuntimeError(f"a fused activation lacks its activation_grad: {GRAD_HELPER}")


def _check_activation(activation):
    if activation not in ACTIVATION_CODES:
        raise ValueError(f"unknown fused activation {activation!r}; expected one of {ACTIVATIONS}")
    return ACTIVATION_CODES[activation]


def _act_ref(activation, z):
    if activation == "relu":
        return np.maximum(z, 0).astype(z.dtype)
    if activation == "sigmoid":
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype)
    if activation == "tanh":
        return np.tanh(z)
    return z


def _act_grad_ref(activation, y, g):
    if activation == "relu":
        return np.where(y > 0, g, 0).astype(g.dtype)
    if activation == "sigmoid":
        return g * y * (1 - y)
    if activation == "tanh":
        return g * (1 - y * y)
    return g


def act_grad(activation, y, g):
    """Binds the gradient helper of `activation` (identity for linear)."""
    return g if activation == "linear" else bind(GRAD_HELPER[activation], y, g)


# ---- dense --------------------------------------------------------------------------------
def _dense_rule(specs, attrs):
    (sx, dx), (sw, dw), (sb, db) = specs
    _check_activation(attrs["activation"])
    (shape, dtype), = _matmul_rule(specs[:2], {"transpose_a": False, "transpose_b": False})
    if tuple(sb) != (shape[1],) or db != dtype:
        raise ValueError(f"dense: bias {sb}/{db} does not match the output {shape}/{dtype}")
    return [(shape, dtype)]


def _dense_ref(x, w, b, activation):
    return _act_ref(activation, x @ w + b)


def _dense_vjp(n, g):
    x, w, _ = n.inputs
    dz = act_grad(n.attrs["activation"], n.outputs[0], g[0])
    return [bind("matmul", dz, w, transpose_b=True), bind("matmul", x, dz, transpose_a=True),
            bind("sum", dz, axes=(0,))]


register(Primitive(
    "dense", _dense_rule, _dense_ref, vjp=_dense_vjp, diff_inputs=(0, 1, 2),
    native_attrs=lambda a, s: ((_check_activation(a["activation"]),), ()),
    attr_defaults={"activation": "linear"}, doc="act(x @ w + b) for 2-D x",
    rows="axis0", batch_axis_after=batch_axis_past_matmul))


# ---- matmul_act_grad ----------------------------------------------------------------------
def _mag_rule(specs, attrs):
    _check_activation(attrs["activation"])
    (shape, dtype), = _matmul_rule(specs[:2], attrs)
    sy, dy = specs[2]
    if tuple(sy) != tuple(shape) or dy != dtype:
        raise ValueError(f"matmul_act_grad: activation output {sy}/{dy} does not match the "
                         f"product {shape}/{dtype}")
    return [(shape, dtype), ((shape[1],), dtype)]


def _mag_ref(a, b, y, transpose_a, transpose_b, activation):
    dz = _act_grad_ref(activation, y, _matmul_ref(a, b, transpose_a, transpose_b))
    return dz, np.sum(dz, axis=0).astype(dz.dtype)


register(Primitive(
    "matmul_act_grad", _mag_rule, _mag_ref,
    native_attrs=lambda a, s: ((int(a["transpose_a"]), int(a["transpose_b"]),
                                _check_activation(a["activation"])), ()),
    attr_defaults={"transpose_a": False, "transpose_b": False, "activation": "linear"},
    doc="(act_grad(y, op(a) @ op(b)), its column sums): a backward Dense step", rows="mixed"))


# ---- loss + output activation gradients ---------------------------------------------------
def _in_clip(q):
    return ((q >= EPSILON) & (q <= 1 - EPSILON)).astype(q.dtype)


def _bce_sigmoid_grad(t, p, g):
    # d/dz of mean_last(bce(t, sigmoid(z))) = (p - t) / n where p is not clipped, else 0.
    return ((p - t) * _in_clip(p) * (g[..., None] / p.shape[-1])).astype(p.dtype)


def _cce_softmax_grad(t, p, g):
    # Through q = p / sum(p) and the clip, then softmax's Jacobian:
    # dp_k = (dq_k - sum_j dq_j q_j) / s,  dz = p * (dp - sum_j dp_j p_j).
    s = np.sum(p, axis=-1, keepdims=True)
    q = p / s
    dq = -(t / np.clip(q, EPSILON, 1 - EPSILON)) * _in_clip(q)
    dp = (dq - np.sum(dq * q, axis=-1, keepdims=True)) / s
    dz = p * (dp - np.sum(dp * p, axis=-1, keepdims=True))
    return (dz * g[..., None]).astype(p.dtype)


def _scce_softmax_grad(t, p, g):
    return _cce_softmax_grad(_one_hot(t, p.shape[-1], p.dtype), p, g)


def _declare_loss_grad(name, loss, ref, sparse=False):
    register(Primitive(name, _loss_rule(name, sparse), ref, rows="mixed",
                       doc=f"gradient of {loss} through its output activation, wrt the logits"))


_declare_loss_grad("binary_crossentropy_sigmoid_grad", "binary_crossentropy", _bce_sigmoid_grad)
_declare_loss_grad("categorical_crossentropy_softmax_grad", "categorical_crossentropy",
                   _cce_softmax_grad)
_declare_loss_grad("sparse_categorical_crossentropy_softmax_grad",
                   "sparse_categorical_crossentropy", _scce_softmax_grad, sparse=True)
