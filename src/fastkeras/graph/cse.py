"""Common subexpression elimination: pure nodes that apply one primitive, with equal
attributes, to the very same input values compute the same outputs; the first one stays
and the others' consumers read it (the copies are retired: no primitive, no inputs).

What it is for: the VJP of a scan recomputes each forward step from the carry that step
started with (graph/primitives/scan.py). Written out (graph/lowering.py), the backward
copy of step t reads slice t of the stacked carries, a concatenation of the forward's
carries; two forwardings see through that first (a slice that lies within one part of a
concatenation reads that part; a reshape of a reshape is one reshape, and to the same
shape none), so the backward copy reads the very tensors the forward copy read, and the
recomputation (a recurrent layer's h @ U, its gates) becomes reads of the forward values.
Every kernel is deterministic (random draws are counter-based functions of their inputs),
so a merged node gives the bits each copy would have given."""

from __future__ import annotations

import numpy as np


class _Unkeyable(Exception):
    pass


def _frozen(value):
    """A hashable stand-in for an attribute value, equal only for equal values."""
    if isinstance(value, (list, tuple)):
        return (type(value) is tuple, tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    try:
        hash(value)
    except TypeError:
        raise _Unkeyable from None
    return (type(value).__name__, value)


def _node_key(node):
    try:
        attrs = _frozen(node.attrs)
    except _Unkeyable:
        return None
    return (node.prim.name, tuple((x.node.id, x.index) for x in node.inputs), attrs)


def _prim(t, name):
    return t.node.prim is not None and t.node.prim.name == name


def _slice_part(node):
    """slice(concatenate(..., part, ...)) along the joined axis, the range within `part`:
    (part, start, stop) in the part's coordinates, or None."""
    x, axis = node.inputs[0], node.attrs["axis"] % len(node.inputs[0].shape)
    start, stop, moved = node.attrs["start"], node.attrs["stop"], False
    while _prim(x, "concatenate") and x.node.attrs["axis"] % len(x.shape) == axis:
        offset = 0
        for part in x.node.inputs:
            size = part.shape[axis]
            if offset <= start and stop <= offset + size and size:
                x, start, stop, moved = part, start - offset, stop - offset, True
                break
            offset += size
        else:
            break  # the range spans parts
    return (x, start, stop) if moved else None


def _read_from(node, source, uses):
    """node's (only) input becomes `source`, its consumer lists kept up to date."""
    old = node.inputs[0]
    uses.by_tensor[(old.node.id, old.index)].remove((node, 0))
    node.inputs = [source]
    uses.by_tensor[(source.node.id, source.index)].append((node, 0))


def _see_through(node, uses):
    """The value `node` computes when another tensor already holds it, else None (the node
    may be rewritten to read its source directly)."""
    name = node.prim.name
    if name == "slice" and (found := _slice_part(node)) is not None:
        part, start, stop = found
        axis = node.attrs["axis"] % len(part.shape)
        if start == 0 and stop == part.shape[axis]:
            return part
        _read_from(node, part, uses)
        node.attrs = dict(node.attrs, axis=axis, start=start, stop=stop)
    elif name == "reshape":
        while _prim(node.inputs[0], "reshape"):
            _read_from(node, node.inputs[0].node.inputs[0], uses)
        if tuple(node.inputs[0].shape) == tuple(node.outputs[0].shape):
            return node.inputs[0]
    return None


def _retire(node, uses):
    """A node whose outputs now have no readers stops reading its inputs too, so that the
    passes after this one see only live consumers (a fusion needs a sole consumer)."""
    for i, x in enumerate(node.inputs):
        uses.by_tensor[(x.node.id, x.index)].remove((node, i))
    node.prim, node.kind, node.inputs = None, "merged", []


def eliminate_common_subexpressions(graph, uses):
    """`uses`: passes._Uses of the graph (its roots are never merged away: a plan output
    keeps its own node). Nodes are visited in topological order, so a chain of copies
    merges link by link."""
    first = {}
    for node in graph.nodes:
        if node.prim is None or node.prim.effect or not node.outputs:
            continue
        rooted = any((o.node.id, o.index) in uses.roots for o in node.outputs)
        source = _see_through(node, uses)
        if source is not None and not rooted:
            uses.replace(node.outputs[0], source)
            _retire(node, uses)
            continue
        key = _node_key(node)
        if key is None:
            continue
        kept = first.setdefault(key, node)
        if kept is node or rooted:
            continue
        for old, new in zip(node.outputs, kept.outputs):
            uses.replace(old, new)
        _retire(node, uses)
