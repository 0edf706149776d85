"""Variables: named, persistent arrays (layer weights, optimizer slots, counters).

A variable's value is a NumPy array. Once a model's state is packed into one contiguous
block (see `graph.state.StateBlock`), the value becomes a view into that block, so the
native executors update it in place and `get_weights` reads it without any copy back.
"""

from __future__ import annotations

import itertools

import numpy as np

_uid = itertools.count()


class Variable:
    # (bind, current_graph) of graph/core.py, which installs them: core builds on this
    # module, so this module does not import it.
    _graph = None
    def __init__(self, initializer=None, shape=None, dtype="float32", trainable=True,
                 name=None, value=None):
        if value is None:
            if initializer is None:
                raise ValueError("Variable needs an initial value or an initializer")
            if callable(initializer):
                value = initializer(shape, dtype=dtype)
            else:
                value = initializer
        value = np.array(value, dtype=dtype, copy=True)
        if shape is not None and tuple(value.shape) != tuple(shape):
            raise ValueError(f"Variable {name!r}: initial value has shape {value.shape}, "
                             f"expected {tuple(shape)}")
        self._value = value
        self.trainable = bool(trainable)
        self.name = name or f"variable_{next(_uid)}"
        self.uid = next(_uid)
        self.path = self.name
        # A weak reference to the StateBlock this variable's value lives in (None while
        # standalone; graph/state.py).
        self._block = None

    @property
    def shape(self):
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype.name

    @property
    def value(self):
        return self._value

    def numpy(self):
        return np.array(self._value, copy=True)

    def assign(self, value):
        """Sets the value. Inside a traced step (a layer's call(), e.g. BatchNormalization's
        moving statistics) the assignment is recorded and runs with every step, after the
        step's other ops (so reads in the same step see the value before it); elsewhere it
        happens now."""
        bind, current_graph = Variable._graph
        if current_graph() is not None:
            bind("assign", self, value)
            return
        value = np.asarray(value)
        if value.shape != self._value.shape:
            raise ValueError(f"Cannot assign a value of shape {value.shape} to variable "
                             f"{self.name!r} of shape {self._value.shape}")
        self._value[...] = value

    def assign_add(self, delta):
        self.assign(self + delta)

    def assign_sub(self, delta):
        self.assign(self - delta)

    # Arithmetic as on tensors: recorded while a step is traced, computed on arrays otherwise.
    def _bind(self, name, a, b):
        return Variable._graph[0](name, a, b)

    def __add__(self, o): return self._bind("add", self, o)
    def __radd__(self, o): return self._bind("add", o, self)
    def __sub__(self, o): return self._bind("subtract", self, o)
    def __rsub__(self, o): return self._bind("subtract", o, self)
    def __mul__(self, o): return self._bind("multiply", self, o)
    def __rmul__(self, o): return self._bind("multiply", o, self)
    def __truediv__(self, o): return self._bind("divide", self, o)
    def __rtruediv__(self, o): return self._bind("divide", o, self)

    def __deepcopy__(self, memo):
        """A new variable (own uid, own value, in no state block yet)."""
        new = Variable(value=self._value, dtype=self.dtype, trainable=self.trainable,
                       name=self.name)
        new.path = self.path
        memo[id(self)] = new
        return new

    def __array__(self, dtype=None, copy=None):
        return self._value if dtype is None else self._value.astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"
