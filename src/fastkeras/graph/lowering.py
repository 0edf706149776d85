"""Lowering: primitives that plans never hold (`lowered=True`) are written out into the
primitives they stand for, before the other passes (which then fuse across the result).

scan (graph/primitives/scan.py) becomes T copies of its body: step t reads xs[t] as a
slice of its array, the carries flow from copy to copy, and the stacked outputs are
concatenations of the steps' values (which the memory planner lays out in place, so each
step writes straight into its row of the stacked buffer). The scan node's output Tensor
objects take the place of the values that replace them, so every reader and plan root
follows.

stop_gradient (graph/primitives/stop_gradient.py) only mattered to autodiff: its readers
read its input instead and the node goes. One value keeps one Tensor object (later passes
move tensors between nodes), so an output that a plan root holds cannot simply alias the
input's: it becomes a zero-copy reshape of the input (the memory planner's view) instead.

custom_gradient (graph/primitives/custom_gradient.py) only mattered to autodiff too: its
outputs become the values f computed (zero-copy reshapes of them)."""

from __future__ import annotations

from .core import Graph, bind
from .primitive import get as get_primitive
from .primitives.scan import inline


MAX_JOIN = 8  # parts per concatenate: a native call takes at most 16 operands


def join_rows(parts):
    """The parts joined on axis 0, as a tree of at most MAX_JOIN parts a concatenation."""
    while len(parts) > 1:
        parts = [bind("concatenate", *parts[i:i + MAX_JOIN], axis=0)
                 if len(parts[i:i + MAX_JOIN]) > 1 else parts[i]
                 for i in range(0, len(parts), MAX_JOIN)]
    return parts[0]


def _stack(parts):
    """The parts stacked on a new leading axis, as a tree of concatenations."""
    return join_rows([bind("reshape", p, shape=(1,) + tuple(p.shape)) for p in parts])


def _lower_scan(graph: Graph, node):
    first_new = len(graph.nodes)  # nodes from here on are this lowering's
    body, length, reverse = node.attrs["body"], node.attrs["length"], node.attrs["reverse"]
    n_c, n_x = len(body.carries_in), len(body.xs_in)
    carries = list(node.inputs[:n_c])
    xs, consts = node.inputs[n_c:n_c + n_x], node.inputs[n_c + n_x:]
    ys = [[None] * length for _ in body.ys]
    history = [[None] * length for _ in range(n_c)]
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        for h, c in zip(history, carries):
            h[t] = c
        x_t = [bind("reshape", bind("slice", x, axis=0, start=t, stop=t + 1),
                    shape=tuple(x.shape[1:])) for x in xs]
        mapping = dict(zip(body.placeholders, carries + x_t + list(consts)))
        carries, y_t = inline(body, mapping, graph)
        for parts, y in zip(ys, y_t):
            parts[t] = y
    values = carries + [_stack(p) for p in ys] + [_stack(p) for p in history]
    _take_place(graph, node, values, first_new)


def _take_place(graph: Graph, node, values, first_new):
    """node's outputs become `values` (first_new: the first node the lowering added) and
    node goes. Each output Tensor object takes the place of the value that replaces it, so
    that one value keeps one Tensor object (later passes move tensors between nodes): a
    value from before the lowering (a carry passed through unchanged) gets a fresh
    zero-copy reshape to stand for it first."""
    fresh = [v if v.node.id >= first_new else bind("reshape", v, shape=tuple(v.shape))
             for v in values]
    swap = {id(new): old for old, new in zip(node.outputs, fresh)}
    for old, new in zip(node.outputs, fresh):
        old.node, old.index = new.node, new.index
        new.node.outputs[new.index] = old
    for n in graph.nodes[first_new:]:
        n.inputs = [swap.get(id(x), x) for x in n.inputs]
    node.prim, node.kind, node.inputs, node.outputs = None, "lowered", [], []


def _lower_scans(graph: Graph, nodes, roots):
    for node in nodes:
        _lower_scan(graph, node)


def _lower_custom_gradients(graph: Graph, nodes, roots):
    """Readers of a custom_gradient node read the outputs f computed (its last inputs)."""
    for node in nodes:
        _take_place(graph, node, node.inputs[node.attrs["n_args"]:], len(graph.nodes))


def _lower_stop_gradients(graph: Graph, nodes, roots):
    """Every reader of these nodes' outputs reads the first value that is not one (a chain
    of stop_gradients collapses), in one walk over the graph."""
    source = {}  # id(stop_gradient node) -> the tensor its readers read instead
    for node in nodes:  # in graph order: an earlier link of a chain is resolved already
        x = node.inputs[0]
        source[id(node)] = source.get(id(x.node), x)
    for n in graph.nodes:
        if any(id(x.node) in source for x in n.inputs):
            n.inputs = [source.get(id(x.node), x) for x in n.inputs]
    for node in nodes:
        out = node.outputs[0]
        if roots is None or id(out) in roots:  # a plan root: a view of the input keeps it
            node.prim, node.attrs = get_primitive("reshape"), {"shape": tuple(out.shape)}
        else:
            node.prim, node.kind, node.inputs, node.outputs = None, "lowered", [], []


# How each lowered primitive is written out: fn(graph, its pending nodes in graph order,
# roots), roots being the ids of the Tensor objects plan roots hold (None: unknown, all).
_LOWERINGS = {"scan": _lower_scans, "stop_gradient": _lower_stop_gradients,
              "custom_gradient": _lower_custom_gradients}


def lower(graph: Graph, uses=None):
    """Writes out every lowered primitive (repeatedly: a loop body may hold lowered
    primitives too). `uses` (graph/passes.py) says which values plan roots hold."""
    roots = None if uses is None else \
        {id(t) for n in graph.nodes for t in n.outputs if (n.id, t.index) in uses.roots}
    while True:
        pending = {}
        for n in graph.nodes:
            if n.prim is not None and n.prim.lowered:
                pending.setdefault(n.prim.name, []).append(n)
        if not pending:
            return
        for name, nodes in pending.items():
            _LOWERINGS[name](graph, nodes, roots)
        graph.sort()
