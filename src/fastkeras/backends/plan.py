"""The compiled plan: what every executor runs. Plain data, no graph or Keras concepts.

Memory lives in three byte blocks, each 64-byte aligned:
  state  — persistent variables (weights, optimizer slots, counters, metric sums),
           shared by every plan of a model and viewed by `Variable.value`;
  const  — constants of this plan, written once when the plan is built;
  arena  — scratch for one step, reused between steps; buffers share bytes when their
           lifetimes do not overlap.
One step: gather the batch rows of each data array into the `inputs` buffers, run
`instrs` in order, scatter the `outputs` buffers into the rows of the result arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SPACES = ("arena", "state", "const")
ALIGN = 64


def align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


# Blocks of at least this many bytes start on a page: the low 12 bits of an address inside
# one are then its offset's, which StateBlock's layout relies on (state.py, STAGGER).
PAGE = 4096
PAGE_ALIGNED_BYTES = 64 * 1024


def aligned_bytes(nbytes: int) -> np.ndarray:
    """A zeroed uint8 array of `nbytes` whose data pointer is 64-byte aligned (4096-byte
    aligned from PAGE_ALIGNED_BYTES on)."""
    to = PAGE if nbytes >= PAGE_ALIGNED_BYTES else ALIGN
    raw = np.zeros(max(nbytes, 1) + to, dtype=np.uint8)
    shift = (-raw.ctypes.data) % to
    return raw[shift:shift + max(nbytes, 1)]


@dataclass
class Buffer:
    shape: tuple
    dtype: str
    space: str
    offset: int

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * np.dtype(self.dtype).itemsize

    def view(self, blocks: dict) -> np.ndarray:
        block = blocks[self.space]
        n = math.prod(self.shape)
        return np.ndarray(self.shape, self.dtype, buffer=block.data, offset=self.offset) \
            if n else np.zeros(self.shape, self.dtype)


@dataclass
class Instr:
    prim: object            # a graph Primitive: .name, .reference, .effect
    inputs: list            # buffer ids
    outputs: list           # buffer ids
    attrs: dict
    native_ints: tuple = ()
    native_floats: tuple = ()


@dataclass
class Plan:
    buffers: list
    instrs: list
    arena_nbytes: int
    const_block: np.ndarray
    inputs: list            # buffer ids filled from data rows each step
    outputs: list           # buffer ids copied to result rows each step
    batch_size: int
    name: str = "plan"
    info: dict = field(default_factory=dict)

    def describe(self) -> str:
        lines = [f"Plan {self.name}: batch {self.batch_size}, {len(self.instrs)} instrs, "
                 f"arena {self.arena_nbytes} B, const {self.const_block.nbytes} B"]
        for ins in self.instrs:
            ops = ", ".join(f"#{b}{self.buffers[b].shape}" for b in ins.inputs)
            outs = ", ".join(f"#{b}{self.buffers[b].shape}" for b in ins.outputs)
            lines.append(f"  {ins.prim.name}({ops}) -> {outs or '(in place)'}")
        return "\n".join(lines)
