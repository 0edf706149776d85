"""The masks of the attention layers as float keep-weights (1 = attend, 0 = masked) and the
two ways Keras fills masked logits before the softmax.

Masks are combined as products of 0/1 floats and a masked logit is replaced by
`logit * keep + (1 - keep) * fill`, which gives exactly `fill` where masked and exactly
`logit` elsewhere for finite logits (and no gradient to masked logits, as Keras's `where`);
written before fastkeras had `where`, and kept because the attention steps' plans are
measured this way (ops.dot_product_attention uses `where`). The causal and sliding-window masks depend only on the static sequence
lengths, so they are NumPy constants of the traced step."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops.core import dtype_of
from ...ops.nn_extra import large_negative

# jax.nn.dot_product_attention's fill (Keras MHA's path without dropout or scores): a
# fully masked row then gets a uniform softmax.
DOT_PRODUCT_FILL = large_negative("float32")  # ops.dot_product_attention's fill
# keras.layers.Softmax's fill (MHA with dropout or returned scores); its masked
# probabilities are zeroed afterwards, so a fully masked row is all zeros.
SOFTMAX_LAYER_FILL = np.float32(-1e9)


def keep_weights(mask):
    """A Keras mask (bool, or numbers where non-zero keeps) as float32 0/1 weights."""
    if mask is None:
        return None
    if dtype_of(mask) != "bool":
        mask = ops.not_equal(mask, 0)
    return ops.cast(mask, "float32")


def combine(*keeps):
    """The AND of the keep-weights given (None ones left out); None if none is given."""
    out = None
    for keep in keeps:
        if keep is not None:
            out = keep if out is None else ops.multiply(out, keep)
    return out


def causal_keep(q_len, k_len):
    """(1, q_len, k_len): query i attends to keys j <= i (Keras's cumsum comparison)."""
    return np.tril(np.ones((q_len, k_len), np.float32))[None]


def sliding_window_keep(q_len, k_len, window):
    """(1, q_len, k_len): query i attends to keys with |i - j| < window."""
    rows, cols = np.arange(q_len)[:, None], np.arange(k_len)[None, :]
    return (np.abs(rows - cols) < window).astype(np.float32)[None]


def fill_masked(logits, keep, fill):
    """Keras's `where(keep, logits, fill)` for 0/1 `keep` broadcastable to `logits`."""
    if keep is None:
        return logits
    return ops.add(ops.multiply(logits, keep),
                   ops.multiply(ops.subtract(np.float32(1.0), keep), fill))


def expand_to_rank(keep, rank, axis):
    """`keep` with size-1 axes inserted at `axis` until it has `rank` axes (Keras inserts
    the heads axis into a (batch, Tq, Tk) mask)."""
    while len(ops.shape(keep)) < rank:
        keep = ops.expand_dims(keep, axis)
    return keep


def attention_keep(query, value, query_mask, value_mask, key_mask, attention_mask,
                   use_causal_mask, sliding_window=None):
    """Keras's `_compute_attention_mask` as 0/1 weights broadcastable to (B, T, S)."""
    q_len, k_len = ops.shape(query)[1], ops.shape(value)[1]
    row = keep_weights(query_mask)
    return combine(
        None if row is None else ops.expand_dims(row, -1),
        *(None if m is None else ops.expand_dims(keep_weights(m), -2)
          for m in (value_mask, key_mask)),
        causal_keep(q_len, k_len) if use_causal_mask else None,
        None if sliding_window is None else sliding_window_keep(q_len, k_len, sliding_window),
        keep_weights(attention_mask))
