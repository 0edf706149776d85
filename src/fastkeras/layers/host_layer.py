"""Layers computed in NumPy on the host: the lookup and hashing preprocessing layers
(Hashing, IntegerLookup, StringLookup, HashedCrossing). Keras runs them with TensorFlow ops,
outside the compiled step; strings have no place in a compiled fastkeras plan either.

* On arrays or lists they compute eagerly, in NumPy.
* On KerasTensors they record a LayerCall whose outputs come from `output_specs`
  (no trace: a string has no graph dtype).
* Inside a functional model, fed from its inputs, models/host_stage.py runs them on the input
  arrays once per fit/evaluate/predict call; the compiled plan starts at their outputs.
* On graph tensors while a step is traced (a subclassed model's call, a Sequential, a value
  computed inside the model) they cannot run: the error says to apply them to a model input.
"""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, current_graph
from .keras_tensor import KerasTensor, LayerCall
from .layer import Layer, _flatten, _map_structure

# The graph's name while layers are traced only for their output shapes (layer.py).
_SPEC_GRAPH = "spec"


def not_at_model_input(layer):
    return ValueError(
        f"{type(layer).__name__} layer {layer.name!r} runs in NumPy before the compiled step, "
        "so in a model it must be applied to a model input (`keras.Input`), directly or "
        "through other lookup/hashing layers, not to a value computed inside the model. In "
        "a Sequential or subclassed model, apply it to the data before fit/predict "
        "(`x = layer(x)`), or build the model with the functional API.")


class HostLayer(Layer):
    """A layer whose `call` takes and returns NumPy arrays (see the module's doc)."""

    def output_specs(self, input_shape):
        """[(shape, dtype)] of the outputs for inputs of `input_shape` (a shape, or a list
        of them for several inputs; None for unknown sizes)."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        specs = self.output_specs(_shape_tree(input_shape))
        return specs[0][0] if len(specs) == 1 else [s for s, _ in specs]

    def _call(self, inputs, *args, **kwargs):
        kwargs.pop("training", None)  # as Keras: call() does not take it
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.call() takes only the inputs; received "
                            f"{len(args)} more positional and keyword arguments "
                            f"{sorted(kwargs)}")
        flat = _flatten(inputs)
        if any(isinstance(x, KerasTensor) for x in flat):
            self._maybe_build(inputs)
            return self._symbolic_host_call(inputs)
        if any(isinstance(x, Tensor) for x in flat):
            graph = current_graph()
            if graph is None or graph.name != _SPEC_GRAPH:  # a step: no NumPy inside it
                raise not_at_model_input(self)
            # Traced only for output shapes (a model's output_shape): stand-in values.
            specs = self.output_specs(_shapes(inputs))
            outs = [graph.placeholder((flat[0].shape[0],) + tuple(s[1:]), d) for s, d in specs]
            return outs[0] if len(outs) == 1 else outs
        if not self.built:  # Keras records the first call's shapes (its build_config)
            self._maybe_build(_map_structure(_array_or_empty, inputs))
        return self.call(inputs)

    def _symbolic_host_call(self, inputs):
        specs = self.output_specs(_shapes(inputs))
        outputs = [KerasTensor(shape, dtype) for shape, dtype in specs]
        call = LayerCall(self, _flatten(inputs), {}, outputs, structure=inputs)
        for i, kt in enumerate(outputs):
            kt._history = (call, i)
        self._calls.append(call)
        return outputs[0] if len(outputs) == 1 else outputs


def _shapes(inputs):
    """The (None, ...) shape of each input: one shape, or a list for a list of inputs."""
    return _map_structure(lambda t: (None,) + tuple(t.shape[1:]) if len(t.shape) else (),
                          inputs if not isinstance(inputs, tuple) else list(inputs))


def _shape_tree(shape):
    """A shape, or a list of shapes (HashedCrossing), as given to compute_output_shape."""
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [tuple(s) for s in shape]
    return tuple(shape)


def as_input_array(x, what):
    """`x` (array, list, scalar) as a NumPy array; ragged lists are refused."""
    if isinstance(x, (KerasTensor, Tensor)):
        raise TypeError(f"{what}: expected array data, received {x!r}")
    try:
        return np.asarray(x)
    except ValueError as e:  # lists of unequal lengths
        raise ValueError(f"{what}: ragged inputs (rows of different lengths) are not "
                         f"supported by fastkeras; pad them to one length first ({e})") from None


def _array_or_empty(x):
    try:
        return np.asarray(x)
    except ValueError:  # ragged: call() refuses it with a clear message
        return np.zeros((0,))


def as_strings(x, what):
    """`x` as an array of Python str (bytes decoded as UTF-8, as TensorFlow's strings)."""
    a = as_input_array(x, what)
    if a.dtype.kind == "U":
        return a
    if a.size == 0:
        return np.zeros(a.shape, dtype=str)
    if a.dtype.kind == "S":
        return np.char.decode(a, "utf-8")
    if a.dtype.kind == "O":
        flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in a.reshape(-1)]
        if not all(isinstance(v, str) for v in flat):
            bad = next(v for v in flat if not isinstance(v, str))
            raise ValueError(f"{what}: expected strings, received {type(bad).__name__} {bad!r}")
        return np.array(flat, dtype=str).reshape(a.shape) if flat else a.astype(str)
    raise ValueError(f"{what}: expected string inputs, received an array of dtype {a.dtype} "
                     f"(first value: {a.reshape(-1)[0] if a.size else 'none'!r})")


def as_integers(x, what):
    """`x` as an int64 array (floats truncated toward zero, as TensorFlow's cast)."""
    a = as_input_array(x, what)
    if a.dtype.kind in "iub" or a.size == 0:
        return a.astype(np.int64)
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise ValueError(f"{what}: expected integer inputs, received NaN or inf")
        return a.astype(np.int64)
    raise ValueError(f"{what}: expected integer inputs, received an array of dtype {a.dtype} "
                     f"(first value: {a.reshape(-1)[0] if a.size else 'none'!r})")


def unique_map(values, fn, out_dtype):
    """fn applied to each distinct value of `values` once (a dict or a hash per distinct
    string, not per element): an array of `values`' shape."""
    flat = values.reshape(-1)
    if not flat.size:
        return np.zeros(values.shape, out_dtype)
    uniques, inverse = np.unique(flat, return_inverse=True)
    mapped = np.array([fn(u) for u in uniques.tolist()], dtype=out_dtype)
    return mapped[inverse].reshape(values.shape)


def encode_categorical(ids, output_mode, depth, dtype="float32"):
    """Keras's encode_categorical_inputs on the host: ids in [0, depth) as one-hot vectors
    (a trailing axis of 1 replaced), or multi-hot or count vectors over the last axis (a
    1-D input is one sample). Ids outside [0, depth) count nowhere (Keras drops a mask that
    way). Only the set entries are counted (np.unique), so memory is that of the output."""
    ids = np.asarray(ids, np.int64)
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        rows = ids.reshape(-1, 1)
        out_shape = ids.shape + (depth,)
    else:
        rows = ids.reshape(-1, ids.shape[-1]) if ids.ndim > 1 else ids.reshape(1, -1)
        out_shape = ids.shape[:-1] + (depth,) if ids.ndim > 1 else (depth,)
    valid = (rows >= 0) & (rows < depth)
    entries, counts = np.unique(np.nonzero(valid)[0] * depth + rows[valid], return_counts=True)
    out = np.zeros(rows.shape[0] * depth, dtype)
    out[entries] = 1 if output_mode in ("one_hot", "multi_hot") else counts
    return out.reshape(out_shape)
