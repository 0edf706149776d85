"""Variables: named, persistent arrays (layer weights, optimizer slots, counters).

A variable's value is a NumPy array. Once a model's state is packed into one contiguous
block (see `graph.state.StateBlock`), the value becomes a view into that block, so the
native executors update it in place and `get_weights` reads it without any copy back.
"""

from __future__ import annotations

import itertools

import numpy as np

_uid = itertools.count()


# The public ops (fastkeras.ops) the operators call, installed by ops/__init__.py
# (`install_operator_ops`): ops build on the graph, so the graph never imports them.
_OPERATOR_OPS = [None]


def install_operator_ops(module):
    _OPERATOR_OPS[0] = module


def _ops():
    return _OPERATOR_OPS[0]


# NumPy's ufuncs behind Python's operators, as the public ops the operators call.
_UFUNC_OPS = {"add": "add", "subtract": "subtract", "multiply": "multiply",
              "divide": "divide", "true_divide": "divide", "matmul": "matmul",
              "negative": "negative", "absolute": "absolute", "equal": "equal",
              "not_equal": "not_equal", "less": "less", "less_equal": "less_equal",
              "greater": "greater", "greater_equal": "greater_equal",
              "bitwise_and": "logical_and", "bitwise_or": "logical_or",
              "bitwise_xor": "logical_xor", "invert": "logical_not", "power": "power",
              "floor_divide": "floor_divide", "remainder": "mod", "maximum": "maximum",
              "minimum": "minimum"}


class KerasOperators:
    """The operators of Keras's tensors and variables that call a public op (`x @ w`,
    `x ** 2`, `x < y`, `m & n`, `x[...]`, ...), shared by the graph's Tensor and Variable:
    each records the op in a trace, runs eagerly on arrays, builds op layers on KerasTensors.
    (`+ - * /` and negation are each class's own: Tensor binds primitives directly where the
    operands agree, a Variable reads its value.)"""

    __slots__ = ()

    def __abs__(self): return _ops().absolute(self)
    def __matmul__(self, o): return _ops().matmul(self, o)
    def __rmatmul__(self, o): return _ops().matmul(o, self)
    def __pow__(self, o): return _ops().power(self, o)
    def __rpow__(self, o): return _ops().power(o, self)
    def __floordiv__(self, o): return _ops().floor_divide(self, o)
    def __rfloordiv__(self, o): return _ops().floor_divide(o, self)
    def __mod__(self, o): return _ops().mod(self, o)
    def __rmod__(self, o): return _ops().mod(o, self)
    def __ne__(self, o): return _ops().not_equal(self, o)
    def __lt__(self, o): return _ops().less(self, o)
    def __le__(self, o): return _ops().less_equal(self, o)
    def __gt__(self, o): return _ops().greater(self, o)
    def __ge__(self, o): return _ops().greater_equal(self, o)
    def __and__(self, o): return _ops().logical_and(self, o)
    def __rand__(self, o): return _ops().logical_and(o, self)
    def __or__(self, o): return _ops().logical_or(self, o)
    def __ror__(self, o): return _ops().logical_or(o, self)
    def __xor__(self, o): return _ops().logical_xor(self, o)
    def __rxor__(self, o): return _ops().logical_xor(o, self)
    def __invert__(self): return _ops().logical_not(self)
    def __getitem__(self, key): return _ops().get_item(self, key)
    def __round__(self, ndigits=None): return _ops().round(self, ndigits or 0)


class Variable(KerasOperators):
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

    # With KerasOperators' (the public ops): `==` is elementwise as in Keras, but a variable stays
    # hashable by identity (fastkeras keys dicts by variable); lists of variables must be
    # searched with `is` (Python's `in` would compare values).
    def __neg__(self): return _ops().negative(self)
    def __pos__(self): return self._read()
    def __eq__(self, o): return _ops().equal(self, o)
    __hash__ = object.__hash__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy on a variable: inside a traced step an operator with an array on its left
        (`array @ v`, `array & v`) records the op as the variable's own operator would (the
        value would be a constant of the trace); anything else computes on the value."""
        op = _UFUNC_OPS.get(ufunc.__name__)
        if op and method == "__call__" and not kwargs and Variable._graph[1]() is not None:
            return getattr(_ops(), op)(*inputs)
        values = [x._value if isinstance(x, Variable) else x for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(x._value if isinstance(x, Variable) else x
                                  for x in kwargs["out"])
        return getattr(ufunc, method)(*values, **kwargs)

    def _read(self):
        """The value: inside a traced step, the tensor reading it there."""
        graph = Variable._graph[1]()
        return self._value if graph is None else graph.read(self)

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
