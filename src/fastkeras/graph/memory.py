"""The arena memory plan: tensor lifetimes, zero-copy aliasing, and offset placement.

Aliasing removes copies from the step: a `reshape` of an arena tensor is the same bytes
under a new shape, and a `concatenate` whose inputs are each a whole arena tensor has those
inputs computed directly into their slices of the output (as the flat gradient buffer of
the multi-tensor optimizer update is). Such nodes are *elided*: they get a buffer but no
instruction. Tensors that share bytes form a tree of (root, byte offset); roots are placed
greedily, largest first, at the lowest offset free during their lifetime."""

from __future__ import annotations

import math

import numpy as np

from ..backends.plan import align


def _key(t):
    return (t.node.id, t.index)


def nbytes(t) -> int:
    return math.prod(t.shape) * np.dtype(t.dtype).itemsize


class ArenaLayout:
    def __init__(self, order, inputs, outputs):
        """order: scheduled nodes; inputs/outputs: plan placeholders and results."""
        self.tensors = {}                 # key -> Tensor living in the arena
        self.birth, self.death = {}, {}   # key -> schedule step (inclusive)
        self.parent = {}                  # key -> (parent key, byte offset in the parent)
        self.elided = set()               # ids of nodes that need no instruction
        step_of = {n.id: i for i, n in enumerate(order)}
        for t in inputs:
            self._add(t, -1)
        for node in order:
            for o in node.outputs:
                self._add(o, step_of[node.id])
        for node in order:
            for x in node.inputs:
                k = _key(x)
                if k in self.death:
                    self.death[k] = max(self.death[k], step_of[node.id])
        for t in list(inputs) + list(outputs):  # written before step 0 / read after the end
            self.death[_key(t)] = len(order)
        self._placeholders = {_key(t) for t in inputs}
        for node in order:
            self._try_alias(node)

    def _add(self, t, step):
        k = _key(t)
        self.tensors[k] = t
        self.birth[k] = step
        self.death[k] = step

    def find(self, k):
        """(root key, byte offset of k inside the root)."""
        delta = 0
        while k in self.parent:
            k, d = self.parent[k]
            delta += d
        return k, delta

    # ---- aliasing ------------------------------------------------------------------------
    def _try_alias(self, node):
        if node.prim is None or node.prim.effect:
            return
        if node.prim.name == "reshape":
            x, out = node.inputs[0], node.outputs[0]
            if _key(x) in self.tensors:
                self.parent[_key(out)] = (_key(x), 0)
                self.elided.add(node.id)
        elif node.prim.name == "concatenate":
            self._try_concat(node)

    def _try_concat(self, node):
        out = node.outputs[0]
        axis = node.attrs["axis"] % len(out.shape)
        if any(d != 1 for d in out.shape[:axis]):
            return  # the inputs would not be contiguous slices of the output
        roots = []
        for x in node.inputs:
            k = _key(x)
            if k not in self.tensors:
                return
            root, delta = self.find(k)
            if root in self._placeholders or root in self.parent or delta or \
                    nbytes(self.tensors[root]) != nbytes(x) or root in roots:
                return
            roots.append(root)
        offset = 0
        for x, root in zip(node.inputs, roots):
            self.parent[root] = (_key(out), offset)
            offset += nbytes(x)
        self.elided.add(node.id)

    # ---- placement -----------------------------------------------------------------------
    def place(self):
        """Byte offset of every arena tensor, and the arena size."""
        spans = {}
        for k in self.tensors:
            root, _ = self.find(k)
            lo, hi = spans.get(root, (self.birth[k], self.death[k]))
            spans[root] = (min(lo, self.birth[k]), max(hi, self.death[k], self.birth[k]))
        placed, root_offset = [], {}
        for root, (lo, hi) in sorted(spans.items(), key=lambda kv: -nbytes(self.tensors[kv[0]])):
            size = align(nbytes(self.tensors[root]))
            offset = 0
            for o_lo, o_hi in sorted((o, o + n) for o, n, s, e in placed if s <= hi and lo <= e):
                if offset + size <= o_lo:
                    break
                offset = max(offset, o_hi)
            placed.append((offset, size, lo, hi))
            root_offset[root] = offset
        offsets = {}
        for k in self.tensors:
            root, delta = self.find(k)
            offsets[k] = root_offset[root] + delta
        total = max((o + n for o, n, _, _ in placed), default=0)
        return offsets, total
