"""StateBlock: every persistent variable of a model packed into one aligned byte block.

The block is what the executors update in place; each Variable's value becomes a view into
it, so reading weights never copies back from a backend. Trainable variables come first
and are packed back to back, so the optimizer can later treat them as one flat buffer."""

from __future__ import annotations

import numpy as np

from ..backends.plan import align, aligned_bytes


class StateBlock:
    def __init__(self, variables):
        seen, ordered = set(), []
        for v in sorted(variables, key=lambda v: not v.trainable):
            if v.uid not in seen:
                seen.add(v.uid)
                ordered.append(v)
        self.variables = ordered
        self.offsets: dict[int, int] = {}
        offset = 0
        for v in ordered:
            self.offsets[v.uid] = offset
            offset = align(offset + v.value.nbytes)
        self.block = aligned_bytes(offset)
        for v in ordered:
            view = np.ndarray(v.shape, v.dtype, buffer=self.block.data, offset=self.offsets[v.uid]) \
                if v.value.size else np.zeros(v.shape, v.dtype)
            view[...] = v.value
            v._value = view
            v._block = self

    def __contains__(self, var) -> bool:
        return var.uid in self.offsets

    def covers(self, variables) -> bool:
        return all(v.uid in self.offsets and v._block is self for v in variables)

    def offset(self, var) -> int:
        return self.offsets[var.uid]
