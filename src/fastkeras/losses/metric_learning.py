"""Keras 3.15's Circle loss (`keras.losses.Circle`, `keras.losses.circle`; Sun et al. 2020)
as a composite of fastkeras.ops: a metric-learning loss over the pairwise cosine distances
of L2-normalised embeddings within the batch (or against reference embeddings).

Each row's loss is softplus(logsumexp over its positives + logsumexp over its negatives);
a row with no positive (or no negative) pair gets 0 and, as in Keras, is masked out of the
mean: the loss attaches the mask `loss > 0` to its values."""

from __future__ import annotations

import numpy as np

from .. import ops
from ..ops.core import convert, dtype_of, promote, shape_of
from ._common import select
from .loss import BuiltinLoss, set_keras_mask

# Keras fills the masked pairs with -inf before its logsumexp; a finite stand-in this low
# gives the same sums (exp underflows to 0) and a row with no pair ends at -1e30, whose
# softplus is exactly 0, with zero (not NaN) gradients.
_NO_PAIR = -1e30


def _labels_column(labels):
    labels = ops.cast(labels, "int32")
    return ops.reshape(labels, (-1, 1)) if len(shape_of(labels)) == 1 else labels


def _pair_masks(query_labels, key_labels, remove_diagonal, dtype):
    """(positive, negative) float masks (Q, K): same label / different label; without the
    diagonal (a sample paired with itself) in the positives when `remove_diagonal`."""
    q, k = _labels_column(query_labels), _labels_column(key_labels)
    positive = ops.cast(ops.equal(q, ops.transpose(k)), dtype)
    negative = ops.subtract(1.0, positive)
    if remove_diagonal:
        n_q, n_k = ops.size(q), ops.size(k)
        positive = ops.multiply(positive, 1.0 - np.eye(n_q, n_k, dtype=dtype))
    return positive, negative


def _masked_logsumexp(x, mask):
    """log(sum(exp(x) where mask)) along axis 1; _NO_PAIR for a row with nothing kept."""
    x = select(ops.greater(mask, 0.0), x, _NO_PAIR)
    m = ops.max(x, axis=1, keepdims=True)
    total = ops.sum(ops.exp(ops.subtract(x, m)), axis=1)
    return ops.add(ops.log(total), ops.reshape(m, (-1,)))


def _log1p(u):
    """log(1 + u) to float precision for small u >= 0: log(w) corrected by the rounding
    of w = 1 + u (Goldberg's form); it gives u itself where 1 + u rounds to 1."""
    w = ops.add(u, 1.0)
    return ops.subtract(ops.log(w), ops.divide(ops.subtract(ops.subtract(w, 1.0), u), w))


def _softplus(x):
    """log(1 + exp(x)) with Keras's (jax's log1p) precision for very negative x: a
    well-separated row has a loss like 1e-11, which Keras keeps in the mean (it is > 0);
    ops.softplus rounds it to 0, which would drop it."""
    return ops.add(ops.relu(x), _log1p(ops.exp(ops.negative(ops.absolute(x)))))


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss per sample. y_true: integer labels (batch,) or (batch, 1); y_pred:
    L2-normalised embeddings (batch, dim); ref_labels / ref_embeddings: the pairs' other
    side (default: the batch itself)."""
    (y_pred,) = promote(convert(y_pred), float_only=True)
    dtype = dtype_of(y_pred)
    ref_embeddings = y_pred if ref_embeddings is None else convert(ref_embeddings, dtype)
    ref_labels = y_true if ref_labels is None else ref_labels

    distances = ops.maximum(
        ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))), 0.0)
    positive, negative = _pair_masks(y_true, ref_labels, remove_diagonal, dtype)

    # Each pair's weight: how far it is from its optimum (margin for positives' distance,
    # 1 + margin for negatives'), never negative.
    pos_weights = ops.maximum(ops.multiply(ops.add(distances, margin), positive), 0.0)
    neg_weights = ops.maximum(ops.multiply(ops.subtract(1.0 + margin, distances), negative),
                              0.0)
    pos_logits = ops.multiply(ops.multiply(pos_weights, ops.subtract(margin, distances)),
                              -float(gamma))
    neg_logits = ops.multiply(ops.multiply(neg_weights, ops.subtract(1.0 - margin, distances)),
                              float(gamma))

    loss = _softplus(ops.add(_masked_logsumexp(pos_logits, positive),
                             _masked_logsumexp(neg_logits, negative)))
    return set_keras_mask(loss, ops.greater(loss, 0.0))


class Circle(BuiltinLoss):
    """Circle loss of integer labels and L2-normalised embeddings (`circle`, reduced)."""

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
