"""KerasTensor: the symbolic value of the functional API (`Input`, `layer(input)`).

It carries a shape (batch dimension None), a dtype and where it came from: the layer call
that produced it. Models walk this history to find their layers; the math itself is traced
separately, into a graph of primitives, when a step is compiled."""

from __future__ import annotations

# Batch size used when tracing a layer only to learn its output shape (layer.py).
SPEC_BATCH = 2
# Sizes an unknown (None) non-batch axis takes in those traces: two of them, so that an
# output axis that changes with it is known to be unknown. Large, so that no kernel or
# window is too big for them. input_spec.py turns them back into None.
SPEC_UNKNOWN = (1009, 1013)


class LayerCall:
    """One call of a layer in a functional graph."""

    __slots__ = ("layer", "inputs", "structure", "kwargs", "outputs", "args")

    def __init__(self, layer, inputs, kwargs, outputs, structure=None, args=()):
        self.layer = layer
        self.inputs = inputs      # list[KerasTensor], flattened
        self.structure = structure  # the call's first argument as passed (tensor or list)
        self.kwargs = kwargs
        self.outputs = outputs    # list[KerasTensor]
        self.args = tuple(args)   # any further positional arguments (not tensors)

    def kwarg_tensors(self):
        """The KerasTensors among the keyword arguments (a `mask=`): the call depends on
        them as on its inputs."""
        found = []

        def walk(v):
            if isinstance(v, KerasTensor):
                found.append(v)
            elif isinstance(v, (list, tuple)):
                for item in v:
                    walk(item)
            elif isinstance(v, dict):
                for item in v.values():
                    walk(item)
        walk(self.kwargs)
        return found


class KerasTensor:
    _keras_mask = None  # the mask a layer attached (layers/masks.py), a bool KerasTensor

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        # (LayerCall, output index); None for an Input's tensor before its InputLayer links it.
        self._history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args, **kwargs):
        raise TypeError("A symbolic KerasTensor has no value. Build a Model from it and call "
                        "the model on data instead.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool")

    __array_ufunc__ = None  # `array op tensor` defers to the tensor's reflected operator

    # Arithmetic on symbolic tensors builds op layers, like Keras.
    def _op(self, name, *other, reverse=False):
        from .. import ops
        fn = getattr(ops, name)
        return fn(*other, self) if reverse else fn(self, *other)

    def __add__(self, o): return self._op("add", o)
    def __radd__(self, o): return self._op("add", o, reverse=True)
    def __sub__(self, o): return self._op("subtract", o)
    def __rsub__(self, o): return self._op("subtract", o, reverse=True)
    def __mul__(self, o): return self._op("multiply", o)
    def __rmul__(self, o): return self._op("multiply", o, reverse=True)
    def __truediv__(self, o): return self._op("divide", o)
    def __rtruediv__(self, o): return self._op("divide", o, reverse=True)
    def __matmul__(self, o): return self._op("matmul", o)
    def __rmatmul__(self, o): return self._op("matmul", o, reverse=True)
    def __pow__(self, o): return self._op("power", o)
    def __rpow__(self, o): return self._op("power", o, reverse=True)
    def __floordiv__(self, o): return self._op("floor_divide", o)
    def __rfloordiv__(self, o): return self._op("floor_divide", o, reverse=True)
    def __mod__(self, o): return self._op("mod", o)
    def __rmod__(self, o): return self._op("mod", o, reverse=True)
    def __lt__(self, o): return self._op("less", o)
    def __le__(self, o): return self._op("less_equal", o)
    def __gt__(self, o): return self._op("greater", o)
    def __ge__(self, o): return self._op("greater_equal", o)
    def __ne__(self, o): return self._op("not_equal", o)  # no __eq__: stays hashable
    def __and__(self, o): return self._op("logical_and", o)
    def __rand__(self, o): return self._op("logical_and", o, reverse=True)
    def __or__(self, o): return self._op("logical_or", o)
    def __ror__(self, o): return self._op("logical_or", o, reverse=True)
    def __xor__(self, o): return self._op("logical_xor", o)
    def __rxor__(self, o): return self._op("logical_xor", o, reverse=True)
    def __getitem__(self, key): return self._op("get_item", key)

    def __neg__(self): return self._op("negative")
    def __abs__(self): return self._op("absolute")
    def __invert__(self): return self._op("logical_not")
    def __round__(self, ndigits=None): return self._op("round", ndigits or 0)

    def __iter__(self):
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported.")


def is_keras_tensor(x) -> bool:
    return isinstance(x, KerasTensor)
