"""Activation functions (keras.activations) and `get()` for string identifiers."""

from __future__ import annotations

from .. import ops
from ..ops import activations as _composites


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras 3's relu: x above `threshold` (else 0), clipped at `max_value`, minus
    negative_slope * relu(threshold - x) below it. The defaults are the relu primitive."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return ops.leaky_relu(x, negative_slope=negative_slope)
    negative_part = ops.relu(ops.subtract(threshold, x)) if negative_slope != 0.0 else None
    if threshold != 0.0:
        y = ops.multiply(x, ops.cast(ops.greater(x, threshold), "float32"))
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, float(max_value))
    if negative_part is not None:
        y = ops.subtract(y, ops.multiply(float(negative_slope), negative_part))
    return y


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, axis=-1):
    return ops.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return ops.log_softmax(x, axis=axis)


def exponential(x):
    return ops.exp(x)


def relu6(x):
    return ops.relu6(x)


def leaky_relu(x, negative_slope=0.2):
    return ops.leaky_relu(x, negative_slope=negative_slope)


def elu(x, alpha=1.0):
    return ops.elu(x, alpha=alpha)


def selu(x):
    return ops.selu(x)


def softplus(x):
    return ops.softplus(x)


def softsign(x):
    return ops.softsign(x)


def silu(x):
    return ops.silu(x)


def swish(x):
    return ops.silu(x)


def hard_sigmoid(x):
    return ops.hard_sigmoid(x)


def mish(x):
    return _composites.mish(x)


def gelu(x, approximate=False):
    """Keras's default here is the exact form (erf), unlike keras.ops.gelu's."""
    return ops.gelu(x, approximate=approximate)


def celu(x, alpha=1.0):
    return ops.celu(x, alpha=alpha)


def glu(x, axis=-1):
    return ops.glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    return ops.hard_shrink(x, threshold=threshold)


def hard_silu(x):
    return ops.hard_silu(x)


hard_swish = hard_silu


def hard_tanh(x):
    return ops.hard_tanh(x)


def log_sigmoid(x):
    return ops.log_sigmoid(x)


def soft_shrink(x, threshold=0.5):
    return ops.soft_shrink(x, threshold=threshold)


def sparse_plus(x):
    return ops.sparse_plus(x)


def sparse_sigmoid(x):
    return ops.sparse_sigmoid(x)


def sparsemax(x, axis=-1):
    return ops.sparsemax(x, axis=axis)


def squareplus(x, b=4):
    return ops.squareplus(x, b=b)


def tanh_shrink(x):
    return ops.tanh_shrink(x)


def threshold(x, threshold, default_value):
    return ops.threshold(x, threshold, default_value)


_ACTIVATIONS = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax,
                                        exponential, relu6, leaky_relu, elu, selu, softplus,
                                        softsign, silu, swish, hard_sigmoid, mish, gelu, celu,
                                        glu, hard_shrink, hard_silu, hard_tanh, log_sigmoid,
                                        soft_shrink, sparse_plus, sparse_sigmoid, sparsemax,
                                        squareplus,
                                        tanh_shrink)}
_ACTIVATIONS["hard_swish"] = hard_silu


def get(identifier):
    """None -> linear; a string -> the named activation; a callable passes through."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _ACTIVATIONS[identifier]
        except KeyError:
            raise ValueError(f"Unknown activation function: {identifier!r}. Known activations: "
                             f"{sorted(_ACTIVATIONS)}") from None
    if isinstance(identifier, dict):  # a Keras config
        from ..saving.serialization_lib import deserialize_keras_object
        return deserialize_keras_object(identifier, module_objects=globals())
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def deserialize(config, custom_objects=None):
    """An activation function from its config: a name, or Keras's
    {"module": "keras.activations", "class_name": "function", "config": name} dict."""
    if isinstance(config, str) and not (custom_objects and config in custom_objects):
        return get(config)
    from ..saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=globals())


def serialize(activation):
    name = getattr(activation, "__name__", None)
    if _ACTIVATIONS.get(name) is activation:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}")
