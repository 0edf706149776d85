"""GroupedQueryAttention (keras.layers.GroupQueryAttention; Keras 3.15's signature, weights
and config).

query (B, T, m), value (B, S, m), key (B, S, m) (key defaults to value); u query heads,
v key/value heads, r = u / v query heads per key/value head, h = head_dim:

    q = EinsumDense("bqm,muh->bquh")(query)      k, v = EinsumDense("bkm,mvh->bkvh")(...)
    p = softmax(q k^T / sqrt(h)) per query head   (query head j reads key/value head j // r)
    out = EinsumDense("bquh,uhm->bqm")(p v)

The sublayers are EinsumDense layers named and built in Keras's order ("query", "key",
["gate",] "value", "attention_output"). Keras repeats k and v r times to u heads; here the
query heads are grouped instead, (B, T, v, r, h), so each product is one batch_matmul over
(B, v) and no repeated copy of k or v is made.

Masks and the two numerical paths are Keras's, as in MultiHeadAttention (masking.py):
without dropout and returned scores Keras calls `ops.dot_product_attention` (masked logits
-0.7 * float32 max), otherwise its Softmax layer (-1e9, masked probabilities zeroed)."""

from __future__ import annotations

import math

import numpy as np

from ... import constraints, initializers, ops, regularizers
from ..einsum_dense import EinsumDense
from ..layer import Layer, name_scope
from ..regularization import Dropout
from . import masking
from .multi_head_attention import _positive_int, attention_call


class GroupedQueryAttention(Layer):
    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            _positive_int(name, value)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self.sliding_window = sliding_window
        self._flash_attention = bool(flash_attention)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        if self._flash_attention and dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    # ---- building ------------------------------------------------------------------------
    def _einsum_dense(self, equation, output_shape, bias_axes, name, activation=None):
        fresh = lambda init: type(init).from_config(init.get_config())  # noqa: E731
        return EinsumDense(
            equation, output_shape=output_shape,
            bias_axes=bias_axes if self.use_bias else None, activation=activation, name=name,
            kernel_initializer=fresh(self.kernel_initializer),
            bias_initializer=fresh(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer,
            bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype)

    def _build_sublayer(self, layer, shape):
        with name_scope(self), name_scope(layer):
            layer.build(shape)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        u, v, h = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._einsum_dense("bqm,muh->bquh", (None, u, h), "uh", "query")
        self._build_sublayer(self._query_dense, query_shape)
        self._key_dense = self._einsum_dense("bkm,mvh->bkvh", (None, v, h), "vh", "key")
        self._build_sublayer(self._key_dense, key_shape)
        if self.use_gate:
            self._gate_dense = self._einsum_dense("bqm,muh->bquh", (None, u, h), "uh", "gate",
                                                  activation="sigmoid")
            self._build_sublayer(self._gate_dense, query_shape)
        self._value_dense = self._einsum_dense("bkm,mvh->bkvh", (None, v, h), "vh", "value")
        self._build_sublayer(self._value_dense, value_shape)
        self._dropout_layer = Dropout(rate=self.dropout, seed=self.seed)
        self._output_dense = self._einsum_dense("bquh,uhm->bqm", (None, self.feature_dim),
                                                "m", "attention_output")
        self._build_sublayer(self._output_dense, (None, None, u, h))
        self.built = True

    # ---- calling -------------------------------------------------------------------------
    def __call__(self, query, value=None, key=None, **kwargs):
        return attention_call(self, super().__call__, query, value, key, kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if key is None:
            key = value
        if self._flash_attention and return_attention_scores:
            raise ValueError("Returning attention scores is not supported when flash "
                             "attention is enabled. Please disable flash attention to access "
                             "attention scores.")
        keep = masking.attention_keep(query, value, query_mask, value_mask, key_mask,
                                      attention_mask, use_causal_mask, self.sliding_window)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)                               # (B, T, u, h)
        k, v = self._key_dense(key), self._value_dense(value)      # (B, S, kv, h)
        batch, q_len = ops.shape(q)[:2]
        kv, r, h = self.num_key_value_heads, self.num_repeats, self.head_dim
        q = ops.reshape(q, (batch, q_len, kv, r, h))               # query heads grouped
        if keep is not None:  # (B, T, S) -> (B, 1, T, 1, S): the key/value and group axes
            keep = ops.expand_dims(ops.expand_dims(masking.expand_to_rank(keep, 3, 0), 1), 3)
        scale = np.float32(self._inverse_sqrt_head_dim)
        # Keras's dot_product_attention path: no dropout and no scores returned.
        if not (self.dropout > 0.0 or return_attention_scores):
            logits = ops.multiply(ops.einsum("bqvrh,bkvh->bvqrk", q, k), scale)
            probs = ops.softmax(masking.fill_masked(logits, keep, masking.DOT_PRODUCT_FILL))
            scores, dropped = None, probs
        else:  # the Softmax layer's path: query scaled first, masked probabilities zeroed
            logits = ops.einsum("bqvrh,bkvh->bvqrk", ops.multiply(q, scale), k)
            probs = ops.softmax(masking.fill_masked(logits, keep, masking.SOFTMAX_LAYER_FILL))
            if keep is not None:
                probs = ops.multiply(probs, keep)
            dropped = self._dropout_layer(probs, training=training) if self.dropout > 0 \
                else probs
            scores = probs
        out = ops.einsum("bvqrk,bkvh->bqvrh", dropped, v)
        out = ops.reshape(out, (batch, q_len, self.num_query_heads, h))
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        if not return_attention_scores:
            return out
        # (B, kv, T, r, S) -> Keras's (B, u, T, S), head j = (j // r, j % r)
        scores = ops.transpose(scores, (0, 1, 3, 2, 4))
        return out, ops.reshape(scores, (batch, self.num_query_heads, q_len, -1))

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"The last dimension of `query_shape` and `value_shape` must be "
                             f"equal, but are {query_shape[-1]}, {value_shape[-1]}. Received: "
                             f"query_shape={query_shape}, value_shape={value_shape}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        return tuple(query_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self.use_bias,
            "use_gate": self.use_gate, "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config
