"""keras.ops.scan: a loop over the leading axis carrying state.

On arrays it runs the loop in Python (Keras's documented semantics); on symbolic tensors
it traces `f` once into a body graph and records one `scan` node (graph/primitives/scan.py),
whose gradient is a reverse scan and which the planner writes out before running."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, bind
from ..graph.core import current_graph
from ..graph.primitives.scan import trace_body


def _flatten(tree):
    """(leaves, rebuild): tensors/arrays of a nested list/tuple/dict structure (None: no
    leaf)."""
    if tree is None:
        return [], lambda leaves: None
    if isinstance(tree, dict):  # keys in sorted order, as Keras's (and JAX's) trees
        keys = sorted(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda leaves: dict(zip(keys, rebuild_values(leaves)))
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(t) for t in tree]
        sizes = [len(p[0]) for p in parts]

        def rebuild(leaves):
            out, i = [], 0
            for (_, rb), n in zip(parts, sizes):
                out.append(rb(leaves[i:i + n]))
                i += n
            return type(tree)(out)
        return [leaf for p in parts for leaf in p[0]], rebuild
    return [tree], lambda leaves: leaves[0]


def _length(xs_leaves, length):
    lengths = {int(x.shape[0]) for x in xs_leaves}
    if length is not None:
        lengths.add(int(length))
    if len(lengths) != 1:
        raise ValueError(f"scan: xs leading axes and length disagree: {sorted(lengths)}"
                         if lengths else "scan: give xs or length")
    n = lengths.pop()
    if n < 1:
        raise ValueError(f"scan: length must be at least 1, got {n}")
    return n


def _eager(f, init, xs, length, reverse):
    x_leaves, x_rebuild = _flatten(xs)
    n = _length([np.asarray(x) for x in x_leaves], length)
    carry, ys = init, [None] * n
    for t in (range(n - 1, -1, -1) if reverse else range(n)):
        x_t = x_rebuild([np.asarray(x)[t] for x in x_leaves]) if xs is not None else None
        carry, ys[t] = f(carry, x_t)
    _, y_rebuild = _flatten(ys[0])
    flat = [_flatten(y)[0] for y in ys]  # each step's leaves
    if not flat[0]:
        return carry, None
    return carry, y_rebuild([np.stack([np.asarray(step[i]) for step in flat])
                             for i in range(len(flat[0]))])


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """(final carry, stacked ys) of `carry, y = f(carry, x)` over the leading axis of xs
    (keras.ops.scan). `unroll` is accepted for Keras's signature: plans always run the
    loop written out."""
    c_leaves, c_rebuild = _flatten(init)
    x_leaves, x_rebuild = _flatten(xs)
    if not any(isinstance(v, Tensor) for v in c_leaves + x_leaves) and current_graph() is None:
        return _eager(f, init, xs, length, reverse)
    graph = next(v.graph for v in c_leaves + x_leaves if isinstance(v, Tensor)) \
        if any(isinstance(v, Tensor) for v in c_leaves + x_leaves) else current_graph()
    c_leaves = [v if isinstance(v, Tensor) else graph.constant(np.asarray(v)) for v in c_leaves]
    x_leaves = [v if isinstance(v, Tensor) else graph.constant(np.asarray(v)) for v in x_leaves]
    n = _length(x_leaves, length)
    y_structure = []

    def body(carries, x_slices):
        carry, y = f(c_rebuild(carries), x_rebuild(x_slices) if xs is not None else None)
        new_leaves, _ = _flatten(carry)
        y_leaves, y_rebuild = _flatten(y)
        y_structure.append(y_rebuild)
        return new_leaves, y_leaves

    traced = trace_body(body, [(v.shape, v.dtype) for v in c_leaves],
                        [(v.shape[1:], v.dtype) for v in x_leaves], graph)
    if len(traced.carries_out) != len(c_leaves):
        raise ValueError("scan: f must return a carry of the structure of init")
    outs = bind("scan", *c_leaves, *x_leaves, *[o for o, _ in traced.graph.captures],
                body=traced, length=n, reverse=bool(reverse))
    outs = outs if isinstance(outs, tuple) else (outs,)
    n_c, n_y = len(c_leaves), len(traced.ys)
    carry = c_rebuild(list(outs[:n_c]))
    return carry, (y_structure[0](list(outs[n_c:n_c + n_y])) if n_y else None)
