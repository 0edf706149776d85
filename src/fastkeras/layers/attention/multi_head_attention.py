"""MultiHeadAttention (Keras 3.15's signature, defaults, weights and config).

query (B, T, d_q), value (B, S, d_v), key (B, S, d_k) (key defaults to value):

    q = query @ Wq + bq   (B, T, N, key_dim)      k, v likewise over S
    p = softmax(q k^T / sqrt(key_dim)) per head     (B, N, T, S), masked
    out = (p v) @ Wo + bo                           (B, T, *output_shape)

The projections are HeadsProjection sublayers named as Keras's EinsumDense ones ("query",
"key", "value", "attention_output"; "gate" with use_gate), built in Keras's order, so
`get_weights()` and the weight paths ("multi_head_attention/query/kernel") are Keras's.
The two batched products are `ops.matmul` over (B, N) (one batch_matmul each).

Masks follow Keras: the query's mask keeps whole rows, the value's (and the key's, when
given) keep columns, `attention_mask` (B, T, S), the causal and sliding-window masks; all
are AND-ed. Keras runs two code paths that fill masked logits differently, and both are
kept: without dropout and returned scores it calls `ops.dot_product_attention` (masked
logits -0.7 * float32 max, so a fully masked query row averages all values); otherwise the
Softmax layer (-1e9, masked probabilities then zeroed, so such a row gives zeros).

Only 3-D inputs attending over the sequence axis (attention_axes None, 1 or -2) are
supported; other ranks or axes raise NotImplementedError."""

from __future__ import annotations

import math

import numpy as np

from ... import constraints, initializers, ops, regularizers
from ...graph import Tensor, Variable
from ...saving.object_config import build_shapes
from ..keras_tensor import KerasTensor
from ..layer import Layer, name_scope
from ..masks import get_keras_mask, set_keras_mask
from ..regularization import Dropout
from . import masking
from .projection import HeadsProjection


def _positive_int(name, value, allow_none=False):
    if allow_none and value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        extra = " or `None`" if allow_none else ""
        raise ValueError(f"Received an invalid value for argument `{name}`, expected a "
                         f"positive integer{extra}. Received: {name}={value}")


def _as_float32(x):
    """An eager float64 array as float32 (as Layer.__call__ casts its first input), its
    Keras mask kept."""
    if isinstance(x, (Tensor, KerasTensor, Variable)) or x is None:
        return x
    array = np.asarray(x)
    if array.dtype.kind == "f" and array.dtype != np.float32:
        cast = array.astype(np.float32)
        set_keras_mask(cast, get_keras_mask(x))
        return cast
    return x


def attention_call(layer, layer_call, query, value, key, kwargs):
    """Layer.__call__ of a (query, value, key) attention layer: built from the three shapes,
    value and key passed by keyword (so that models trace and record them as tensors), and
    the query's Keras mask read here: masks.mask_arguments names the first argument `self`
    for a multi-tensor call (its parameters include it), so it misses it."""
    if value is None:
        raise TypeError(f"{type(layer).__name__} {layer.name!r}: missing required argument "
                        "`value` (call it as layer(query, value) or with value=...)")
    value, key = _as_float32(value), _as_float32(key)
    if not layer.built:
        shapes = {"query_shape": build_shapes(query), "value_shape": build_shapes(value)}
        if key is not None:
            shapes["key_shape"] = build_shapes(key)
        with name_scope(layer):
            layer.build(**shapes)
    if kwargs.get("query_mask") is None and get_keras_mask(query) is not None:
        kwargs["query_mask"] = get_keras_mask(query)
    tensors = {"value": value} if key is None else {"value": value, "key": key}
    return layer_call(query, **tensors, **kwargs)


class MultiHeadAttention(Layer):
    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _positive_int("num_heads", num_heads)
        _positive_int("key_dim", key_dim)
        _positive_int("value_dim", value_dim, allow_none=True)
        super().__init__(**kwargs)  # the activity regularizer is the projections'
        self.supports_masking = True
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout, self._use_bias, self._use_gate = dropout, use_bias, use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, "
                                 "the `output_shape` should be of type tuple, list, or int.")
        self._output_shape = output_shape
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple.Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        if flash_attention and dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # ---- building ------------------------------------------------------------------------
    def _projection(self, name, in_axes, out_shape, activation=None):
        return HeadsProjection(
            in_axes, out_shape, self._use_bias, self._kernel_initializer,
            self._bias_initializer, kernel_regularizer=self._kernel_regularizer,
            bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
            activation=activation, name=name)

    def _build_sublayer(self, layer, shape):
        with name_scope(self), name_scope(layer):
            layer.build(shape)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        self._check_supported(query_shape, value_shape, key_shape)
        heads, kd, vd = self._num_heads, self._key_dim, self._value_dim
        self._query_dense = self._projection("query", 1, (heads, kd))
        self._build_sublayer(self._query_dense, query_shape)
        self._key_dense = self._projection("key", 1, (heads, kd))
        self._build_sublayer(self._key_dense, key_shape)
        if self._use_gate:
            self._gate_dense = self._projection("gate", 1, (heads, vd), activation="sigmoid")
            self._build_sublayer(self._gate_dense, query_shape)
        self._value_dense = self._projection("value", 1, (heads, vd))
        self._build_sublayer(self._value_dense, value_shape)
        self._attention_axes = (1,)  # Keras keeps the normalised axes once built
        self._dropout_layer = Dropout(rate=self._dropout, seed=self.seed)
        out_shape = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection("attention_output", 2, out_shape)
        self._build_sublayer(self._output_dense, query_shape[:-1] + (heads, vd))
        self.built = True

    def _check_supported(self, query_shape, value_shape, key_shape):
        ranks = {len(query_shape), len(value_shape), len(key_shape)}
        if ranks != {3}:
            raise NotImplementedError(
                f"MultiHeadAttention {self.name!r}: fastkeras supports 3-D query, value and "
                f"key (batch, sequence, features); got shapes {query_shape}, {value_shape} "
                f"and {key_shape}")
        axes = self._attention_axes
        if axes is not None and tuple(a if a >= 0 else 3 + a for a in axes) != (1,):
            raise NotImplementedError(
                f"MultiHeadAttention {self.name!r}: fastkeras attends over the sequence axis "
                f"only (attention_axes None, 1 or -2); got attention_axes={axes}")

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
                                      attention_mask, use_causal_mask, self._sliding_window)
        gate = self._gate_dense(query) if self._use_gate else None
        q = ops.transpose(self._query_dense(query), (0, 2, 1, 3))  # (B, N, T, key_dim)
        k = ops.transpose(self._key_dense(key), (0, 2, 3, 1))      # (B, N, key_dim, S)
        v = ops.transpose(self._value_dense(value), (0, 2, 1, 3))  # (B, N, S, value_dim)
        if keep is not None:
            keep = masking.expand_to_rank(keep, 4, -3)  # the heads axis
        scale = np.float32(self._inverse_sqrt_key_dim)
        # Keras's dot_product_attention path: no dropout and no scores returned.
        if not (self._dropout > 0.0 or return_attention_scores):
            logits = ops.multiply(ops.matmul(q, k), scale)
            probs = ops.softmax(masking.fill_masked(logits, keep, masking.DOT_PRODUCT_FILL))
            scores, dropped = None, probs
        else:  # the Softmax layer's path: query scaled first, masked probabilities zeroed
            logits = ops.matmul(ops.multiply(q, scale), k)
            scores = ops.softmax(masking.fill_masked(logits, keep,
                                                     masking.SOFTMAX_LAYER_FILL))
            if keep is not None:
                scores = ops.multiply(scores, keep)
            dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 \
                else scores
        out = ops.transpose(ops.matmul(dropped, v), (0, 2, 1, 3))  # (B, T, N, value_dim)
        if gate is not None:
            out = ops.multiply(out, gate)
        out = self._output_dense(out)
        return (out, scores) if return_attention_scores else out

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must "
                             f"be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout,
            "use_bias": self._use_bias, "use_gate": self._use_gate,
            "output_shape": self._output_shape, "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config
