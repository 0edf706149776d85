"""User-facing ops (`keras.ops`): eager on arrays, recorded on symbolic tensors."""

import sys

import numpy as np

from ..graph import Tensor, Variable
from ..graph.variable import install_operator_ops as _install_operator_ops
from .activations import (celu, elu, erf, gelu, glu, hard_shrink, hard_sigmoid, hard_silu,
                          hard_swish, hard_tanh, leaky_relu, log_sigmoid, relu6, selu, silu,
                          soft_shrink, softplus, softsign, sparse_plus, sparse_sigmoid, sparsemax,
                          squareplus, swish, tanh_shrink, threshold)
from .core import stop_gradient
from .loops import scan
from . import random
from . import image  # keras.ops.image
from .nn import (batch_normalization, binary_crossentropy, categorical_crossentropy,
                 layer_normalization, log_softmax, moments, multi_hot, normalize, one_hot, relu,
                 sigmoid, softmax, sparse_categorical_crossentropy)
from .numpy import (abs, absolute, add, amax, amin, argmax, broadcast_to, cast, clip, concatenate,
                    digitize, divide, dot, equal, exp, expand_dims, greater, greater_equal, less, less_equal,
                    is_tensor, log, matmul, max, maximum, mean, min, minimum, multiply,
                    ndim, negative, ones, reshape, round, rsqrt, shape, sign, size, sqrt,
                    square, squeeze, std,
                    subtract, sum,
                    take, tanh, transpose, true_divide, var, zeros)
from .numpy import any, not_equal, pad  # noqa: A004 - Keras's names
from .conv import (average_pool, conv, conv_transpose, depthwise_conv, max_pool,
                   separable_conv)
from .einsum import einsum
from . import (array_creation, arrays, control_flow, elementwise_math, indexing, linalg,
               linalg_spectral, logic, math_extra, matrices, misc_ops, nan_ops, nn_extra,
               reductions, signal, sorting, special, updates)

# The modules above list their public ops in __all__ (one module per family of ops).
for _module in (array_creation, arrays, control_flow, elementwise_math, indexing, linalg,
                linalg_spectral, logic, math_extra, matrices, misc_ops, nan_ops, nn_extra,
                reductions, signal, sorting, special, updates):
    globals().update({_n: getattr(_module, _n) for _n in _module.__all__})
del _module


def convert_to_tensor(x, dtype=None):
    """An array (eager mode); symbolic tensors pass through."""
    from .core import convert, standardize_dtype
    return convert(x, None if dtype is None else standardize_dtype(dtype))


def convert_to_numpy(x):
    if isinstance(x, Tensor):
        raise TypeError("A symbolic tensor has no value; call the model on data instead")
    if isinstance(x, Variable):
        return x.numpy()
    return np.asarray(x)


# Every public op, and the submodules Keras exposes (keras.ops.image, keras.ops.random);
# the modules the ops are written in are not listed.
__all__ = [n for n, v in list(globals().items())
           if not n.startswith("_") and n not in ("np", "Tensor", "Variable")
           and (not isinstance(v, type(np)) or n in ("image", "random"))]


# Facts about a tensor, not ops on it: on a KerasTensor they answer at once (Keras's
# ops.shape gives the symbolic shape) instead of becoming a layer of the model.
_NOT_DISPATCHED = ("convert_to_numpy", "dtype", "is_tensor", "ndim", "shape", "size")


def _wrap_public_ops():
    from .symbolic import symbolic_dispatch
    for name in __all__:
        fn = globals()[name]
        if callable(fn) and name not in _NOT_DISPATCHED and not isinstance(fn, type(np)):
            globals()[name] = symbolic_dispatch(fn)


_wrap_public_ops()
# Tensors' and Variables' operators (x + y, x[...], x @ w) call these ops.
_install_operator_ops(sys.modules[__name__])


def _keras_namespaces():
    """ops.nn, ops.numpy, ops.linalg, ops.image, ops.math, ops.core: Keras's names of each
    namespace, as the dispatching ops above (ops/namespaces.py). Only the package attribute
    changes: sys.modules keeps the modules, so `from .numpy import add` still finds them."""
    from .namespaces import KERAS_NAMES, build_namespace
    public = {n: globals()[n] for n in __all__}
    image_ops = {n: getattr(image, n) for n in image.__all__}  # dispatching already
    for name in KERAS_NAMES:
        globals()[name] = build_namespace(name, [image_ops] if name == "image" else [public])


_keras_namespaces()
__all__ += [n for n in ("nn", "numpy", "linalg") if n not in __all__]
