"""keras.InputSpec: what a layer expects of the first argument of its call (rank, dtype,
sizes of given axes, whole shape), and the check `Layer.__call__` runs against it.

A layer sets `self.input_spec` (one InputSpec, or a list/dict of them, one per input) in
`__init__` or `build`; every call checks its inputs before `build`/`call`, eagerly and on
KerasTensors alike, and raises Keras 3's ValueError messages on a mismatch."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .keras_tensor import SPEC_UNKNOWN, KerasTensor

# Keras 3's dtype names (backend/common/dtypes.py), and the Python types it maps onto them.
_KERAS_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64",
                 "int8", "int16", "int32", "int64", "bfloat16", "bool", "string",
                 "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
_PYTHON_DTYPES = {bool: "bool", int: "int32", "int": "int32", float: "float32",
                  str: "string", complex: "complex64"}


def _dtype_name(dtype):
    """A dtype as Keras names it ('float32'), from a string, NumPy dtype or Python type."""
    if isinstance(dtype, (type, str)) and dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    if isinstance(dtype, str):
        name = dtype
    else:
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
    if name not in _KERAS_DTYPES:
        raise ValueError(f"Invalid dtype: {name}")
    return name


def _shape_tuple(shape):
    """A shape as a tuple of ints and Nones, refusing what Keras refuses."""
    if shape is None:
        raise ValueError("Undefined shapes are not supported.")
    if not hasattr(shape, "__iter__"):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    shape = tuple(shape)
    dims = []
    for d in shape:
        if d is None:
            dims.append(None)
            continue
        if isinstance(d, (str, float)):
            raise ValueError(f"Cannot convert '{shape}' to a shape. "
                             f"Found invalid dimension '{d}' of type '{type(d)}'. ")
        try:
            d = int(d)
        except Exception as e:
            raise ValueError(f"Cannot convert '{shape}' to a shape. "
                             f"Found invalid dimension '{d}' of type '{type(d)}'. ") from e
        if d < 0:
            raise ValueError(f"Cannot convert '{shape}' to a shape. "
                             "Negative dimensions are not allowed.")
        dims.append(d)
    return tuple(dims)


class InputSpec:
    """The rank, dtype and shape a layer's input must have (Keras 3's keras.InputSpec).

    `shape` includes the batch axis; None in it (or in `axes`' values) matches any size.
    `allow_last_axis_squeeze` lets an input of rank N+1 whose last axis is 1 (or of rank
    N-1 when the spec's last axis is 1) pass a rank-N `shape`. `name` is the key of this
    input when a dict of inputs is passed; an `optional` input may be None."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _dtype_name(dtype) if dtype is not None else None
        if shape is not None:
            self.shape = _shape_tuple(shape)
            self.ndim = len(self.shape)
        else:
            self.shape = None
            self.ndim = ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        axes = axes or {}
        try:
            self.axes = {int(key): axes[key] for key in axes}
        except (ValueError, TypeError):
            raise TypeError("Argument `axes` must be a dict with integer keys. "
                            f"Received: axes={axes}") from None
        # The highest axis the rank allows (as Keras: from ndim, else from max_ndim).
        rank = self.ndim or self.max_ndim
        if self.axes and rank is not None:
            if max(self.axes) > rank - 1:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum "
                                 f"allowed value: {rank - 1}")

    def __repr__(self):
        # As Keras: only the set (truthy) fields, in this order.
        fields = ("dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes")
        shown = [f"{f}={getattr(self, f)}" for f in fields if getattr(self, f)]
        return f"InputSpec({', '.join(shown)})"

    def get_config(self):
        # Keras 3.15 leaves `name` and `allow_last_axis_squeeze` out of the config.
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _flatten(structure):
    """Leaves of a nested list/tuple/dict (a dict's values by sorted key, as keras.tree)."""
    if isinstance(structure, Mapping):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _is_none(x):
    # An eager call turns a None input into a 0-d object array before the check.
    return x is None or (isinstance(x, np.ndarray) and x.dtype == object and x.shape == ()
                         and x.item() is None)


def _inputs_in_spec_order(specs, inputs):
    """A dict of inputs, in the order of the specs' names when every spec has one."""
    if not isinstance(inputs, Mapping):
        return inputs
    names = [spec.name for spec in specs]
    if not all(names):
        return inputs
    for name in names:
        if name not in inputs:
            raise ValueError(f'Missing data for input "{name}". You passed a data dictionary '
                             f"with keys {list(inputs.keys())}. Expected the following keys: "
                             f"{names}")
    return [inputs[name] for name in names]


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises ValueError (Keras's messages) where `inputs` do not meet `input_spec`: one
    InputSpec, or a list/dict of them (a None entry checks nothing), one per input."""
    if not input_spec:
        return
    specs = _flatten(input_spec)
    inputs = _flatten(_inputs_in_spec_order(specs, inputs))
    if len(inputs) != len(specs):
        names = [spec.name for spec in specs if spec is not None]
        if len(names) == len(specs) and all(names):
            keys = ", ".join(f"'{n}': ..." for n in names)
            raise ValueError(f'Layer "{layer_name}" expects {len(specs)} named input(s) with '
                             f"keys {names}, but it received {len(inputs)} input tensors. "
                             f"Pass inputs as a dict, e.g. `layer({{{keys}}})`.")
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it '
                         f"received {len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (spec.optional and _is_none(x)):
            continue
        if not hasattr(x, "shape"):  # most often a Layer passed where its output belongs
            raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                             f"{type(x)}) as input for layer '{layer_name}'.")
        _check_one(spec, x, f"Input {index} with name '{spec.name}' of layer '{layer_name}' "
                            "is incompatible with the layer: ")


def _check_one(spec, x, prefix):
    shape = _shape_tuple(x.shape)
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None:
        dtype = _dtype_name(x.dtype)
        if dtype != spec.dtype:
            raise ValueError(f"{prefix}expected dtype={spec.dtype}, found dtype={dtype}")
    for axis, value in spec.axes.items():
        if value is not None and shape[axis] not in (value, None):
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value "
                             f"{value}, but received input with shape {shape}")
    if spec.shape is not None:
        spec_shape = spec.shape
        if spec.allow_last_axis_squeeze:  # a trailing axis of size 1 on either side is dropped
            if shape and shape[-1] == 1:
                shape = shape[:-1]
            if spec_shape and spec_shape[-1] == 1:
                spec_shape = spec_shape[:-1]
        for want, got in zip(spec_shape, shape):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")


def check_layer_inputs(layer, inputs):
    """Layer.__call__'s check of its first argument against `layer.input_spec`."""
    spec = getattr(layer, "input_spec", None)
    if not spec:
        return
    from ..graph import current_graph
    graph = current_graph()
    if graph is not None and graph.name in _SHAPE_TRACES:
        inputs = _as_symbolic(inputs)
    assert_input_compatibility(spec, inputs, layer.name)


# Graphs traced only for output shapes. Their placeholders stand in a made-up batch size
# for the unknown batch axis, and made-up sizes (keras_tensor.SPEC_UNKNOWN) for unknown others.
_SHAPE_TRACES = ("spec", "summary")


def _as_symbolic(inputs):
    """Placeholders seen as the KerasTensors they stand for, their unknown axes None again,
    so a spec is checked against the shapes the user gave, as Keras checks them."""

    def unknown_axes_none(x):
        if not hasattr(x, "shape") or not hasattr(x, "dtype") or not len(x.shape):
            return x
        dims = tuple(None if d in SPEC_UNKNOWN else d for d in x.shape[1:])
        return KerasTensor((None,) + dims, x.dtype)

    if isinstance(inputs, Mapping):
        return {k: _as_symbolic(v) for k, v in inputs.items()}
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_as_symbolic(v) for v in inputs)
    return unknown_axes_none(inputs)
