"""Shared helpers of the user-facing ops (argument conversion and dtype promotion), and the
ops of Keras's ops.core that are one primitive (stop_gradient).

Ops accept NumPy arrays, Python scalars, Variables and symbolic tensors. On arrays they run
eagerly through the active backend's kernels and return NumPy arrays; on symbolic tensors
they record graph nodes. Both paths go through `graph.bind`."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable, bind
from ..graph.primitive import DTYPES

_FLOATS = ("float32", "float64")


def dtype_of(x):
    if isinstance(x, (Tensor, Variable)):
        return x.dtype
    if isinstance(x, np.ndarray):
        return x.dtype.name
    if isinstance(x, (bool, np.bool_)):
        return "bool"
    if isinstance(x, (int, np.integer)):
        return None  # weak: takes the other operand's dtype
    if isinstance(x, (float, np.floating)):
        return None
    return convert(x).dtype.name


def shape_of(x):
    if isinstance(x, (Tensor, Variable, np.ndarray)):
        return tuple(x.shape)
    return np.shape(x)


def dtype_name(dtype) -> str:
    """A dtype's name as given (a name, a NumPy dtype or a Python type), not standardised."""
    return dtype if isinstance(dtype, str) else np.dtype(dtype).name


def standardize_dtype(dtype) -> str:
    if dtype is None:
        return "float32"
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    name = {"float": "float32", "int": "int32", "double": "float64"}.get(name, name)
    if name not in DTYPES:
        raise ValueError(f"Unsupported dtype {dtype!r}; fastkeras supports {DTYPES}")
    return name


def convert(x, dtype=None):
    """Arrays in, arrays out; symbolic values pass through (cast when a dtype is asked)."""
    if isinstance(x, (Tensor, Variable)):
        if dtype is not None and x.dtype != dtype:
            return bind("cast", x, dtype=dtype)
        return x
    a = np.asarray(x)
    if dtype is not None:
        return a.astype(dtype, copy=False)
    if a.dtype.kind == "f" and (a.dtype.name not in _FLOATS or _python_value(x)):
        return a.astype("float32")  # Keras: Python floats are float32 (the backend floatx)
    if a.dtype.kind in "iu" and (a.dtype.name not in DTYPES or _python_value(x)):
        # Keras: Python ints are int32; values past int32 keep 64 bits rather than wrap.
        fits = a.size == 0 or (-2 ** 31 <= a.min() and a.max() < 2 ** 31)
        return a.astype("int32" if fits else "int64")
    if a.dtype.kind == "O":
        raise TypeError(f"Cannot convert {type(x).__name__} to a numeric tensor")
    return a


def _python_value(x) -> bool:
    """A Python number or a (nested) list/tuple of them, which NumPy would make 64-bit."""
    return isinstance(x, (int, float, list, tuple)) and not isinstance(x, (bool, np.generic))


def result_dtype(*xs) -> str:
    """Keras-like promotion for the dtypes fastkeras computes in: any float wins over
    ints and bools; two floats give the wider one."""
    dts = [d for d in (dtype_of(x) for x in xs) if d is not None]
    if not dts:
        return "float32" if any(isinstance(x, float) for x in xs) else "int32"
    floats = [d for d in dts if d in _FLOATS]
    if floats:
        return "float64" if "float64" in floats else "float32"
    if any(isinstance(x, (float, np.floating)) for x in xs):
        return "float32"
    ints = [d for d in dts if d != "bool"]
    if ints:
        return "int64" if "int64" in ints else "int32"
    return "bool"


def promote(*xs, float_only=False):
    dtype = result_dtype(*xs)
    if float_only and dtype not in _FLOATS:
        dtype = "float32"
    out = []
    for x in xs:
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            out.append(x)  # weak scalar, typed by bind
        else:
            out.append(convert(x, dtype))
    return out


def unary_op(name, doc=None):
    """A public op applying the float primitive `name` elementwise."""
    def op(x):
        (a,) = promote(x, float_only=True)
        return bind(name, a)
    op.__name__ = name
    op.__doc__ = doc or f"Elementwise {name}."
    return op


def binary_op(name, float_only=True):
    """A public op applying the broadcasting binary primitive `name` after promotion."""
    def op(x1, x2):
        a, b = promote(x1, x2, float_only=float_only)
        return bind(name, a, b)
    op.__name__ = name
    op.__doc__ = f"Elementwise {name} with NumPy broadcasting."
    return op


def integers_exact(op):
    """`op` (a binary op on float kernels) for integer or bool operands through float64, cast
    back to the integer result dtype Keras gives (int32 + int32 is int32): exact while values
    stay below 2**53; integer overflow and division by zero have no defined result here."""
    def exact(x1, x2):
        dtype = result_dtype(x1, x2)
        if dtype in _FLOATS:
            return op(x1, x2)
        return bind("cast", op(convert(x1, "float64"), convert(x2, "float64")), dtype=dtype)
    exact.__name__, exact.__doc__ = op.__name__, op.__doc__
    return exact


def stop_gradient(variable):
    """`variable`'s value, a constant for the gradient (keras.ops.stop_gradient). Eagerly a
    new array (a Variable's current value, as Keras's JAX backend gives; other values
    converted as convert_to_tensor does); traced, a node that only autodiff sees: plans
    read `variable` itself."""
    return bind("stop_gradient", convert(variable))
