"""The projections inside MultiHeadAttention: Keras builds them as EinsumDense sublayers
("abc,cde->abde" for query/key/value, "abcd,cde->abe" for the output); every one of them
contracts the last `in_axes` axes of its input with the first axes of its kernel. That is
one GEMM on flattened views, so no general einsum is needed:

    reshape(x, (rows, prod(in))) @ reshape(kernel, (prod(in), prod(out))) + bias

reshaped back to (..., *out_shape). Weights, names and shapes are EinsumDense's: `kernel`
of shape in_shape + out_shape and `bias` of shape out_shape."""

from __future__ import annotations

import math

from ... import activations, constraints, initializers, ops, regularizers
from ..einsum_dense import with_kernel_fans
from ..layer import Layer, shown_shape


def _fresh(initializer):
    """A copy of an initializer (Keras gives each projection its own instance)."""
    return type(initializer).from_config(initializer.get_config())


class HeadsProjection(Layer):
    """x (..., *in_shape) -> (..., *out_shape), contracting the last `in_axes` axes."""
    # The parent's inputs keep their Keras masks (Keras clears them; we leave the caller's
    # tensors alone), so the projection lets a mask pass instead of warning about it.
    supports_masking = True

    def __init__(self, in_axes, out_shape, use_bias, kernel_initializer, bias_initializer,
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, activation=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.in_axes = int(in_axes)
        self.out_shape = tuple(int(d) for d in out_shape)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _fresh(kernel_initializer)
        self.bias_initializer = _fresh(bias_initializer)
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.activation = activations.get(activation)

    def build(self, input_shape):
        in_shape = tuple(input_shape[-self.in_axes:])
        if any(d is None for d in in_shape):
            raise ValueError(f"Layer {self.name!r}: the last {self.in_axes} axes of the input "
                             f"must be known, got input shape {tuple(input_shape)}")
        self.in_shape = in_shape
        kernel_shape = in_shape + self.out_shape
        # Keras's EinsumDense fans: the contracted axes in, the others out.
        initializer = with_kernel_fans(self.kernel_initializer, kernel_shape,
                                       range(len(in_shape)),
                                       range(len(in_shape), len(kernel_shape)))
        self.kernel = self.add_weight(kernel_shape, initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = self.add_weight(self.out_shape, self.bias_initializer, name="bias",
                                    regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.built = True

    def call(self, inputs):
        shape = tuple(ops.shape(inputs))
        if shape[-self.in_axes:] != self.in_shape:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: "
                             f"expected its last axes to be {self.in_shape}, but received "
                             f"input with shape {shown_shape(inputs)}")
        lead = shape[:-self.in_axes]
        k_in, k_out = math.prod(self.in_shape), math.prod(self.out_shape)
        flat = ops.matmul(ops.reshape(inputs, (-1, k_in)),
                          ops.reshape(self.kernel, (k_in, k_out)))
        if self.bias is not None:
            flat = ops.add(flat, ops.reshape(self.bias, (k_out,)))
        return self.activation(ops.reshape(flat, lead + self.out_shape))

    def get_config(self):  # never saved on its own: the parent's config makes it
        config = super().get_config()
        config.update(in_axes=self.in_axes, out_shape=list(self.out_shape),
                      use_bias=self.use_bias,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer),
                      kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                      bias_regularizer=regularizers.serialize(self.bias_regularizer),
                      kernel_constraint=constraints.serialize(self.kernel_constraint),
                      bias_constraint=constraints.serialize(self.bias_constraint))
        return config
