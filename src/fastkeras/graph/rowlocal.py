"""Which tensors of a traced step are row-local: row i of the tensor depends only on row i
of the step's data (its placeholders) and on batch-independent values (variables,
constants). A training step whose per-sample losses are row-local can be split into shards
of rows whose mean gradient is the full batch's (trainers/sharding.py); one op that mixes
rows (a mean over the batch, a batch-sized constant) makes that false.

The rules are per primitive and conservative: a primitive without a rule here mixes rows."""

from __future__ import annotations

from .planner import ancestors
from .primitives._rules import normalize_axes, normalize_axis

GLOBAL, ROW, MIXED = "global", "row", "mixed"

_ELEMENTWISE = {"negative", "exp", "log", "sqrt", "square", "abs", "sign", "relu", "sigmoid",
                "tanh", "relu_grad", "sigmoid_grad", "tanh_grad", "add", "subtract",
                "multiply", "divide", "equal", "greater", "cast", "bias_add"}
# Per-sample losses: reduce the last axis only.
_LOSSES = {"binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "mean_squared_error", "mean_absolute_error"}


def _broadcast_rows(node, kinds):
    """Elementwise with NumPy broadcasting: row-local when every row-local operand has the
    output's rank (its axis 0 is the output's) and every other one broadcasts along axis 0."""
    out = node.outputs[0]
    for x, kind in zip(node.inputs, kinds):
        if kind == ROW and x.ndim != out.ndim:
            return MIXED
        if kind == GLOBAL and x.ndim == out.ndim and x.shape[0] != 1:
            return MIXED
    return ROW


def _keeps_axis0(node, kinds):
    """One data operand, and the op leaves its axis 0 alone."""
    if kinds[0] != ROW or any(k != GLOBAL for k in kinds[1:]):
        return MIXED
    x, out, a = node.inputs[0], node.outputs[0], node.attrs
    name = node.prim.name
    if name in ("softmax", "log_softmax", "argmax"):
        ok = normalize_axis(a["axis"], x.ndim) != 0
    elif name in ("sum", "mean", "max"):
        ok = a["axes"] is not None and 0 not in normalize_axes(a["axes"], x.ndim)
    elif name == "reshape":  # C order: the same leading axis keeps each row's elements
        ok = out.ndim >= 1 and out.shape[0] == x.shape[0]
    elif name == "broadcast_to":
        ok = out.ndim == x.ndim
    elif name == "transpose":
        perm = a["perm"] if a["perm"] is not None else tuple(reversed(range(x.ndim)))
        ok = normalize_axis(perm[0], x.ndim) == 0
    elif name in ("slice", "pad"):
        ok = normalize_axis(a["axis"], x.ndim) != 0
    elif name in ("dense", "matmul"):
        w = node.inputs[1]
        ok = x.ndim >= 2 and w.ndim == 2 and not a.get("transpose_a", False)
    else:
        ok = False
    return ROW if ok else MIXED


def _classify(node, kinds):
    name = node.prim.name
    if all(k == GLOBAL for k in kinds):
        return GLOBAL
    if MIXED in kinds:
        return MIXED
    if name in _ELEMENTWISE:
        return _broadcast_rows(node, kinds)
    if name in _LOSSES:  # (targets, predictions): both per row, predictions with a class axis
        return ROW if all(k == ROW for k in kinds) and node.inputs[1].ndim >= 2 else MIXED
    if name == "concatenate":
        ok = all(k == ROW for k in kinds) and normalize_axis(node.attrs["axis"],
                                                             node.inputs[0].ndim) != 0
        return ROW if ok else MIXED
    if name == "take":  # params[indices]: rows follow the indices
        return ROW if kinds == [GLOBAL, ROW] else MIXED
    return _keeps_axis0(node, kinds)


def row_local(roots, batch: int) -> bool:
    """True when every tensor in `roots` is row-local with `batch` rows."""
    kind_of = {}  # (node id, output index) -> kind
    needed = ancestors(t.node for t in roots)
    for node in roots[0].graph.nodes:  # creation order is topological
        if node.id not in needed:
            continue
        if node.prim is None:
            k = ROW if node.kind == "placeholder" else GLOBAL
        elif node.prim.effect:
            k = MIXED
        else:
            k = _classify(node, [kind_of[(x.node.id, x.index)] for x in node.inputs])
        for out in node.outputs:
            row = k == ROW and out.ndim >= 1 and out.shape[0] == batch
            kind_of[(node.id, out.index)] = ROW if row else (GLOBAL if k == GLOBAL else MIXED)
    return all(kind_of[(t.node.id, t.index)] == ROW for t in roots)
