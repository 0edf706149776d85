"""Runs a Plan step by step from Python, calling one kernel per instruction.

Shared by the `reference` backend (NumPy kernels) and the `numba` backend (JIT kernels):
they differ only in the kernel table. A kernel is `fn(prim, ins, outs, attrs, native)`
writing into the preallocated `outs` (or mutating `ins` for effect primitives)."""

from __future__ import annotations

import threading
import weakref

import numpy as np

from .plan import Plan, aligned_bytes

# Executors sharing a state block (one model's plans) run one at a time, as the cpu
# executor's do: two Python threads using one model would otherwise interleave their steps
# in each executor's arena and in the shared variables. Keyed by the block's address, with
# a weak reference to the memory that owns it, so that the entries of models that are gone
# are dropped (as the cpu registry does) and a new block at a freed address gets a new lock.
_STATE_LOCKS = {}  # address -> (weakref to the owning array, lock)
_REGISTRY_LOCK = threading.Lock()
_PRUNE_ABOVE = 256


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns `array`'s memory (views keep it alive)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _state_lock(state: np.ndarray):
    key = state.__array_interface__["data"][0]
    with _REGISTRY_LOCK:
        if len(_STATE_LOCKS) > _PRUNE_ABOVE:
            for dead in [k for k, (ref, _) in _STATE_LOCKS.items() if ref() is None]:
                del _STATE_LOCKS[dead]
        entry = _STATE_LOCKS.get(key)
        if entry is None or entry[0]() is None:
            entry = _STATE_LOCKS[key] = (weakref.ref(_owner(state)), threading.Lock())
        return entry[1]


class PythonExecutor:
    def __init__(self, plan: Plan, state: np.ndarray, kernel_for):
        self.plan = plan
        self.lock = _state_lock(state)
        self.arena = aligned_bytes(plan.arena_nbytes)
        blocks = {"arena": self.arena, "state": state, "const": plan.const_block}
        self.views = [b.view(blocks) for b in plan.buffers]
        self.program = [
            (kernel_for(ins.prim), ins.prim, [self.views[i] for i in ins.inputs],
             [self.views[o] for o in ins.outputs], ins.attrs,
             (ins.native_ints, ins.native_floats))
            for ins in plan.instrs]
        self.in_views = [self.views[i] for i in plan.inputs]
        self.out_views = [self.views[o] for o in plan.outputs]

    def run(self, data_inputs, perm, row_start, n_steps, data_outputs=(), check_finite=False):
        with self.lock:
            self._run(data_inputs, perm, row_start, n_steps, data_outputs, check_finite)

    def _run(self, data_inputs, perm, row_start, n_steps, data_outputs, check_finite):
        bs = self.plan.batch_size
        if check_finite and perm is None:
            last = row_start + n_steps * bs
            for i, data in enumerate(data_inputs):
                rows = data[row_start:last]
                if rows.dtype.kind == "f" and not np.isfinite(rows).all():
                    bad = row_start + int(np.nonzero(~np.isfinite(rows.reshape(len(rows), -1))
                                                     .all(axis=1))[0][0])
                    raise ValueError(f"input {i} contains NaN or inf values; the first is row {bad}")
        for s in range(n_steps):
            lo = row_start + s * bs
            rows = perm[lo:lo + bs] if perm is not None else slice(lo, lo + bs)
            for view, data in zip(self.in_views, data_inputs):
                np.take(data, rows, axis=0, out=view) if perm is not None else \
                    np.copyto(view, data[rows])
            for fn, prim, ins, outs, attrs, native in self.program:
                fn(prim, ins, outs, attrs, native)
            for view, data in zip(self.out_views, data_outputs):
                data[rows] = view
