"""Which tensors of a traced step are row-local: row i of the tensor depends only on row i
of the step's data (its placeholders) and on batch-independent values (variables,
constants). A row-local tensor may hold g rows per sample (axis 0 = batch * g, sample i's
rows i*g .. i*g + g - 1): a reshape of (N, H, W, C) to (N * H * W, C) before a matmul keeps
each sample's elements together, so a convolution's patch matrix stays row-local. A training step whose per-sample losses are row-local can be split into shards
of rows whose mean gradient is the full batch's (trainers/sharding.py); one op that mixes
rows (a mean over the batch, a batch-sized constant) makes that false.

Each primitive declares its rule (`rows`, and `keeps_rows` for "axis0") where it is
declared; "mixed" is the conservative answer."""

from __future__ import annotations

from .order import ancestors
from .primitives._rules import normalize_axis

GLOBAL, ROW, MIXED = "global", "row", "mixed"


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


def _classify(node, kinds):
    """The kind of a pure node's outputs from its inputs' kinds and its declared `rows`
    (graph/primitive.py ROW_RULES)."""
    if all(k == GLOBAL for k in kinds):
        return GLOBAL
    if MIXED in kinds:
        return MIXED
    rule = node.prim.rows
    if rule == "elementwise":
        return _broadcast_rows(node, kinds)
    if rule == "per_sample":  # (targets, predictions): both per row, predictions with a class axis
        return ROW if all(k == ROW for k in kinds) and node.inputs[1].ndim >= 2 else MIXED
    if rule == "concat":
        ok = all(k == ROW for k in kinds) and normalize_axis(node.attrs["axis"],
                                                             node.inputs[0].ndim) != 0
        return ROW if ok else MIXED
    if rule == "gather":  # params[indices]: rows follow the indices
        return ROW if kinds == [GLOBAL, ROW] else MIXED
    if rule == "axis0":  # one data operand, and this call leaves its axis 0 alone
        ok = kinds[0] == ROW and all(k == GLOBAL for k in kinds[1:]) and node.prim.keeps_rows(node)
        return ROW if ok else MIXED
    if rule == "regroup":  # a C-order reshape: checked per output below
        return ROW
    return MIXED


def _output_kind(node, kind, kinds, out, batch):
    """A ROW node's output is row-local when its axis 0 still holds whole samples' rows: as
    many as its row-local operands have (a reshape may regroup them: any multiple of the
    batch keeps each output row within one sample's elements, in C order)."""
    if kind != ROW or out.ndim < 1:
        return GLOBAL if kind == GLOBAL else MIXED
    if node.prim is None:  # a placeholder: one row per sample
        return ROW if out.shape[0] == batch else MIXED
    if node.prim.rows == "regroup":
        return ROW if out.shape[0] % batch == 0 else MIXED
    rows = {x.shape[0] for x, k in zip(node.inputs, kinds) if k == ROW}
    return ROW if rows == {out.shape[0]} else MIXED


def row_local(roots, batch: int) -> bool:
    """True when every tensor in `roots` is row-local with `batch` rows (one per sample)."""
    kind_of = {}  # (node id, output index) -> kind
    needed = ancestors(t.node for t in roots)
    for node in roots[0].graph.nodes:  # creation order is topological
        if node.id not in needed:
            continue
        kinds = [kind_of[(x.node.id, x.index)] for x in node.inputs]
        if node.prim is None:
            k = ROW if node.kind == "placeholder" else GLOBAL
        elif node.prim.effect:
            k = MIXED
        else:
            k = _classify(node, kinds)
        for out in node.outputs:
            kind_of[(node.id, out.index)] = _output_kind(node, k, kinds, out, batch)
    return all(kind_of[(t.node.id, t.index)] == ROW and t.shape[0] == batch for t in roots)
