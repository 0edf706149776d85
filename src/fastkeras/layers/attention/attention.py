"""Attention (Luong-style dot-product, or "concat" scores) and AdditiveAttention
(Bahdanau-style), as Keras 3.15.

Called on [query (B, Tq, d), value (B, Tv, d)] or [query, value, key]:

    scores = query @ key^T (* scale)                               score_mode "dot"
           = concat_score_weight * sum(tanh(scale * (q + k)), -1)  score_mode "concat"
           = sum(scale * tanh(q + k), -1)                          AdditiveAttention
    weights = softmax(scores, masked), out = weights @ value

Keras's masking for these layers differs from MultiHeadAttention's: a masked score
becomes `score - 1e9` (a subtraction, not a replacement), nothing is zeroed after the
softmax, and the query's mask zeroes the output rows it masks (and is the output's
mask)."""

from __future__ import annotations

import numpy as np

from ... import ops
from ...ops import random
from ..layer import Layer
from . import masking

_MASKED_SCORE_OFFSET = np.float32(1e9)


class Attention(Layer):
    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        if self.score_mode not in ("dot", "concat"):
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")
        self.built = True

    def _calculate_scores(self, query, key):
        """(B, Tq, Tv) scores."""
        if self.score_mode == "dot":
            nd = len(ops.shape(key))
            swap = tuple(range(nd - 2)) + (nd - 1, nd - 2)
            scores = ops.matmul(query, ops.transpose(key, swap))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        pairs = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(pairs), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._calculate_scores(query, key)
        keep = masking.keep_weights(value_mask)
        if keep is not None:
            keep = ops.expand_dims(keep, -2)  # (B, 1, Tv)
        if use_causal_mask:
            q_len, k_len = ops.shape(scores)[-2:]
            keep = masking.combine(keep, masking.causal_keep(q_len, k_len))
        if keep is not None:  # Keras: where(mask, scores, scores - 1e9)
            scores = ops.subtract(scores, ops.multiply(
                ops.subtract(np.float32(1.0), keep), _MASKED_SCORE_OFFSET))
        weights = ops.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            dropped = random.dropout(weights, self.dropout, seed=self.seed_generator)
        out = ops.matmul(dropped, value)
        if query_mask is not None:
            out = ops.multiply(out, ops.expand_dims(masking.keep_weights(query_mask), -1))
        return (out, weights) if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        self._validate_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: "
                             f"inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. "
                                 f"Received: inputs={inputs}, mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update(use_scale=self.use_scale, score_mode=self.score_mode,
                      dropout=self.dropout, seed=self.seed)
        return config


class AdditiveAttention(Attention):
    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform",
                                         name="scale")
        self.built = True

    def _calculate_scores(self, query, key):
        pairs = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            pairs = ops.multiply(self.scale, pairs)
        return ops.sum(pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
