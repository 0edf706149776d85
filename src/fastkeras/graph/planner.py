"""Compiles a traced Graph into a Plan: dead-code elimination, scheduling, and a
liveness-based memory plan that places every intermediate in one reusable arena."""

from __future__ import annotations

import numpy as np

from ..backends.plan import Buffer, Instr, Plan, align, aligned_bytes
from .core import Graph, Tensor
from .state import StateBlock


def _key(t: Tensor):
    return (t.node.id, t.index)


def live_nodes(graph: Graph, roots):
    """Nodes needed to compute `roots` (tensors) and every effect (DCE)."""
    needed = set()
    stack = [t.node for t in roots] + list(graph.effects)
    while stack:
        node = stack.pop()
        if node.id in needed:
            continue
        needed.add(node.id)
        stack.extend(x.node for x in node.inputs)
    return needed


def schedule(graph: Graph, needed):
    """Pure nodes in creation (topological) order, then effects in recording order: every
    read of a variable happens before any update of it in the same step."""
    pure = [n for n in graph.nodes if n.id in needed and n.prim is not None and not n.prim.effect]
    return pure + [n for n in graph.effects if n.id in needed]


def _place(intervals):
    """Greedy-by-size offset assignment: each tensor takes the lowest offset that does not
    overlap any placed tensor alive at the same time. intervals: {key: (start, end, nbytes)}."""
    placed = []  # (offset, nbytes, start, end)
    offsets = {}
    for key, (start, end, nbytes) in sorted(intervals.items(), key=lambda kv: -kv[1][2]):
        size = align(nbytes)
        clashes = sorted((o, o + n) for o, n, s, e in placed if s <= end and start <= e)
        offset = 0
        for lo, hi in clashes:
            if offset + size <= lo:
                break
            offset = max(offset, hi)
        placed.append((offset, size, start, end))
        offsets[key] = offset
    total = max((o + n for o, n, _, _ in placed), default=0)
    return offsets, total


def compile_plan(graph: Graph, inputs, outputs, state: StateBlock, batch_size: int,
                 name="plan") -> Plan:
    """inputs: placeholder tensors filled from data rows each step (in data order);
    outputs: tensors copied to result rows each step."""
    needed = live_nodes(graph, list(outputs) + list(inputs))
    order = schedule(graph, needed)
    step_of = {n.id: i for i, n in enumerate(order)}
    last = len(order)

    buffers, index = [], {}
    consts = []

    def add_buffer(t, space, offset):
        index[_key(t)] = len(buffers)
        buffers.append(Buffer(tuple(t.shape), t.dtype, space, offset))

    # Lifetimes of arena tensors, in schedule steps (inclusive).
    intervals = {}
    births = {}
    for t in inputs:
        births[_key(t)] = -1
    for node in order:
        for o in node.outputs:
            births[_key(o)] = step_of[node.id]
    deaths = dict.fromkeys(births, -1)
    for node in order:
        for x in node.inputs:
            if _key(x) in deaths:
                deaths[_key(x)] = max(deaths[_key(x)], step_of[node.id])
    for t in list(inputs) + list(outputs):
        deaths[_key(t)] = last  # inputs are written before step 0, outputs read after the end
    tensors = {}
    for node in order:
        for o in node.outputs:
            tensors[_key(o)] = o
    for t in inputs:
        tensors[_key(t)] = t
    for k, t in tensors.items():
        nbytes = int(np.prod(t.shape, dtype=np.int64)) * np.dtype(t.dtype).itemsize
        intervals[k] = (births[k], max(deaths[k], births[k]), nbytes)
    arena_offsets, arena_nbytes = _place(intervals)

    const_offset = 0
    for node in graph.nodes:
        if node.id not in needed:
            continue
        if node.kind == "variable":
            var = node.variable
            if var not in state:
                raise RuntimeError(f"variable {var.path} is not in the model's state block")
            add_buffer(node.outputs[0], "state", state.offset(var))
        elif node.kind == "constant":
            consts.append((node.value, const_offset))
            add_buffer(node.outputs[0], "const", const_offset)
            const_offset = align(const_offset + node.value.nbytes)
    for k, t in tensors.items():
        add_buffer(t, "arena", arena_offsets[k])

    const_block = aligned_bytes(const_offset)
    for value, offset in consts:
        if value.nbytes:
            const_block[offset:offset + value.nbytes] = np.ascontiguousarray(value).view(np.uint8).reshape(-1)

    instrs = []
    for node in order:
        specs = [(x.shape, x.dtype) for x in node.inputs]
        ints, floats = node.prim.native_attrs(node.attrs, specs)
        instrs.append(Instr(node.prim, [index[_key(x)] for x in node.inputs],
                            [index[_key(o)] for o in node.outputs], node.attrs,
                            tuple(int(i) for i in ints), tuple(float(f) for f in floats)))
    return Plan(buffers=buffers, instrs=instrs, arena_nbytes=arena_nbytes,
                const_block=const_block, inputs=[index[_key(t)] for t in inputs],
                outputs=[index[_key(t)] for t in outputs], batch_size=batch_size, name=name)
