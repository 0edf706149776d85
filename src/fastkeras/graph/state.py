"""StateBlock: every persistent variable of a model packed into one aligned byte block.

The block is what the executors update in place; each Variable's value becomes a view into
it, so reading weights never copies back from a backend. Variables listed together in a
*group* (the trainable weights; each optimizer slot family, in the same order) are packed
back to back, so a multi-tensor optimizer update can treat each group as one flat buffer.

Models that share layers each have their own block, and a variable has one current value:
the block it is a view into (its *owner*, weakly `var._block`). Packing a variable into a new block,
or `claim()`, moves ownership there and marks the block it left `lost`; a model whose block is
lost calls `claim()` before its next step, which copies the current values back in and takes
ownership again. One model alone never loses a variable, so its steps pay one flag test
(docs/decisions.md, "Shared weights")."""

from __future__ import annotations

import math
import weakref

import numpy as np

from ..backends.plan import PAGE, align, aligned_bytes

# Page offsets of successive big runs differ by this (a multiple of 64, so runs stay
# aligned; 1088 = 1024 + 64 gives four runs residues 1088, 2176, 3264, 256 and the arena's
# gradient, at a page start, 0).
STAGGER = 1088


class StateBlock:
    def __init__(self, variables, groups=()):
        unique = {}
        for g in groups:
            if g:
                unique.setdefault(tuple(v.uid for v in g), list(g))
        groups = list(unique.values())
        seen, layout = set(), []  # layout: list of runs; a run is packed back to back
        for group in groups:
            run = [v for v in group if v.uid not in seen]
            if len(run) != len(group) or len({v.dtype for v in run}) > 1:
                raise ValueError("state groups must be disjoint and of one dtype")
            seen.update(v.uid for v in run)
            layout.append(run)
        for v in sorted(variables, key=lambda v: not v.trainable):
            if v.uid not in seen:
                seen.add(v.uid)
                layout.append([v])
        self.variables = [v for run in layout for v in run]
        self.groups = [tuple(v.uid for v in g) for g in groups]
        self.offsets: dict[int, int] = {}
        offset, big_runs = 0, 0
        for run in layout:
            if sum(v.value.nbytes for v in run) >= PAGE:
                # Runs that one kernel streams side by side (weights, gradient, optimizer
                # slots) start at page offsets STAGGER apart, not all near 0: loads of one
                # that share their low 12 address bits with the stores of another just
                # issued wait on them (4K aliasing: Adam over W2's weights took 60 instead
                # of 46 us on two Zen 4 cores, decisions.md).
                big_runs += 1
                offset += (big_runs * STAGGER - offset) % PAGE
            for v in run:
                self.offsets[v.uid] = offset
                offset += v.value.nbytes
            offset = align(offset)
        self.block = aligned_bytes(offset)
        self._views = {}  # uid -> this block's view of the variable, (shape) of its dtype
        for v in self.variables:
            n = math.prod(v.shape)
            self._views[v.uid] = np.ndarray(v.shape, v.dtype, buffer=self.block.data,
                                            offset=self.offsets[v.uid]) \
                if n else np.zeros(v.shape, v.dtype)
        # True when another block took one of our variables since this one last claimed them.
        self.lost = False
        # Variables point to their owner weakly: a block dropped by its model (a recompile)
        # is freed at once, not left in a reference cycle for the garbage collector.
        self._ref = weakref.ref(self)
        self.claim()

    def claim(self):
        """Makes this block the owner of all its variables: a variable owned elsewhere has its
        current value copied in, and the block it leaves is marked lost."""
        for v in self.variables:
            if v._block is self._ref:
                continue
            owner = v._block() if v._block is not None else None
            view = self._views[v.uid]
            view[...] = v._value
            v._value = view
            v._block = self._ref
            if owner is not None:
                owner.lost = True
        self.lost = False

    def __contains__(self, var) -> bool:
        return var.uid in self.offsets

    def covers(self, variables, groups=()) -> bool:
        if not all(v.uid in self.offsets for v in variables):
            return False
        return all(self._contiguous(g) for g in groups if g)

    def _contiguous(self, group) -> bool:
        if not all(v.uid in self.offsets for v in group):
            return False
        pos = self.offsets[group[0].uid]
        for v in group:
            if self.offsets[v.uid] != pos or v.dtype != group[0].dtype:
                return False
            pos += v.value.nbytes
        return True

    def offset(self, var) -> int:
        return self.offsets[var.uid]

    def group_offset(self, group) -> int:
        if not self._contiguous(list(group)):
            raise RuntimeError("variables of a group are not laid out back to back in the "
                               "state block")
        return self.offsets[group[0].uid]
