"""Evaluates graph tensors node by node through a backend's eager kernels.

Slow; used by tests (VJP checks in float64 on the reference backend) and for debugging a
plan against the straightforward evaluation of the same graph."""

from __future__ import annotations

import numpy as np

from .eager import run_eager
from .order import live_nodes, schedule


def evaluate(outputs, feed: dict, backend=None):
    """Values of `outputs` given `feed` {placeholder Tensor: array}. Effects are not run."""
    graph = outputs[0].graph
    values = {}
    for t, v in feed.items():
        values[(t.node.id, t.index)] = np.asarray(v, dtype=t.dtype)
    needed = live_nodes(graph, outputs)
    for node in graph.nodes:
        if node.id not in needed:
            continue
        if node.kind == "constant":
            values[(node.id, 0)] = node.value
        elif node.kind == "variable":
            values[(node.id, 0)] = node.variable.value
        elif node.kind == "placeholder" and (node.id, 0) not in values:
            raise ValueError(f"no value fed for placeholder {node.name or node.id}")
    for node in schedule(graph, needed):
        if node.prim.effect:
            continue
        ins = [values[(x.node.id, x.index)] for x in node.inputs]
        outs = run_eager(node.prim, ins, node.attrs, backend)
        for o, v in zip(node.outputs, outs):
            values[(node.id, o.index)] = v
    return [values[(t.node.id, t.index)] for t in outputs]
