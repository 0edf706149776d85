"""Reverse-mode autodiff over a Graph: the backward pass is appended to the same graph as
more primitive nodes, built from each primitive's VJP rule."""

from __future__ import annotations

import numpy as np

from .core import Graph, Tensor, bind
from .primitive import FLOAT_DTYPES


def _key(t: Tensor):
    return (t.node.id, t.index)


def _depends_on(graph: Graph, sources, upto: int):
    """Keys of the tensors among nodes[:upto] whose value depends on any source tensor."""
    live = {_key(s) for s in sources}
    for node in graph.nodes[:upto]:
        if node.prim is None or node.prim.effect:
            continue
        if any(_key(x) in live for x in node.inputs):
            live.update(_key(o) for o in node.outputs)
    return live


def depends_on(graph: Graph, sources, target: Tensor) -> bool:
    """Whether `target`'s value depends on any of the `sources` tensors."""
    return _key(target) in _depends_on(graph, sources, target.node.id + 1)


def grad(loss: Tensor, wrt: list[Tensor], seed=None) -> list[Tensor | None]:
    """Cotangents d(loss)/d(w) for each tensor in `wrt` (None where loss does not depend on
    it). `loss` must be a scalar unless a `seed` cotangent of its shape is given."""
    graph = loss.graph
    if seed is None:
        if loss.shape != ():
            raise ValueError(f"grad() needs a scalar loss, got shape {loss.shape}")
        seed = graph.constant(np.ones((), dtype=loss.dtype))
    upto = loss.node.id + 1
    needed = _depends_on(graph, wrt, upto)
    cot: dict = {_key(loss): seed}
    with graph:
        for node in reversed(graph.nodes[:upto]):
            if node.prim is None or node.prim.effect or not node.prim.differentiable:
                continue
            gouts = [cot.get(_key(o)) for o in node.outputs]
            if all(g is None for g in gouts):
                continue
            diff = node.prim.diff_inputs
            wanted = [i for i, x in enumerate(node.inputs)
                      if (diff is None or i in diff) and _key(x) in needed
                      and x.dtype in FLOAT_DTYPES]
            if not wanted:
                continue
            gins = node.prim.vjp(node, gouts)
            for i in wanted:
                g, x = gins[i], node.inputs[i]
                if g is None:
                    continue
                if tuple(g.shape) != tuple(x.shape):
                    raise AssertionError(f"VJP of {node.prim.name} gave shape {g.shape} for an "
                                         f"input of shape {x.shape}")
                k = _key(x)
                cot[k] = g if k not in cot else bind("add", cot[k], g)
    return [cot.get(_key(w)) for w in wrt]
