"""One GEMM for a weight gradient summed over the steps of an unrolled scan.

A recurrent layer's backward pass adds one product per step to its recurrent kernel's
gradient: dU = sum over t of h[t-1]^T @ dz[t], T small GEMMs ((batch, units)^T @ (batch,
gates): K = batch) chained by T adds. The per-step dz[t] are also stacked, in step order,
as the gradient of the scanned input ((T, batch, gates), laid out in place by the memory
planner). So the sum is one GEMM over the stack: [h[-1]; ..; h[T-2]]^T @ reshape(stack),
with K = T * batch, the stack read where it is and the (T * batch, units) left operand
joined in place where its parts allow (else copied: units < gates, the smaller side).
Same sum, added in another order."""

from __future__ import annotations

from .core import Graph, bind
from .lowering import join_rows
from .primitive import get as get_primitive

MIN_TERMS = 4  # fewer products gain too little to pay for the joined operand


def _op_name(t):
    return t.node.prim.name if t.node.prim is not None else None


class _LiveUses:
    """The readers of each tensor among the live nodes (a lowered scan leaves dead ones:
    the stacked history of every carry, which nothing reads)."""

    def __init__(self, graph, uses):
        self.uses, self.live = uses, uses.live_ids(graph)

    def readers(self, t):
        return [n for n in self.uses.consumers(t) if n.id in self.live]

    def is_root(self, t):
        return (t.node.id, t.index) in self.uses.roots


def _read_once(t, live) -> bool:
    """t has one live reader and is not a plan root."""
    return len(live.readers(t)) == 1 and not live.is_root(t)


def _same_shape_add(node, shape) -> bool:
    return node.prim is not None and node.prim.name == "add" and \
        all(tuple(x.shape) == shape for x in node.inputs)


def _sum_terms(root, live):
    """(terms, inner add nodes) of the tree of same-shape adds under `root`, descending only
    into adds that the tree alone reads."""
    terms, inner, stack = [], [], list(root.inputs)
    shape = tuple(root.outputs[0].shape)
    while stack:
        t = stack.pop()
        if _same_shape_add(t.node, shape) and _read_once(t, live):
            inner.append(t.node)
            stack.extend(t.node.inputs)
        else:
            terms.append(t)
    return terms, inner


def _stack_leaves(node):
    """The leaves, in order, of a tree of axis-0 concatenations."""
    out = []
    for x in node.inputs:
        if _op_name(x) == "concatenate" and x.node.attrs["axis"] == 0:
            out.extend(_stack_leaves(x.node))
        else:
            out.append(x)
    return out


def _stack_of(t, live, step_index):
    """(root concatenation, index) when t, reshaped to (1, *t.shape), is one step of a stack
    of such steps: the root of a tree of axis-0 concatenations; else None. step_index caches
    each root's {id(step): index}, built once a stack."""
    for r in live.readers(t):
        if r.prim is None or r.prim.name != "reshape" or \
                tuple(r.outputs[0].shape) != (1,) + tuple(t.shape):
            continue
        node, step = None, r.outputs[0]
        while True:
            up = [c for c in live.readers(step) if c.prim is not None and
                  c.prim.name == "concatenate" and c.attrs["axis"] == 0]
            if len(up) != 1:
                break
            node, step = up[0], up[0].outputs[0]
        if node is not None:
            if node.id not in step_index:
                step_index[node.id] = {id(x): i for i, x in enumerate(_stack_leaves(node))}
            index = step_index[node.id].get(id(r.outputs[0]))
            if index is not None:
                return node, index
    return None


def merge_step_gradients(graph: Graph, uses):
    """sum_t a[t]^T @ b[t] -> (joined a)^T @ reshape(stack of b): when the b[t] are every
    step of one stack, in any order of the sum."""
    live = _LiveUses(graph, uses)
    step_index = {}  # stack root id -> {id(step): index}
    changed = False
    for root in list(graph.nodes):
        if root.prim is None or root.prim.name != "add" or root.id not in live.live:
            continue
        out = root.outputs[0]
        shape = tuple(out.shape)
        if _read_once(out, live) and _same_shape_add(live.readers(out)[0], shape):
            continue  # not the top of its tree
        terms, inner = _sum_terms(root, live)
        products, found = [], {}
        for t in terms:
            mm = t.node
            if _op_name(t) != "matmul" or not mm.attrs["transpose_a"] or \
                    mm.attrs["transpose_b"] or not _read_once(t, live):
                continue
            place = _stack_of(mm.inputs[1], live, step_index)
            if place is not None:
                products.append(t)
                found[id(t)] = place
        stacks = {id(found[id(t)][0]) for t in products}
        if len(products) < MIN_TERMS or len(stacks) != 1:
            continue
        stack = found[id(products[0])][0]
        steps = stack.outputs[0].shape[0]
        by_step = {found[id(t)][1]: t for t in products}
        if sorted(by_step) != list(range(steps)):
            continue  # not every step of the stack: its rows could not be read as they are
        rest = [t for t in terms if id(t) not in {id(p) for p in products}]
        b = stack.outputs[0]
        with graph:
            a = join_rows([by_step[s].node.inputs[0] for s in range(steps)])
            flat_b = bind("reshape", b, shape=(b.shape[0] * b.shape[1],) + tuple(b.shape[2:]))
            total = bind("matmul", a, flat_b, transpose_a=True, transpose_b=False)
            for t in rest:
                total = bind("add", total, t)
        # The root keeps its output tensor: a zero-copy reshape of the new sum.
        root.prim, root.inputs, root.attrs = get_primitive("reshape"), [total], {"shape": shape}
        changed = True
    if changed:
        graph.sort()  # the root reads the new nodes, appended after it
