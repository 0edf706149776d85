"""The cpu backend: C++ kernels and the native plan executor (fastkeras._cpu)."""

from __future__ import annotations

import os
import warnings

import numpy as np

from . import available_cpus
from .plan import aligned_bytes

name = "cpu"

try:
    from .. import _cpu
    _error = None
except ImportError as e:  # not built, or built for another Python
    _cpu = None
    _error = str(e)

# Must match DType in csrc/include/fastkeras/tensor.hpp.
DTYPE_CODES = {"float32": 0, "float64": 1, "int32": 2, "int64": 3, "bool": 4}
SPACE_CODES = {"arena": 0, "state": 1, "const": 2}

_codes = _cpu.op_codes() if _cpu else {}

# More threads than this is a mistake, not a machine (set_num_threads refuses it).
MAX_THREADS = 256


def _check_thread_env():
    """The native pool silently ignores a FASTKERAS_NUM_THREADS it cannot read; say so once,
    and use every CPU instead of whatever a partial parse would give."""
    value = os.environ.get("FASTKERAS_NUM_THREADS")
    if value is None or _cpu is None:
        return
    text = value.strip()
    if text.isdigit() and 1 <= int(text) <= MAX_THREADS:
        return
    cpus = min(available_cpus(), MAX_THREADS)
    warnings.warn(f"FASTKERAS_NUM_THREADS={value!r} is not an integer from 1 to {MAX_THREADS}; "
                  f"ignored: the cpu backend uses {cpus} threads", RuntimeWarning, stacklevel=2)
    _cpu.set_num_threads(cpus)


_check_thread_env()


def available() -> bool:
    return _cpu is not None


def unavailable_reason() -> str | None:
    return None if _cpu else f"fastkeras._cpu could not be imported: {_error}"


def info() -> dict:
    return dict(_cpu.info()) if _cpu else {}


def has_kernel(prim_name: str) -> bool:
    return prim_name in _codes


def op_code(prim_name: str) -> int:
    try:
        return _codes[prim_name]
    except KeyError:
        raise NotImplementedError(f"the cpu backend has no kernel for {prim_name!r}") from None


def run_op(prim, ins, outs, attrs, native):
    ints, floats = native
    # Effect ops mutate their inputs, so contiguous arrays (0-d included) go in as they are.
    ins = [a if a.flags.c_contiguous else np.ascontiguousarray(a) for a in ins]
    _cpu.run_op(op_code(prim.name), ins, list(outs), list(ints), list(floats))


def _native_plan(plan):
    """The plan's buffers and instructions as the native constructors take them."""
    buffers = [(SPACE_CODES[b.space], b.offset, DTYPE_CODES[b.dtype], list(b.shape))
               for b in plan.buffers]
    instrs = [(op_code(i.prim.name), list(i.inputs), list(i.outputs),
               [int(v) for v in i.native_ints], [float(v) for v in i.native_floats])
              for i in plan.instrs]
    return buffers, instrs


class _NativeExecutor:
    """run() over a native executor, which keeps its arenas and the state block alive."""

    def __init__(self, plan, native):
        self.plan = plan
        self._native = native
        # Same signature as run() for int row counts and sequences of arrays, minus a hop.
        self.run_native = native.run

    def run(self, data_inputs, perm, row_start, n_steps, data_outputs=(), check_finite=False):
        self._native.run(list(data_inputs), perm, int(row_start), int(n_steps),
                         list(data_outputs), check_finite)


class CpuExecutor(_NativeExecutor):
    def __init__(self, plan, state):
        self.arena = aligned_bytes(plan.arena_nbytes)
        buffers, instrs = _native_plan(plan)
        super().__init__(plan, _cpu.Executor(self.arena, state, plan.const_block, buffers,
                                             instrs, list(plan.inputs), list(plan.outputs),
                                             plan.batch_size))


class CpuShardedExecutor(_NativeExecutor):
    """A train plan traced at batch / shards, run data-parallel: each step takes
    `shards * plan.batch_size` rows (trainers/sharding.py, csrc/sharded_executor.cpp)."""

    def __init__(self, plan, state, shards, pure_end, effect_kinds):
        self.shards = shards
        self.arenas = [aligned_bytes(plan.arena_nbytes) for _ in range(shards)]
        buffers, instrs = _native_plan(plan)
        super().__init__(plan, _cpu.ShardedExecutor(self.arenas, state, plan.const_block,
                                                    buffers, instrs, list(plan.inputs),
                                                    plan.batch_size, pure_end,
                                                    list(effect_kinds)))


# Train steps of small models may run as data-parallel shards (trainers/sharding.py).
supports_sharding = True


def executor(plan, state):
    return CpuExecutor(plan, state)


def sharded_executor(plan, state, shards, pure_end, effect_kinds):
    return CpuShardedExecutor(plan, state, shards, pure_end, effect_kinds)


def forward_call(parts, x_shape, out_shape):
    """One native callable for a whole predict over `parts` ((executor, first row, steps),
    trainers/forward.py): x -> a new output array, or None when x is not a C-contiguous
    ndarray of the plan's dtype and exactly x_shape."""
    return _cpu.ForwardCall([(ex._native, start, steps) for ex, start, steps in parts],
                            list(x_shape), list(out_shape))
