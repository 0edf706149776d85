"""One line per public `fastkeras.ops` function: how to call it, its NumPy reference, sample
inputs, and whether it has a gradient. tests/ops/test_op_table.py runs every line eagerly
and traced on every backend and checks gradients by finite differences; it fails for a
public op that has no line here (adding a composite op = its definition + one line)."""

import math

import numpy as np

_rng = np.random.default_rng(7)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _pos(*shape):
    return _rng.uniform(0.2, 3, size=shape)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_IDX = np.array([2, 0, -1], np.int32)
_erf = np.vectorize(math.erf)
_SELU_A, _SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _elu(x, alpha=1.0):
    return np.where(x >= 0, x, alpha * np.expm1(x))


def _sparsemax(x, axis=-1):
    """Martins & Astudillo's Algorithm 1: sort, find the support size k, tau from the k-th
    cumulative sum."""
    z = np.moveaxis(x, axis, -1)
    srt = -np.sort(-z, axis=-1)
    cums = np.cumsum(srt, axis=-1)
    r = np.arange(1, z.shape[-1] + 1)
    k = (1 + r * srt > cums).sum(-1, keepdims=True)
    tau = (np.take_along_axis(cums, k - 1, -1) - 1) / k
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

_T_ONEHOT = np.eye(4)[[0, 3, 1]]          # (3, 4) targets of the categorical lines
_T_SPARSE = np.array([2, 0, 3], np.int32)
_T_BINARY = (np.arange(12).reshape(3, 4) % 3 == 0).astype(np.float64)
_EPS = 1e-7


def _cce_ref(t, p):
    q = np.clip(p / p.sum(-1, keepdims=True), _EPS, 1 - _EPS)
    return -(t * np.log(q)).sum(-1)


def _bce_ref(t, p):
    p = np.clip(p, _EPS, 1 - _EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _bce_logits_ref(t, z):
    return -(t * np.log(1 / (1 + np.exp(-z))) + (1 - t) * np.log(1 / (1 + np.exp(z))))


def _scan_rnn_ref(xs, w, h0):
    h, out = h0, []
    for x in xs:
        h = np.tanh(x @ w + h)
        out.append(h)
    return np.stack(out)


# op name, or "name[variant]": (call(ops, *inputs), reference(*inputs), inputs, differentiable)
TABLE = {
    "binary_crossentropy": (lambda o, p: o.binary_crossentropy(_T_BINARY, p),
                            lambda p: _bce_ref(_T_BINARY, p),
                            [_rng.uniform(0.05, 0.95, size=(3, 4))], True),
    "binary_crossentropy[logits]": (
        lambda o, z: o.binary_crossentropy(_T_BINARY, z, from_logits=True),
        lambda z: _bce_logits_ref(_T_BINARY, z), [_f(3, 4)], True),
    "categorical_crossentropy": (lambda o, p: o.categorical_crossentropy(_T_ONEHOT, p),
                                 lambda p: _cce_ref(_T_ONEHOT, p), [_pos(3, 4)], True),
    "categorical_crossentropy[axis0]": (
        lambda o, p: o.categorical_crossentropy(_T_ONEHOT.T, p, axis=0),
        lambda p: _cce_ref(_T_ONEHOT, p.T), [_pos(4, 3)], True),
    "abs": (lambda o, x: o.abs(x), np.abs, [np.where(np.abs(_f(3, 4)) < .1, .5, _f(3, 4))], True),
    "absolute": (lambda o, x: o.absolute(x), np.abs, [_pos(3, 4)], True),
    "add": (lambda o, a, b: o.add(a, b), np.add, [_f(3, 4), _f(3, 4)], True),
    "add[bias]": (lambda o, a, b: o.add(a, b), np.add, [_f(3, 4), _f(4)], True),
    "amax": (lambda o, x: o.amax(x, axis=1), lambda x: x.max(axis=1), [_f(3, 4)], True),
    "argmax": (lambda o, x: o.argmax(x, axis=-1), lambda x: x.argmax(-1), [_f(3, 4)], False),
    "broadcast_to": (lambda o, x: o.broadcast_to(x, (3, 4)),
                     lambda x: np.broadcast_to(x, (3, 4)), [_f(1, 4)], True),
    "cast": (lambda o, x: o.cast(x, "int32"), lambda x: x.astype(np.int32), [_f(3, 4) * 3],
             False),
    "clip": (lambda o, x: o.clip(x, -1.0, 0.5), lambda x: np.clip(x, -1.0, 0.5), [_f(3, 4)],
             True),
    "concatenate": (lambda o, a, b: o.concatenate([a, b], axis=1),
                    lambda a, b: np.concatenate([a, b], 1), [_f(3, 2), _f(3, 4)], True),
    "divide": (lambda o, a, b: o.divide(a, b), np.divide, [_f(3, 4), _pos(3, 4)], True),
    "dot": (lambda o, a, b: o.dot(a, b), np.dot, [_f(3, 4), _f(4, 2)], True),
    "elu": (lambda o, x: o.elu(x, alpha=1.5), lambda x: _elu(x, 1.5), [_f(3, 4) * 3], True),
    "erf": (lambda o, x: o.erf(x), _erf, [_f(3, 4) * 1.5], True),
    "gelu": (lambda o, x: o.gelu(x), _gelu_tanh, [_f(3, 4) * 2], True),
    "gelu[exact]": (lambda o, x: o.gelu(x, approximate=False),
                    lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), [_f(3, 4) * 2], True),
    "hard_sigmoid": (lambda o, x: o.hard_sigmoid(x), lambda x: np.clip(x / 6 + 0.5, 0, 1),
                     [_f(3, 4) * 3], True),
    "leaky_relu": (lambda o, x: o.leaky_relu(x), lambda x: np.maximum(x, 0.2 * x), [_f(3, 4)],
                   True),
    "equal": (lambda o, a, b: o.equal(a, b), np.equal,
              [np.round(_f(3, 4)), np.round(_f(3, 4))], False),
    "exp": (lambda o, x: o.exp(x), np.exp, [_f(3, 4)], True),
    "expand_dims": (lambda o, x: o.expand_dims(x, 1), lambda x: np.expand_dims(x, 1),
                    [_f(3, 4)], True),
    "greater": (lambda o, a, b: o.greater(a, b), np.greater, [_f(3, 4), _f(3, 4)], False),
    "less": (lambda o, a, b: o.less(a, b), np.less, [_f(3, 4), _f(3, 4)], False),
    "log": (lambda o, x: o.log(x), np.log, [_pos(3, 4)], True),
    "log_softmax": (lambda o, x: o.log_softmax(x), lambda x: np.log(_softmax(x)), [_f(3, 4)],
                    True),
    "matmul": (lambda o, a, b: o.matmul(a, b), np.matmul, [_f(3, 4), _f(4, 2)], True),
    "matmul[nd]": (lambda o, a, b: o.matmul(a, b), np.matmul, [_f(2, 3, 4), _f(4, 2)], True),
    "matmul[batched]": (lambda o, a, b: o.matmul(a, b), np.matmul, [_f(2, 3, 4), _f(2, 4, 5)], True),
    "matmul[broadcast]": (lambda o, a, b: o.matmul(a, b), np.matmul,
                          [_f(2, 1, 3, 4), _f(3, 4, 2)], True),
    "matmul[vector]": (lambda o, a, b: o.matmul(a, b), np.matmul, [_f(2, 3, 4), _f(4)], True),
    "max": (lambda o, x: o.max(x, axis=0), lambda x: x.max(axis=0), [_f(3, 4)], True),
    "maximum": (lambda o, a, b: o.maximum(a, b), np.maximum, [_f(3, 4), _f(4)], True),
    "mean": (lambda o, x: o.mean(x, axis=1), lambda x: x.mean(axis=1), [_f(3, 4)], True),
    "minimum": (lambda o, a, b: o.minimum(a, b), np.minimum, [_f(1, 4), _f(3, 4)], True),
    "multiply": (lambda o, a, b: o.multiply(a, b), np.multiply, [_f(3, 4), _f(1, 4)], True),
    "negative": (lambda o, x: o.negative(x), np.negative, [_f(3, 4)], True),
    "relu": (lambda o, x: o.relu(x), lambda x: np.maximum(x, 0),
             [np.where(np.abs(_f(3, 4)) < .1, .5, _f(3, 4))], True),
    "relu6": (lambda o, x: o.relu6(x), lambda x: np.clip(x, 0, 6), [_f(3, 4) * 4], True),
    "reshape": (lambda o, x: o.reshape(x, (4, 3)), lambda x: x.reshape(4, 3), [_f(3, 4)], True),
    "selu": (lambda o, x: o.selu(x), lambda x: _SELU_S * _elu(x, _SELU_A), [_f(3, 4) * 2], True),
    "sigmoid": (lambda o, x: o.sigmoid(x), lambda x: 1 / (1 + np.exp(-x)), [_f(3, 4)], True),
    "sign": (lambda o, x: o.sign(x), np.sign, [_f(3, 4)], True),
    # Ties to even, both signs, -0.0, above 2**23 (float32's integers) and 2**22.5; no
    # gradient (JAX's is zero: a constant for autodiff here, as stop_gradient).
    "round": (lambda o, x: o.round(x), np.round,
              [np.array([[-2.5, -1.5, -0.5, -0.3], [-0.0, 0.5, 1.5, 2.5],
                         [3.7, -3.7, 4194304.5, 8388609.0]])], False),
    "round[decimals]": (lambda o, x: o.round(x, decimals=2), lambda x: np.round(x, 2),
                        [_f(3, 4) * 10], False),
    "silu": (lambda o, x: o.silu(x), lambda x: x / (1 + np.exp(-x)), [_f(3, 4) * 3], True),
    "softmax": (lambda o, x: o.softmax(x), _softmax, [_f(3, 4)], True),
    "softplus": (lambda o, x: o.softplus(x), lambda x: np.logaddexp(x, 0), [_f(3, 4) * 10],
                 True),
    "softsign": (lambda o, x: o.softsign(x), lambda x: x / (1 + np.abs(x)), [_f(3, 4)], True),
    "scan": (lambda o, x: o.scan(lambda c, v: (c + v, c * v), o.zeros((4,), x.dtype), x)[1],
             lambda x: np.concatenate([np.zeros((1, 4)), np.cumsum(x, 0)[:-1]]) * x,
             [_f(5, 4)], True),
    "scan[rnn]": (lambda o, xs, w, h0: o.scan(lambda h, x: (o.tanh(o.matmul(x, w) + h),) * 2,
                                             h0, xs)[1],
                  _scan_rnn_ref, [_f(4, 2, 3), _f(3, 2) * 0.5, _f(2, 2)], True),
    "sqrt": (lambda o, x: o.sqrt(x), np.sqrt, [_pos(3, 4)], True),
    # The value of x; no gradient (tests/ops/test_core.py checks that it is none).
    "stop_gradient": (lambda o, x: o.stop_gradient(x), lambda x: x, [_f(3, 4)], False),
    "sparse_categorical_crossentropy": (
        lambda o, p: o.sparse_categorical_crossentropy(_T_SPARSE, p),
        lambda p: _cce_ref(np.eye(4)[_T_SPARSE], p), [_pos(3, 4)], True),
    "square": (lambda o, x: o.square(x), np.square, [_f(3, 4)], True),
    "squeeze": (lambda o, x: o.squeeze(x, 1), lambda x: np.squeeze(x, 1), [_f(3, 1, 4)], True),
    "subtract": (lambda o, a, b: o.subtract(a, b), np.subtract, [_f(3, 4), _f(3, 4)], True),
    "swish": (lambda o, x: o.swish(x), lambda x: x / (1 + np.exp(-x)), [_f(3, 4)], True),
    "sum": (lambda o, x: o.sum(x, axis=0), lambda x: x.sum(axis=0), [_f(3, 4)], True),
    "take": (lambda o, x: o.take(x, _IDX, axis=0), lambda x: np.take(x, _IDX, axis=0),
             [_f(4, 3)], True),
    "take[axis1]": (lambda o, x: o.take(x, _IDX, axis=1), lambda x: np.take(x, _IDX, axis=1),
                   [_f(3, 4)], True),
    "tanh": (lambda o, x: o.tanh(x), np.tanh, [_f(3, 4)], True),
    "transpose": (lambda o, x: o.transpose(x), np.transpose, [_f(3, 4)], True),
    "true_divide": (lambda o, a, b: o.true_divide(a, b), np.divide, [_f(3, 4), _pos(3, 4)],
                    True),
    "amin": (lambda o, x: o.amin(x, axis=1), lambda x: x.min(axis=1), [_f(3, 4)], True),
    "min": (lambda o, x: o.min(x, axis=0, keepdims=True), lambda x: x.min(axis=0, keepdims=True),
            [_f(3, 4)], True),
    "greater_equal": (lambda o, a, b: o.greater_equal(a, b), np.greater_equal,
                      [np.round(_f(3, 4)), np.round(_f(3, 4))], False),
    "less_equal": (lambda o, a, b: o.less_equal(a, b), np.less_equal,
                   [np.round(_f(3, 4)), np.round(_f(3, 4))], False),
    "var": (lambda o, x: o.var(x, axis=0), lambda x: x.var(axis=0), [_f(5, 4)], True),
    "std": (lambda o, x: o.std(x, axis=1, keepdims=True), lambda x: x.std(axis=1, keepdims=True),
            [_f(3, 5)], True),
    "rsqrt": (lambda o, x: o.rsqrt(x), lambda x: 1 / np.sqrt(x), [_pos(3, 4)], True),
    "moments": (lambda o, x: o.moments(x, axes=[0])[0], lambda x: x.mean(0), [_f(5, 3)], True),
    "moments[variance]": (lambda o, x: o.moments(x, axes=(0, 2), keepdims=True)[1],
                          lambda x: x.var(axis=(0, 2), keepdims=True), [_f(3, 2, 4)], True),
    "batch_normalization": (
        lambda o, x, m, v, b, g: o.batch_normalization(x, m, v, axis=-1, offset=b, scale=g),
        lambda x, m, v, b, g: (x - m) / np.sqrt(v + 1e-3) * g + b,
        [_f(4, 3), _f(3), _pos(3), _f(3), _f(3)], True),
    "batch_normalization[axis1]": (
        lambda o, x, m, v: o.batch_normalization(x, m, v, axis=1, epsilon=0.01),
        lambda x, m, v: (x - m[:, None]) / np.sqrt(v[:, None] + 0.01),
        [_f(2, 3, 4), _f(3), _pos(3)], True),
    "layer_normalization": (
        lambda o, x, g, b: o.layer_normalization(x, g, b, epsilon=1e-3),
        lambda x, g, b: (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-3)
        * g + b, [_f(3, 5), _f(5), _f(5)], True),
    "normalize": (lambda o, x: o.normalize(x, axis=-1),
                  lambda x: x / np.sqrt((x ** 2).sum(-1, keepdims=True)), [_f(3, 4)], True),
    "celu": (lambda o, x: o.celu(x, alpha=1.5), lambda x: np.maximum(x, 0) + np.minimum(
        1.5 * np.expm1(x / 1.5), 0), [_f(3, 4) * 2], True),
    "glu": (lambda o, x: o.glu(x), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:])), [_f(3, 4)],
            True),
    "hard_shrink": (lambda o, x: o.hard_shrink(x), lambda x: np.where(np.abs(x) > 0.5, x, 0),
                    [_f(3, 4)], True),
    "hard_silu": (lambda o, x: o.hard_silu(x), lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
                  [_f(3, 4) * 2], True),
    "hard_swish": (lambda o, x: o.hard_swish(x), lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
                   [_f(3, 4) * 2], True),
    "hard_tanh": (lambda o, x: o.hard_tanh(x), lambda x: np.clip(x, -1, 1), [_f(3, 4)], True),
    "log_sigmoid": (lambda o, x: o.log_sigmoid(x), lambda x: -np.logaddexp(-x, 0),
                    [_f(3, 4) * 5], True),
    "soft_shrink": (lambda o, x: o.soft_shrink(x, threshold=0.3),
                    lambda x: np.where(x > 0.3, x - 0.3, np.where(x < -0.3, x + 0.3, 0)),
                    [_f(3, 4)], True),
    "sparse_plus": (lambda o, x: o.sparse_plus(x), lambda x: np.where(
        x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)), [_f(3, 4)], True),
    "sparse_sigmoid": (lambda o, x: o.sparse_sigmoid(x), lambda x: np.clip((x + 1) / 2, 0, 1),
                       [_f(3, 4)], True),
    "squareplus": (lambda o, x: o.squareplus(x, b=2), lambda x: (x + np.sqrt(x * x + 2)) / 2,
                   [_f(3, 4)], True),
    "sparsemax": (lambda o, x: o.sparsemax(x, axis=0), lambda x: _sparsemax(x, axis=0),
                  [_f(5, 3) * 0.6], True),
    "tanh_shrink": (lambda o, x: o.tanh_shrink(x), lambda x: x - np.tanh(x), [_f(3, 4)], True),
    "threshold": (lambda o, x: o.threshold(x, 0.2, -3.0), lambda x: np.where(x > 0.2, x, -3.0),
                  [_f(3, 4)], True),
    "one_hot": (lambda o, x: o.multiply(o.one_hot(np.array([2, 0, 4, 1], np.int32), 4), x),
                lambda x: np.eye(5)[[2, 0, 4, 1]][:, :4] * x, [_f(4, 4)], True),
    "multi_hot": (lambda o, x: o.multiply(
        o.multi_hot(np.array([[1, 1, 3], [0, 2, 2]], np.int32), 4), x),
                  lambda x: np.array([[0, 1, 0, 1], [1, 0, 1, 0]]) * x, [_f(2, 4)], True),
    "digitize": (lambda o, x: o.digitize(x, [-1.0, 0.0, 0.5]),
                 lambda x: np.digitize(x, [-1.0, 0.0, 0.5]), [_f(3, 4)], False),
    "not_equal": (lambda o, a, b: o.not_equal(a, b), np.not_equal,
                  [np.round(_f(3, 4)), np.round(_f(3, 4))], False),
    "any": (lambda o, x: o.any(x, axis=1), lambda x: np.any(x, axis=1),
            [np.round(_f(3, 4) / 3)], False),
    "pad": (lambda o, x: o.pad(x, ((1, 2), (0, 1))), lambda x: np.pad(x, ((1, 2), (0, 1))),
            [_f(3, 4)], True),
    "pad[constant_values]": (lambda o, x: o.pad(x, (2, 1), constant_values=1.5),
                             lambda x: np.pad(x, (2, 1), constant_values=1.5), [_f(3, 4)], True),
    "pad[reflect]": (lambda o, x: o.pad(x, ((2, 1), (3, 0)), mode="reflect"),
                     lambda x: np.pad(x, ((2, 1), (3, 0)), mode="reflect"), [_f(3, 4)], True),
    "pad[symmetric]": (lambda o, x: o.pad(x, 2, mode="symmetric"),
                       lambda x: np.pad(x, 2, mode="symmetric"), [_f(3, 4)], True),
}

# Public names that are not numeric ops (conversions, shape queries, constructors).
# The lines of the op modules added one family at a time (tests/ops/op_table_<module>.py).
from . import (  # noqa: E402
    op_table_arrays, op_table_control_flow, op_table_elementwise_math, op_table_image_color,
    op_table_image_geometry, op_table_indexing, op_table_logic, op_table_math_extra,
    op_table_nan_ops, op_table_nn_extra, op_table_signal, op_table_sorting,
    op_table_special, op_table_updates, op_table_linalg, op_table_misc_ops)
for _part in (op_table_arrays, op_table_control_flow, op_table_elementwise_math,
              op_table_image_color, op_table_image_geometry, op_table_indexing,
              op_table_logic, op_table_math_extra, op_table_nan_ops,
              op_table_nn_extra, op_table_signal, op_table_sorting,
              op_table_special, op_table_updates, op_table_linalg, op_table_misc_ops):
    TABLE.update(_part.TABLE)

NOT_OPS = {"convert_to_numpy", "convert_to_tensor", "shape", "size", "ndim", "is_tensor", "zeros",
           "ones", "nonzero"}  # nonzero: data-dependent shape, tests/ops/test_misc_ops.py


# Convolutions and poolings (fastkeras/ops/conv.py) against the loop references of
# tests/ops/conv_reference.py: odd kernels, strides 1-3, dilation 2, 'same' with even kernels,
# groups, batch 1. conv_transpose's reference takes its crop and output size worked out by
# hand from JAX's padding (kernel span - 1 - pad before).
from . import conv_reference as _cr  # noqa: E402


def _cf(fn):
    """A channels_last reference applied to channels_first data."""
    return lambda x, *a: np.moveaxis(fn(np.moveaxis(x, 1, -1), *a), -1, 1)


TABLE.update({
    "conv[1d_valid_s2]": (lambda o, x, w: o.conv(x, w, strides=2),
                          lambda x, w: _cr.conv(x, w, 2), [_f(2, 7, 2), _f(3, 2, 3)], True),
    "conv[1d_same_even_d2]": (lambda o, x, w: o.conv(x, w, padding="same", dilation_rate=2),
                              lambda x, w: _cr.conv(x, w, 1, "same", 2),
                              [_f(1, 6, 2), _f(2, 2, 2)], True),
    "conv[1d_causal_d2]": (lambda o, x, w: o.conv(x, w, padding="causal", dilation_rate=2),
                           lambda x, w: _cr.conv(x, w, 1, "causal", 2),
                           [_f(2, 5, 1), _f(3, 1, 2)], True),
    "conv[2d_same_s2]": (lambda o, x, w: o.conv(x, w, strides=2, padding="same"),
                         lambda x, w: _cr.conv(x, w, 2, "same"),
                         [_f(1, 5, 4, 2), _f(3, 3, 2, 3) * 0.5], True),
    "conv[2d_groups_k5_s3]": (lambda o, x, w: o.conv(x, w, strides=(1, 3)),
                              lambda x, w: _cr.conv(x, w, (1, 3)),
                              [_f(2, 6, 5, 4), _f(5, 1, 2, 4) * 0.5], True),
    "conv[2d_channels_first]": (
        lambda o, x, w: o.conv(x, w, padding="same", data_format="channels_first"),
        _cf(lambda x, w: _cr.conv(x, w, 1, "same")), [_f(1, 2, 4, 3), _f(2, 3, 2, 2)], True),
    "depthwise_conv": (lambda o, x, w: o.depthwise_conv(x, w, strides=2, padding="same"),
                       lambda x, w: _cr.depthwise_conv(x, w, 2, "same"),
                       [_f(2, 6, 5, 2), _f(3, 3, 2, 2)], True),
    "depthwise_conv[1d_k5_d2]": (lambda o, x, w: o.depthwise_conv(x, w, dilation_rate=2),
                                 lambda x, w: _cr.depthwise_conv(x, w, 1, "valid", 2),
                                 [_f(1, 10, 3), _f(3, 3, 1)], True),
    "separable_conv": (lambda o, x, d, p: o.separable_conv(x, d, p, padding="same"),
                       lambda x, d, p: _cr.separable_conv(x, d, p, 1, "same"),
                       [_f(1, 5, 4, 2), _f(3, 3, 2, 2), _f(1, 1, 4, 3) * 0.5], True),
    "conv_transpose[1d_valid_s2]": (lambda o, x, w: o.conv_transpose(x, w, strides=2),
                                    lambda x, w: _cr.conv_transpose(x, w, 2, 0, (9,)),
                                    [_f(2, 4, 2), _f(3, 3, 2)], True),
    "conv_transpose[2d_same_s2]": (
        lambda o, x, w: o.conv_transpose(x, w, strides=2, padding="same"),
        lambda x, w: _cr.conv_transpose(x, w, 2, 0, (6, 4)), [_f(1, 3, 2, 2), _f(3, 3, 2, 2)],
        True),
    "conv_transpose[2d_same_k4_outpad]": (
        lambda o, x, w: o.conv_transpose(x, w, strides=(3, 1), padding="same",
                                         output_padding=(1, 0)),
        lambda x, w: _cr.conv_transpose(x, w, (3, 1), (1, 1), (4, 2)),
        [_f(1, 2, 3, 1), _f(4, 2, 2, 1)], True),
    "conv_transpose[1d_d2]": (lambda o, x, w: o.conv_transpose(x, w, dilation_rate=2),
                              lambda x, w: _cr.conv_transpose(x, w, 1, 0, (9,), 2),
                              [_f(1, 5, 1), _f(3, 2, 1)], True),
    "max_pool": (lambda o, x: o.max_pool(x, 2), lambda x: _cr.max_pool(x, 2), [_f(2, 7, 3)],
                 True),
    "max_pool[2d_same_s1]": (lambda o, x: o.max_pool(x, 3, strides=1, padding="same"),
                             lambda x: _cr.max_pool(x, 3, 1, "same"), [_f(1, 5, 4, 2)], True),
    "max_pool[2d_even_same]": (lambda o, x: o.max_pool(x, (2, 2), padding="same"),
                               lambda x: _cr.max_pool(x, 2, None, "same"), [_f(1, 5, 5, 1)],
                               True),
    "average_pool": (lambda o, x: o.average_pool(x, 3, strides=2, padding="same"),
                     lambda x: _cr.average_pool(x, 3, 2, "same"), [_f(2, 7, 2)], True),
    "average_pool[2d]": (lambda o, x: o.average_pool(x, 2), lambda x: _cr.average_pool(x, 2),
                         [_f(1, 6, 4, 2)], True),
    "average_pool[2d_same_s23]": (
        lambda o, x: o.average_pool(x, (3, 2), strides=(2, 3), padding="same"),
        lambda x: _cr.average_pool(x, (3, 2), (2, 3), "same"), [_f(1, 5, 7, 1)], True),
})


# einsum (fastkeras/ops/einsum.py): every pairwise contraction kind (plain GEMM, batched,
# outer product, full reduction), implicit output, '...' broadcasting, diagonals, three
# operands, a size-1 axis broadcast against a longer one.
TABLE.update({
    "einsum": (lambda o, a, b: o.einsum("ij,jk->ik", a, b),
               lambda a, b: np.einsum("ij,jk->ik", a, b), [_f(3, 4), _f(4, 2)], True),
    "einsum[implicit]": (lambda o, a, b: o.einsum("bA,Ac", a, b),
                         lambda a, b: np.einsum("bA,Ac", a, b), [_f(3, 4), _f(4, 2)], True),
    "einsum[heads]": (lambda o, x, w: o.einsum("abc,cde->abde", x, w),
                      lambda x, w: np.einsum("abc,cde->abde", x, w),
                      [_f(2, 3, 4), _f(4, 2, 3)], True),
    "einsum[batched]": (lambda o, q, k: o.einsum("bquh,bkuh->buqk", q, k),
                        lambda q, k: np.einsum("bquh,bkuh->buqk", q, k),
                        [_f(2, 3, 2, 4), _f(2, 5, 2, 4)], True),
    "einsum[ellipsis]": (lambda o, a, b: o.einsum("...ij,...jk->...ik", a, b),
                         lambda a, b: np.einsum("...ij,...jk->...ik", a, b),
                         [_f(2, 1, 3, 4), _f(3, 4, 2)], True),
    "einsum[diagonal]": (lambda o, x: o.einsum("iij->ji", x),
                         lambda x: np.einsum("iij->ji", x), [_f(3, 3, 2)], True),
    "einsum[trace]": (lambda o, x: o.einsum("ii", x), lambda x: np.einsum("ii", x),
                      [_f(4, 4)], True),
    "einsum[three]": (lambda o, a, b, c: o.einsum("ij,jk,kl->li", a, b, c),
                      lambda a, b, c: np.einsum("ij,jk,kl->li", a, b, c),
                      [_f(2, 3), _f(3, 4), _f(4, 2)], True),
    "einsum[outer_sum]": (lambda o, a, b: o.einsum("i,jk->ij", a, b),
                          lambda a, b: np.einsum("i,jk->ij", a, b), [_f(3), _f(2, 4)], True),
    "einsum[broadcast1]": (lambda o, a, b: o.einsum("ij,jk->ik", a, b),
                           lambda a, b: np.einsum("ij,jk->ik", a, b), [_f(2, 1), _f(3, 4)],
                           True),
})
