"""Neural-network ops (keras.ops.*): activations, normalised exponentials and the
cross-entropies."""

from __future__ import annotations

from ..graph import bind
from ..graph.primitives.losses import EPSILON
from . import numpy as np_ops
from .core import convert, promote, shape_of, unary_op

relu = unary_op("relu", "The relu activation, elementwise.")
sigmoid = unary_op("sigmoid", "The sigmoid activation, elementwise.")


def softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("softmax", a, axis=axis)


def log_softmax(x, axis=-1):
    (a,) = promote(x, float_only=True)
    return bind("log_softmax", a, axis=axis)


def _class_axis_last(target, output, axis):
    """(target, output) with the class axis moved last (the primitives reduce the last)."""
    nd = len(shape_of(output))
    axis = axis % nd if nd else 0
    if axis == nd - 1:
        return target, output
    perm = tuple(i for i in range(nd) if i != axis) + (axis,)
    move = (lambda t: bind("transpose", t, perm=perm))
    return (move(target) if target is not None else None), move(output)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(p)) over `axis`, p = output / sum(output) clipped to [eps, 1 - eps]
    (or log_softmax(output) from logits): one value per sample (Keras's op)."""
    target, output = promote(target, output, float_only=True)
    if shape_of(target) != shape_of(output):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    if len(shape_of(output)) < 1:
        raise ValueError(f"Arguments `target` and `output` must be at least rank 1. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    target, output = _class_axis_last(target, output, axis)
    return bind("categorical_crossentropy", target, output, from_logits=bool(from_logits))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """categorical_crossentropy with integer class labels (a trailing axis of 1 is
    squeezed; Keras's op)."""
    (output,) = promote(output, float_only=True)
    st, so = shape_of(target), shape_of(output)
    if len(so) < 1:
        raise ValueError(f"Argument `output` must be at least rank 1. Received: "
                         f"output.shape={so}")
    if len(st) == len(so) and st and st[-1] == 1:
        target = bind("reshape", convert(target), shape=st[:-1])
        st = st[:-1]
    if tuple(st) != tuple(so[:-1]):
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={st}, output.shape={so}")
    _, output = _class_axis_last(None, output, axis)
    return bind("sparse_categorical_crossentropy", convert(target, "int32"), output,
                from_logits=bool(from_logits))


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t log(p) + (1 - t) log(1 - p)), p clipped to [eps, 1 - eps], or from
    logits through log_sigmoid (Keras's op; the loss function means it over the last
    axis)."""
    target, output = promote(target, output, float_only=True)
    if shape_of(target) != shape_of(output):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={shape_of(target)}, output.shape={shape_of(output)}")
    if from_logits:  # log_sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), never overflows
        soft = np_ops.log(np_ops.add(np_ops.exp(np_ops.negative(np_ops.abs(output))), 1.0))
        log_p = np_ops.subtract(np_ops.minimum(output, 0.0), soft)
        log_not_p = np_ops.subtract(np_ops.minimum(np_ops.negative(output), 0.0), soft)
    else:
        p = np_ops.clip(output, EPSILON, 1.0 - EPSILON)
        log_p, log_not_p = np_ops.log(p), np_ops.log(np_ops.subtract(1.0, p))
    return np_ops.negative(np_ops.add(np_ops.multiply(target, log_p),
                                      np_ops.multiply(np_ops.subtract(1.0, target), log_not_p)))


def _axes(axis, nd):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % nd for a in axes))


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, biased variance) over `axes` (Keras's op)."""
    if synchronized:
        raise NotImplementedError("moments(synchronized=True) is not supported by fastkeras "
                                  "(one device)")
    (a,) = promote(x, float_only=True)
    shape = tuple(shape_of(a))
    axes = _axes(axes, len(shape))
    if len(shape) >= 2 and axes == tuple(range(len(shape) - 1)):
        # Every axis but the channels: the one-kernel moments primitive over (rows, cols).
        mean, variance = bind("moments", np_ops.reshape(a, (-1, shape[-1])))
        if keepdims:
            kept = (1,) * (len(shape) - 1) + (shape[-1],)
            mean, variance = np_ops.reshape(mean, kept), np_ops.reshape(variance, kept)
        return mean, variance
    mean = np_ops.mean(a, axis=axes, keepdims=True)
    variance = np_ops.mean(np_ops.square(np_ops.subtract(a, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = np_ops.squeeze(mean, axes)
    return mean, variance


def _along(v, axis, nd):
    """A per-channel vector shaped to broadcast along `axis` of an nd tensor."""
    v = convert(v)
    if axis == nd - 1:
        return v
    shape = [1] * nd
    shape[axis] = shape_of(v)[0]
    return np_ops.reshape(v, shape)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) * rsqrt(variance + epsilon) * scale + offset, per channel of `axis`,
    in Keras's order: inv = rsqrt(var + eps) * scale; x * inv + (offset - mean * inv)."""
    (x,) = promote(x, float_only=True)
    nd = len(shape_of(x))
    axis = axis % nd
    inv = np_ops.rsqrt(np_ops.add(_along(variance, axis, nd), epsilon))
    if scale is not None:
        inv = np_ops.multiply(inv, _along(scale, axis, nd))
    res = np_ops.multiply(np_ops.negative(_along(mean, axis, nd)), inv)
    if offset is not None:
        res = np_ops.add(res, _along(offset, axis, nd))
    return np_ops.add(np_ops.multiply(x, inv), res)


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, rms_scaling=False):
    """Keras 3's op: normalised over `axis` (each sample alone), then scaled and shifted.
    `rms_scaling` keeps Keras's (deprecated) meaning: divide by the standard deviation."""
    (x,) = promote(x, float_only=True)
    epsilon = 1e-7 if epsilon is None else epsilon
    nd = len(shape_of(x))
    axes = _axes(axis, nd)
    shape = [1] * nd
    for a in axes:
        shape[a] = shape_of(x)[a]

    def broadcast(v):
        if v is None or axes == (nd - 1,):
            return v
        return np_ops.reshape(v, shape)
    gamma, beta = broadcast(gamma), broadcast(beta)
    if rms_scaling:
        inv = np_ops.rsqrt(np_ops.add(np_ops.var(x, axis=axes, keepdims=True), epsilon))
        out = np_ops.multiply(x, inv)
        return out if gamma is None else np_ops.multiply(out, gamma)
    mean, variance = moments(x, axes, keepdims=True)
    inv = np_ops.rsqrt(np_ops.add(variance, epsilon))
    if gamma is not None:
        inv = np_ops.multiply(inv, gamma)
    res = np_ops.multiply(np_ops.negative(mean), inv)
    if beta is not None:
        res = np_ops.add(res, beta)
    return np_ops.add(np_ops.multiply(x, inv), res)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / its L`order` norm over `axis` (Keras's op; order 2 as x * min(rsqrt(sum x**2),
    1 / epsilon))."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    if order != 2:
        raise NotImplementedError("normalize(order != 2) is not supported yet by fastkeras")
    (x,) = promote(x, float_only=True)
    if not shape_of(x):
        x = np_ops.expand_dims(x, 0)
    epsilon = 1e-7 if epsilon is None else epsilon
    square_sum = np_ops.sum(np_ops.square(x), axis=axis, keepdims=True)
    inv_norm = np_ops.minimum(np_ops.rsqrt(square_sum), 1.0 / epsilon)
    return np_ops.multiply(x, inv_norm)


def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """1 where the class id equals the position along a new `axis` of size num_classes (ids
    outside [0, num_classes) give a row of zeros, as Keras)."""
    import numpy as np
    if sparse:
        raise NotImplementedError("one_hot(sparse=True): fastkeras has no sparse tensors")
    ids = convert(x, "int32")
    classes = np.arange(int(num_classes), dtype=np.int32)
    hot = bind("equal", np_ops.expand_dims(ids, -1), classes)
    out = np_ops.cast(hot, dtype or "float32")
    nd = len(shape_of(out))
    axis = axis % nd
    if axis != nd - 1:
        out = np_ops.transpose(out, [i for i in range(nd - 1) if i < axis] + [nd - 1] +
                               [i for i in range(nd - 1) if i >= axis])
    return out


def multi_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """1 for every class id present in each sample (ids over axis 1, or the whole of a rank-1
    input), Keras's op."""
    hot = one_hot(x, num_classes, axis=axis, dtype=dtype or "float32", sparse=sparse)
    return np_ops.max(hot, axis=1 if len(shape_of(convert(x))) > 1 else 0)
