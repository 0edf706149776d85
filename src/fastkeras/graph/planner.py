"""Compiles a traced Graph into a Plan: passes (graph/passes.py), dead-code elimination,
scheduling, and the arena memory plan (graph/memory.py)."""

from __future__ import annotations

import numpy as np

from ..backends.plan import Buffer, Instr, Plan, align, aligned_bytes
from . import passes
from .core import Graph, Tensor
from .memory import ArenaLayout
from .order import live_nodes, schedule
from .state import StateBlock


def _key(t: Tensor):
    return (t.node.id, t.index)


def compile_plan(graph: Graph, inputs, outputs, state: StateBlock, batch_size: int,
                 name="plan", optimize=True) -> Plan:
    """inputs: placeholder tensors filled from data rows each step (in data order);
    outputs: tensors copied to result rows each step. With `optimize`, the graph is first
    rewritten by the fusion passes (graph/passes.py); loops are written out either way."""
    if optimize:
        passes.optimize(graph, list(inputs) + list(outputs))
    else:
        passes.lower(graph)  # plans never hold a loop, optimized or not
    needed = live_nodes(graph, list(outputs) + list(inputs))
    order = schedule(graph, needed)
    layout = ArenaLayout(order, inputs, outputs)
    arena_offsets, arena_nbytes = layout.place()

    buffers, index = [], {}
    consts = []

    def add_buffer(t, space, offset, shape=None):
        index[_key(t)] = len(buffers)
        buffers.append(Buffer(tuple(t.shape if shape is None else shape), t.dtype, space, offset))

    const_offset = 0
    for node in graph.nodes:
        if node.id not in needed:
            continue
        if node.kind == "variable":
            var = node.variable
            if var not in state:
                raise RuntimeError(f"variable {var.path} is not in the model's state block")
            add_buffer(node.outputs[0], "state", state.offset(var))
        elif node.kind == "variable_group":
            add_buffer(node.outputs[0], "state", state.group_offset(node.variables))
        elif node.kind == "constant":
            consts.append((node.value, const_offset))
            add_buffer(node.outputs[0], "const", const_offset)
            const_offset = align(const_offset + node.value.nbytes)
    for k, t in layout.tensors.items():
        add_buffer(t, "arena", arena_offsets[k])

    const_block = aligned_bytes(const_offset)
    for value, offset in consts:
        if value.nbytes:
            const_block[offset:offset + value.nbytes] = \
                np.ascontiguousarray(value).view(np.uint8).reshape(-1)

    instrs = []
    for node in order:
        if node.id in layout.elided:
            continue
        specs = [(x.shape, x.dtype) for x in node.inputs]
        ints, floats = node.prim.native_attrs(node.attrs, specs)
        instrs.append(Instr(node.prim, [index[_key(x)] for x in node.inputs],
                            [index[_key(o)] for o in node.outputs], node.attrs,
                            tuple(int(i) for i in ints), tuple(float(f) for f in floats)))
    return Plan(buffers=buffers, instrs=instrs, arena_nbytes=arena_nbytes,
                const_block=const_block, inputs=[index[_key(t)] for t in inputs],
                outputs=[index[_key(t)] for t in outputs], batch_size=batch_size, name=name)
