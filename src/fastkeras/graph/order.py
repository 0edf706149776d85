"""What a graph computes, and in which order: dead-code elimination and the schedule (used
by the planner, the interpreter and the row-locality analysis; imports nothing of them)."""

from __future__ import annotations

from .core import Graph


def ancestors(nodes):
    """Ids of `nodes` and of every node they depend on."""
    needed, stack = set(), list(nodes)
    while stack:
        node = stack.pop()
        if node.id in needed:
            continue
        needed.add(node.id)
        stack.extend(x.node for x in node.inputs)
    return needed


def live_nodes(graph: Graph, roots):
    """Nodes needed to compute `roots` (tensors) and every effect (DCE)."""
    return ancestors([t.node for t in roots] + list(graph.effects))


def schedule(graph: Graph, needed):
    """Pure nodes in creation (topological) order, then effects in recording order: every
    read of a variable happens before any update of it in the same step."""
    pure = [n for n in graph.nodes if n.id in needed and n.prim is not None and not n.prim.effect]
    return pure + [n for n in graph.effects if n.id in needed]
