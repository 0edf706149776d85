"""ReversibleEmbedding: an Embedding that can also project hidden states back to the
vocabulary (`reverse=True`), the output head of a language model whose input and output
embeddings are shared ("tied", Press & Wolf 2016) or kept apart.

Forward, it is Embedding (ids -> rows). In reverse, logits = inputs @ embeddings.T (tied)
or inputs @ reverse_embeddings (untied, a second (output_dim, input_dim) weight made with
the same initializer), computed in `reverse_dtype` when given, and optionally soft-capped:
tanh(logits / cap) * cap. As Keras 3.15, the forward call puts the `mask_zero` mask on its
output itself and compute_mask() answers None, so a reverse call never makes a mask."""

from __future__ import annotations

from .. import ops
from .core import Embedding
from .keras_tensor import KerasTensor
from .masks import set_keras_mask


class ReversibleEmbedding(Embedding):
    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        # Embedding.build applies `weights=`; hold them until reverse_embeddings exists so
        # an untied layer can take [embeddings, reverse_embeddings].
        initial, self._initial_weights = self._initial_weights, None
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                (self.output_dim, self.input_dim), self.embeddings_initializer,
                name="reverse_embeddings")
        if initial is not None:
            self.set_weights(initial)

    def call(self, inputs, reverse=False):
        if not reverse:
            outputs = super().call(inputs)
            mask = super().compute_mask(inputs)
            if mask is not None:
                set_keras_mask(outputs, mask)
            return outputs
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding {self.name!r} called with reverse=True "
                             f"expects inputs whose last axis is output_dim={self.output_dim}. "
                             f"Received: inputs.shape={tuple(inputs.shape)}")
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel,
                                                                          self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def index_limit(self, call=None):
        """A reverse call reads hidden states, not ids: fit's id check skips its input."""
        if call is not None and call.kwargs.get("reverse", call.args[0] if call.args else False):
            return None
        return super().index_limit(call)

    def compute_mask(self, inputs, mask=None):
        return None  # the forward call() attaches the mask itself (see the module doc)

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return shape

    def compute_output_spec(self, inputs, reverse=False):
        # Keras gives the layer's dtype even when reverse_dtype differs (a symbolic call
        # here traces call() instead, so its KerasTensor has the dtype call() produces).
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse), dtype=self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update(tie_weights=self.tie_weights, reverse_dtype=self.reverse_dtype,
                      logit_soft_cap=self.logit_soft_cap)
        return config
