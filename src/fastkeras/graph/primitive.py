"""The primitive registry: every op the graph can hold is declared here once.

A `Primitive` bundles what every layer of the stack needs to know about one op:

* ``shape_rule(specs, attrs) -> [(shape, dtype), ...]`` — output specs from input specs;
* ``reference(*arrays, **attrs)`` — the NumPy oracle (returns the outputs, or mutates its
  inputs in place for effect ops);
* ``vjp(node, gouts) -> [cotangent or None per input]`` — the gradient, written with
  `bind` so that the backward pass is itself a graph of primitives;
* ``native_attrs(attrs, specs) -> (ints, floats)`` — the flat attribute encoding read by the
  native kernels (C++/CUDA) in the order documented next to each declaration;
* ``rows`` (+ ``batch_axis_after``) — how the op treats the batch axis, which decides whether a
  training step may run as data-parallel shards (graph/rowlocal.py). Required of every pure
  primitive: a new op cannot silently turn sharding off (or, worse, on);
* ``program_op`` — an elementwise op that may be an instruction of a fused elementwise
  program (graph/fusion.py): every backend's program interpreter has its scalar formula,
  and the op tests run it as a one-instruction program on every backend;
* ``lowered`` + ``interpret`` — a primitive the planner writes out into others (scan):
  plans never hold it, so backends need no kernel; eager calls interpret it.

Effect primitives (optimizer updates, metric accumulation) have no outputs: they update
their first inputs in place and are scheduled after every pure op of a step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DTYPES = ("float32", "float64", "int32", "int64", "bool")
FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int32", "int64")


def _no_native_attrs(attrs, specs):
    return (), ()


# What row i of the output depends on, given which inputs are per-row data (rowlocal.py):
ROW_RULES = {
    "elementwise": "row i of each operand, NumPy broadcasting (operands without the batch "
                   "axis broadcast along it); the output keeps the operands' batch axis",
    "per_row": "row i of every operand gives row i of every output, the samples on axis 0 "
               "only (windows, pooling, recurrent cells, batched matmuls: they mix other "
               "axes)",
    "per_sample": "(targets, predictions) row i, reduced over the last axis (losses)",
    "concat": "row i of every operand, unless joined along axis 0",
    "gather": "row i of the indices (params are batch-independent)",
    "axis0": "row i of its one data operand: batch_axis_after(node, axis) says where the "
             "operand's batch axis goes (None: the call mixes rows along it)",
    "regroup": "a C-order reshape: sample i's elements stay sample i's, in as many rows as "
               "the output's axis 0 gives each sample (row-local when it is a multiple of "
               "the batch)",
    "scan": "followed into the loop body (graph/rowlocal.py)",
    "mixed": "other rows too (or unknown): never row-local",
}

# How a data-parallel train step (trainers/sharding.py) runs an effect primitive:
SHARD_EFFECTS = {
    "update": "an elementwise optimizer update (var, grad, ...): once, on the shards' mean "
              "gradient",
    "per_shard": "adds each shard's own values (metric sums)",
    "once": "runs once per step (the step counter)",
}


@dataclass
class Primitive:
    name: str
    shape_rule: object  # callable
    reference: object  # callable
    vjp: object = None  # callable or None
    # Which inputs a VJP is defined for (others, e.g. labels or indices, get no gradient);
    # None means every input (variadic primitives such as concatenate).
    diff_inputs: tuple | None = ()
    native_attrs: object = _no_native_attrs
    effect: bool = False
    # Attributes accepted by bind(), with defaults; a missing one without default is an error.
    attr_defaults: dict = field(default_factory=dict)
    # A short text of the semantics, shown in errors and docs.
    doc: str = ""
    # One of ROW_RULES; effects are "mixed" by nature and need not say so.
    rows: str = ""
    # For rows="axis0": (node, batch axis of its data operand) -> the output's batch axis, or
    # None when the call mixes the samples (reduces or slices along that axis).
    batch_axis_after: object = None
    # Effects only: how a data-parallel step runs it (SHARD_EFFECTS; "" = it cannot).
    shard_effect: str = ""
    # An activation the GEMM epilogues fuse: the name of its gradient helper (a primitive of
    # (y, g) with y its output), which its VJP binds and the fusion passes pair with it.
    activation_grad: str = ""
    # May be an instruction of an elementwise_program (rows must be "elementwise").
    program_op: bool = False
    # A program op dearer than a store and a reload of its result (a transcendental, ~20
    # vector instructions a register): fusion stores its value rather than recompute it.
    costly: bool = False
    # Written out into other primitives before planning (graph/lowering.py): no backend
    # has a kernel of it; `interpret(ins, attrs, backend)` runs it eagerly with a backend's
    # kernels (scan: its body, step by step).
    lowered: bool = False
    interpret: object = None

    @property
    def differentiable(self) -> bool:
        return self.vjp is not None


PRIMITIVES: dict[str, Primitive] = {}


def register(prim: Primitive) -> Primitive:
    if prim.name in PRIMITIVES:
        raise ValueError(f"primitive {prim.name!r} declared twice")
    if prim.effect and not prim.rows:
        prim.rows = "mixed"
    if prim.rows not in ROW_RULES:
        raise ValueError(f"primitive {prim.name!r}: declare rows= one of {sorted(ROW_RULES)} "
                         f"(how it treats the batch axis), got {prim.rows!r}")
    if (prim.rows == "axis0") != (prim.batch_axis_after is not None):
        raise ValueError(f"primitive {prim.name!r}: rows='axis0' and batch_axis_after go "
                         f"together")
    if prim.lowered != (prim.interpret is not None):
        raise ValueError(f"primitive {prim.name!r}: a lowered primitive runs eagerly through "
                         f"its interpret=")
    if prim.costly and not prim.program_op:
        raise ValueError(f"primitive {prim.name!r}: costly is a fact of program ops")
    if prim.program_op and prim.rows != "elementwise":
        raise ValueError(f"primitive {prim.name!r}: a program_op must be elementwise")
    if prim.shard_effect and (not prim.effect or prim.shard_effect not in SHARD_EFFECTS):
        raise ValueError(f"primitive {prim.name!r}: shard_effect is for effects, one of "
                         f"{sorted(SHARD_EFFECTS)}")
    PRIMITIVES[prim.name] = prim
    return prim


def get(name: str) -> Primitive:
    try:
        return PRIMITIVES[name]
    except KeyError:
        raise ValueError(f"Unknown primitive {name!r}. Known: {sorted(PRIMITIVES)}") from None


def canonical_attrs(prim: Primitive, attrs: dict) -> dict:
    unknown = set(attrs) - set(prim.attr_defaults)
    if unknown:
        raise TypeError(f"{prim.name}: unexpected attributes {sorted(unknown)}")
    out = dict(prim.attr_defaults)
    out.update(attrs)
    return out
