"""Graph IR: nodes of primitives, symbolic tensors, and `bind`, the one entry point that
either records a node (symbolic inputs) or runs the primitive eagerly (array inputs)."""

from __future__ import annotations

import heapq
import threading

import numpy as np

from . import primitive as _prim
from .step_writes import StepWrites
from .variable import _UFUNC_OPS, KerasOperators, Variable, _ops

_state = threading.local()


class Node:
    """One primitive application. Source nodes have prim None and a `kind`:
    'placeholder' (step input), 'constant' (value), 'variable' (state)."""

    __slots__ = ("id", "prim", "kind", "inputs", "attrs", "outputs", "value", "variable",
                 "variables", "name")

    def __init__(self, nid, prim, inputs, attrs, kind="op"):
        self.id = nid
        self.prim = prim
        self.kind = kind
        self.inputs = inputs
        self.attrs = attrs
        self.outputs = []
        self.value = None
        self.variable = None
        self.variables = None  # a 'variable_group': variables viewed as one flat tensor
        self.name = None

    def __repr__(self):
        what = self.prim.name if self.prim else self.kind
        return f"<Node {self.id} {what}>"




def _agree(a, b) -> bool:
    """Operands a primitive takes as they are: float tensors of one dtype, or a float tensor
    and a Python number (what VJP rules write)."""
    dtypes = set()
    for x in (a, b):
        if isinstance(x, Tensor):
            dtypes.add(x.dtype)
        elif isinstance(x, bool) or not isinstance(x, (int, float)):
            return False
    return len(dtypes) == 1 and dtypes.pop() in ("float32", "float64")


def _arith(name, a, b):
    """bind(name, a, b) where the operands agree; otherwise the public op, which promotes
    dtypes as Keras does (an int tensor plus 1, float32 with float64, a NumPy array)."""
    return bind(name, a, b) if _agree(a, b) else getattr(_ops(), name)(a, b)


class Tensor(KerasOperators):
    """A symbolic value inside one Graph: the output `index` of `node`."""

    __slots__ = ("graph", "node", "index", "shape", "dtype")

    def __init__(self, graph, node, index, shape, dtype):
        self.graph = graph
        self.node = node
        self.index = index
        self.shape = tuple(shape)
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<Tensor shape={self.shape} dtype={self.dtype} from {self.node}>"

    # Arithmetic sugar for VJP rules and traced user code.
    def __add__(self, o): return _arith("add", self, o)
    def __radd__(self, o): return _arith("add", o, self)
    def __sub__(self, o): return _arith("subtract", self, o)
    def __rsub__(self, o): return _arith("subtract", o, self)
    def __mul__(self, o): return _arith("multiply", self, o)
    def __rmul__(self, o): return _arith("multiply", o, self)
    def __truediv__(self, o): return _arith("divide", self, o)
    def __rtruediv__(self, o): return _arith("divide", o, self)
    def __neg__(self): return bind("negative", self)

    # The rest of Keras's operators come from KerasOperators (the public ops). No __eq__:
    # graphs key dicts and sets by identity.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """NumPy operators with an array or NumPy scalar on the left (`array + t`,
        `np.float32(2) * t`) record the op; an in-place one (`array += t`, as Keras code
        writes on a jax array) gives the new tensor, to which the name is rebound."""
        op = _UFUNC_OPS.get(ufunc.__name__)
        out = kwargs.pop("out", None)
        if op is None or method != "__call__" or kwargs or (
                out is not None and (len(out) != 1 or out[0] is not inputs[0])):
            return NotImplemented
        return getattr(_ops(), op)(*inputs)

    def __pos__(self): return self

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.shape[0]))


class Graph:
    """An append-only list of nodes; nodes are created in topological order.

    A graph with a `parent` is the body of a loop (graph/primitives/scan.py): a tensor of
    the parent (or an ancestor) used inside it is captured as a placeholder of the body,
    and `captures` lists (outer tensor, placeholder) pairs in capture order."""

    def __init__(self, name="graph", parent=None):
        self.name = name
        self.parent = parent
        self.captures: list[tuple[Tensor, Tensor]] = []
        self.nodes: list[Node] = []
        self._var_tensors: dict[int, Tensor] = {}
        self.placeholders: list[Tensor] = []
        # Effect nodes in the order they were recorded (they run in that order).
        self.effects: list[Node] = []
        # What a tracer tells later stages about the graph (e.g. the per-sample losses).
        self.notes: dict = {}
        # What the effects recorded so far wrote: a later read sees it (graph/step_writes.py).
        self.writes = StepWrites(self, bind)

    def _new_node(self, prim, inputs, attrs, kind="op"):
        node = Node(len(self.nodes), prim, inputs, attrs, kind)
        self.nodes.append(node)
        return node

    def _source(self, kind, shape, dtype):
        node = self._new_node(None, [], {}, kind)
        t = Tensor(self, node, 0, shape, dtype)
        node.outputs.append(t)
        return t

    def placeholder(self, shape, dtype="float32", name=None):
        t = self._source("placeholder", shape, dtype)
        t.node.name = name
        self.placeholders.append(t)
        return t

    def constant(self, value, dtype=None):
        value = np.asarray(value, dtype=dtype)
        if value.dtype.name not in _prim.DTYPES:
            value = value.astype("float32" if value.dtype.kind == "f" else "int32")
        t = self._source("constant", value.shape, value.dtype.name)
        t.node.value = value
        return t

    def variable(self, var: Variable):
        """The tensor reading `var`. A loop body captures it from the outermost graph, so
        the loop node takes the variable as an input and its gradient flows through the
        loop's VJP (a variable node inside the body would be invisible to autodiff)."""
        if self.parent is not None:
            return self.capture(self.parent.variable(var))
        t = self._var_tensors.get(var.uid)
        if t is None:
            t = self._source("variable", var.shape, var.dtype)
            t.node.variable = var
            self._var_tensors[var.uid] = t
        return t

    def read(self, var: Variable) -> Tensor:
        """The tensor of `var` at this point of the trace: after an assign recorded earlier
        in the step, the assigned value (graph/step_writes.py); `variable` is the value the
        step starts with, which effects update in place."""
        if self.parent is not None:
            return self.capture(self.parent.read(var))
        return self.writes.read(var) if self.writes else self.variable(var)

    def variable_group(self, variables):
        """One flat tensor over several variables of one dtype, which the state block lays
        out back to back (for multi-tensor optimizer updates)."""
        variables = list(variables)
        key = tuple(v.uid for v in variables)
        t = self._var_tensors.get(key)
        if t is None:
            dtypes = {v.dtype for v in variables}
            if len(dtypes) != 1:
                raise ValueError(f"a variable group needs one dtype, got {sorted(dtypes)}")
            size = sum(int(np.prod(v.shape)) for v in variables)
            t = self._source("variable_group", (size,), dtypes.pop())
            t.node.variables = variables
            self._var_tensors[key] = t
        return t

    def apply(self, prim, inputs, attrs):
        specs = [(t.shape, t.dtype) for t in inputs]
        out_specs = prim.shape_rule(specs, attrs)
        node = self._new_node(prim, list(inputs), attrs)
        for i, (shape, dtype) in enumerate(out_specs):
            node.outputs.append(Tensor(self, node, i, shape, dtype))
        if prim.effect:
            self.effects.append(node)
        return node

    def capture(self, t: Tensor) -> Tensor:
        """The placeholder standing for `t`, a tensor of an enclosing graph."""
        if t.graph is not self.parent:
            t = self.parent.capture(t)
        for outer, inner in self.captures:
            if outer is t:
                return inner
        inner = self.placeholder(t.shape, t.dtype, name="capture")
        self.captures.append((t, inner))
        return inner

    def encloses(self, other) -> bool:
        """Whether `other` is this graph or an enclosing one."""
        g = self
        while g is not None and g is not other:
            g = g.parent
        return g is not None

    def sort(self):
        """Re-sorts the nodes topologically after a rewrite moved tensors between nodes
        (stable: the earliest original position first); ids become positions again."""
        nodes = self.nodes
        pos = {n.id: i for i, n in enumerate(nodes)}
        waiting = {n.id: len({x.node.id for x in n.inputs}) for n in nodes}
        readers = {n.id: [] for n in nodes}
        for n in nodes:
            for pid in {x.node.id for x in n.inputs}:
                readers[pid].append(n)
        ready = [(pos[n.id], n.id) for n in nodes if waiting[n.id] == 0]
        heapq.heapify(ready)
        by_id = {n.id: n for n in nodes}
        order = []
        while ready:
            _, nid = heapq.heappop(ready)
            order.append(by_id[nid])
            for r in readers[nid]:
                waiting[r.id] -= 1
                if waiting[r.id] == 0:
                    heapq.heappush(ready, (pos[r.id], r.id))
        if len(order) != len(nodes):
            raise AssertionError(f"graph {self.name}: a rewrite made a cycle")
        for i, n in enumerate(order):
            n.id = i
        self.nodes[:] = order

    def variables(self):
        """The variables the graph reads (a loop body's are captured into the outermost
        graph: Graph.variable)."""
        out = []
        for n in self.nodes:
            if n.kind == "variable":
                out.append(n.variable)
            elif n.kind == "variable_group":
                out.extend(n.variables)
        return out

    def variable_groups(self):
        return [n.variables for n in self.nodes if n.kind == "variable_group"]

    def __enter__(self):
        stack = getattr(_state, "stack", None)
        if stack is None:
            stack = _state.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _state.stack.pop()


def current_graph() -> Graph | None:
    stack = getattr(_state, "stack", None)
    return stack[-1] if stack else None


def is_symbolic(x) -> bool:
    return isinstance(x, Tensor)


def _dtype_of(x):
    if isinstance(x, (Tensor, Variable)):
        return x.dtype
    if isinstance(x, np.ndarray):
        return x.dtype.name
    return None


def _weak_dtype(inputs):
    """The dtype a Python scalar takes: that of the first typed input (JAX-style weak typing)."""
    for x in inputs:
        d = _dtype_of(x)
        if d is not None:
            return d
    return "float32"


def _as_graph_tensor(graph, x, weak, effect=False):
    if isinstance(x, Tensor):
        if x.graph is graph:
            return x
        if graph.parent is not None and graph.encloses(x.graph):
            return graph.capture(x)  # a loop body reading an outer value
        raise ValueError("Cannot mix symbolic tensors from different traces in one op")
    if isinstance(x, Variable):
        # An effect runs in recording order on the state itself; a pure op reads the value
        # at its point of the trace.
        return graph.variable(x) if effect else graph.read(x)
    if isinstance(x, (int, float, bool, np.number)) and not isinstance(x, np.ndarray):
        return graph.constant(np.asarray(x, dtype=weak))
    return graph.constant(np.asarray(x))


def _as_array(x, weak):
    if isinstance(x, Variable):
        return x.value
    if isinstance(x, (int, float, bool, np.number)) and not isinstance(x, np.ndarray):
        return np.asarray(x, dtype=weak)
    a = np.asarray(x)
    if a.dtype.name not in _prim.DTYPES:
        if a.dtype.kind in "fiub":
            a = a.astype("float32" if a.dtype.kind == "f" else "int32")
        else:
            raise TypeError(f"Unsupported array dtype {a.dtype} (expected a numeric array)")
    return a


def bind(name, *inputs, **attrs):
    """Apply primitive `name`: records a node when any input is symbolic, else runs eagerly.

    Returns one output (Tensor or ndarray), a tuple for multi-output primitives, or None for
    effect primitives."""
    prim = _prim.get(name)
    attrs = _prim.canonical_attrs(prim, attrs)
    weak = _weak_dtype(inputs)
    graph = None
    for x in inputs:
        if isinstance(x, Tensor):
            graph = x.graph
            break
    current = current_graph()
    if graph is None and any(isinstance(x, Variable) for x in inputs):
        graph = current
    elif graph is not None and current is not None and current is not graph and \
            current.parent is not None and current.encloses(graph):
        graph = current  # inside a loop body: record there, capturing outer inputs
    if graph is not None:
        node = graph.apply(prim, [_as_graph_tensor(graph, x, weak, prim.effect)
                                  for x in inputs], attrs)
        if prim.effect:
            graph.writes.record(prim.name, inputs, node.inputs)
        outs = node.outputs
    else:
        from .eager import run_eager  # deferred: eager pulls in the backends
        outs = run_eager(prim, [_as_array(x, weak) for x in inputs], attrs)
    if prim.effect:
        return None
    return outs[0] if len(outs) == 1 else tuple(outs)


Variable._graph = (bind, current_graph)  # assign() and arithmetic inside traced steps
