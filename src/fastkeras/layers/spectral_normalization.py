"""SpectralNormalization: a wrapper that divides a layer's kernel by its largest singular
value sigma, estimated by power iteration from a persistent vector `vector_u` (Keras 3).

With training=True, as Keras's JAX backend does:
- the wrapped layer runs with kernel / sigma, and the gradient reaches the kernel through
  that division (u and v are constants of the gradient: ops.stop_gradient);
- `vector_u` takes its new value (a non-trainable state, assigned inside a traced train
  step like BatchNormalization's moving statistics);
- an eager call also assigns kernel / sigma to the kernel itself; a traced step (fit) does
  not, as Keras's JAX trainer drops assignments to trainable variables in its step, so
  the optimizer updates the unnormalised kernel and predict() uses that one.
An all-zero kernel is left as it is, and u with it (Keras's ops.cond)."""

from __future__ import annotations

from .. import initializers, ops
from ..graph import current_graph
from ..ops.core import dtype_of
from .input_spec import InputSpec
from .rnn.wrappers import Wrapper

_KERNEL_ATTRIBUTES = ("kernel", "embeddings")  # Keras's order of preference


class SpectralNormalization(Wrapper):
    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if power_iterations <= 0:
            raise ValueError("`power_iterations` should be greater than zero. Received: "
                             f"`power_iterations={power_iterations}`")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        found = [a for a in _KERNEL_ATTRIBUTES if hasattr(self.layer, a)]
        if not found:
            raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' "
                             "nor 'embeddings'")
        self._kernel_attribute = found[0]
        self.kernel = getattr(self.layer, found[0])
        self.kernel_shape = self.kernel.shape
        self.vector_u = self.add_weight((1, self.kernel_shape[-1]),
                                        initializers.TruncatedNormal(stddev=0.02),
                                        dtype=self.kernel.dtype, trainable=False,
                                        name="vector_u")
        self.built = True

    # Keras tracks the `kernel` attribute as this wrapper's own (trainable) variable too: it
    # comes first in `weights` and is saved with the wrapper's variables as well as the
    # wrapped layer's. Kept out of _own_weights, so that its regularizer counts once.
    def _own_variables(self):
        if not self.built:
            return super()._own_variables()
        return [self.kernel] + [w for w in super()._own_variables() if w is not self.kernel]

    def _ordered_weights(self):
        weights = super()._ordered_weights()
        if not self.built:
            return weights
        return [self.kernel] + [w for w in weights if w is not self.kernel]

    def call(self, inputs, training=False):
        if training:
            vector_u, kernel = self.normalized_weights()
            self.vector_u.assign(vector_u)
            if current_graph() is None:
                self.kernel.assign(kernel)
                outputs = self.layer(inputs)
            else:
                outputs = self._call_with_kernel(inputs, kernel)
        else:
            outputs = self.layer(inputs)
        if dtype_of(outputs) != dtype_of(inputs):
            outputs = ops.cast(outputs, dtype_of(inputs))  # as Keras (an Embedding's too)
        return outputs

    def _call_with_kernel(self, inputs, kernel):
        """The wrapped layer's call with the tensor `kernel` in place of its variable."""
        setattr(self.layer, self._kernel_attribute, kernel)
        try:
            return self.layer(inputs)
        finally:
            setattr(self.layer, self._kernel_attribute, self.kernel)

    def normalized_weights(self):
        """(the new vector_u, kernel / sigma) after `power_iterations` steps from vector_u;
        (vector_u, kernel) unchanged when the kernel is all zeros."""
        weights = ops.reshape(self.kernel, (-1, self.kernel_shape[-1]))
        vector_u = self.vector_u
        for _ in range(self.power_iterations):
            vector_v = ops.normalize(ops.matmul(vector_u, ops.transpose(weights)), axis=None)
            vector_u = ops.normalize(ops.matmul(vector_v, weights), axis=None)
        vector_u, vector_v = ops.stop_gradient(vector_u), ops.stop_gradient(vector_v)
        sigma = ops.matmul(ops.matmul(vector_v, weights), ops.transpose(vector_u))
        # 1.0 when every entry is zero: sigma is 0 then, and dividing by sigma + 1 keeps the
        # kernel (an exact select, where a select of kernel / 0 would give NaN gradients).
        all_zero = ops.subtract(1.0, ops.cast(ops.any(weights), self.kernel.dtype))
        kernel = ops.divide(self.kernel, ops.add(sigma, all_zero))
        vector_u = ops.add(ops.multiply(vector_u, ops.subtract(1.0, all_zero)),
                           ops.multiply(self.vector_u, all_zero))
        return vector_u, kernel

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
