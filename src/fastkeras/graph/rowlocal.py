"""Which tensors of a traced step are row-local: each of their entries depends only on one
sample's data (its row of the placeholders) and on batch-independent values (variables,
constants). A training step whose per-sample losses are row-local can be split into shards
of rows whose mean gradient is the full batch's (trainers/sharding.py); one op that mixes
samples (a mean over the batch, a batch-sized constant) makes that false.

A row-local tensor keeps its samples along one axis, not always the first:
`Row(axis, group, repeat)` says axis `axis` has repeat * batch * group entries and entry j
belongs to sample (j // group) % batch. A transpose to time-major moves the axis (a
recurrent layer's scan runs over axis 0 with the batch on axis 1); a C-order reshape
regroups it ((N, H, W, C) -> (N * H * W, C): a convolution's patch matrix, H * W rows a
sample) or merges it with the axes before it ((T, N, F) -> (T * N, F): the input projection
of every step as one matmul, the samples repeated T times).

Each primitive declares its rule (`rows`, and `batch_axis_after` for "axis0") where it is
declared; "mixed" is the conservative answer. A scan is followed into its body."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .order import ancestors
from .primitives._rules import normalize_axis

GLOBAL, MIXED = "global", "mixed"


@dataclass(frozen=True)
class Row:
    axis: int        # the batch axis
    group: int = 1   # consecutive entries a sample along it
    repeat: int = 1  # times the batch's block comes along it


ONE_ROW_A_SAMPLE = Row(0)


def _uniform_along(t, axis) -> bool:
    """A constant equal in every entry along `axis`: the same value for every sample."""
    value = t.node.value if t.node.kind == "constant" else None
    if value is None or t.ndim <= axis:
        return False
    value = np.asarray(value)
    return bool(np.all(value == value.take([0], axis=axis)))


def _broadcast(node, kinds, row):
    """Elementwise with NumPy broadcasting: every row-local operand has the output's rank
    (so the same batch axis), and every other one broadcasts along the batch axis or holds
    the same value for every sample there."""
    out = node.outputs[0]
    for x, kind in zip(node.inputs, kinds):
        if isinstance(kind, Row) and x.ndim != out.ndim:
            return MIXED
        lead = out.ndim - x.ndim
        if kind == GLOBAL and row.axis >= lead and x.shape[row.axis - lead] != 1 and \
                not _uniform_along(x, row.axis - lead):
            return MIXED
    return row


def _per_row(node, kinds, row):
    """Row i of the outputs from row i of the operands (axis 0 only); a batch-independent
    operand as long as the rows must hold the same value for every sample (a zero state)."""
    if row.axis != 0:
        return MIXED
    rows = node.inputs[kinds.index(row)].shape[0]
    for x, kind in zip(node.inputs, kinds):
        if kind == GLOBAL and x.ndim and x.shape[0] == rows and not _uniform_along(x, 0):
            return MIXED
    return row


def _regroup(node, row, batch):
    """A C-order reshape keeps the order of the elements, and element f belongs to sample
    (f // stride) % batch for the input's stride; the output is row-local when some axis
    holds whole blocks of `stride` elements, batch after batch."""
    x, out = node.inputs[0], node.outputs[0]
    stride = row.group * math.prod(x.shape[row.axis + 1:])
    for axis in range(out.ndim):
        inner = math.prod(out.shape[axis + 1:])
        if stride % inner == 0 and out.shape[axis] % (batch * (stride // inner)) == 0:
            group = stride // inner
            return Row(axis, group, out.shape[axis] // (batch * group))
    return MIXED


def _scan(node, kinds, batch):
    """Follows a scan into its body: the scanned arrays' batch axis (never axis 0, the
    loop's) is one lower inside, and the carries must come back as they went in. A carry
    that starts as a constant equal for every sample (a recurrent layer's zero state)
    starts as one row a sample."""
    body = node.attrs["body"]
    n_c, n_x = len(body.carries_in), len(body.xs_in)
    fail = [MIXED] * len(node.outputs)
    carries = [ONE_ROW_A_SAMPLE if k == GLOBAL and t.ndim and t.shape[0] == batch and
               _uniform_along(t, 0) else k for k, t in zip(kinds[:n_c], node.inputs)]
    xs = []
    for kind in kinds[n_c:n_c + n_x]:
        if isinstance(kind, Row):
            if kind.axis == 0:
                return fail  # the loop runs over the samples
            kind = Row(kind.axis - 1, kind.group, kind.repeat)
        xs.append(kind)
    seeds = dict(zip([p.node.id for p in body.placeholders], carries + xs + kinds[n_c + n_x:]))
    found = _kinds(body.graph.nodes, seeds, batch)
    back = [found[(t.node.id, t.index)] for t in body.carries_out]
    if any(b != c and b != GLOBAL for c, b in zip(carries, back)):
        return fail
    ys = [found[(t.node.id, t.index)] for t in body.ys]

    def stacked(kind):
        return Row(kind.axis + 1, kind.group, kind.repeat) if isinstance(kind, Row) else kind
    return carries + [stacked(k) for k in ys] + [stacked(k) for k in carries]


def _classify(node, kinds, batch):
    """The kinds of a pure node's outputs from its inputs' kinds and its declared `rows`
    (graph/primitive.py ROW_RULES)."""
    n_out = len(node.outputs)
    if all(k == GLOBAL for k in kinds):
        return [GLOBAL] * n_out
    if MIXED in kinds:
        return [MIXED] * n_out
    rule = node.prim.rows
    if rule == "scan":
        return _scan(node, kinds, batch)
    rows = {k for k in kinds if isinstance(k, Row)}
    if len(rows) != 1:
        return [MIXED] * n_out  # operands that hold the samples differently
    row = rows.pop()
    kind = MIXED
    if rule == "elementwise":
        kind = _broadcast(node, kinds, row)
    elif rule == "per_row":
        kind = _per_row(node, kinds, row)
    elif rule == "per_sample":  # (targets, predictions) per row, predictions with a class axis
        if all(k == ONE_ROW_A_SAMPLE for k in kinds) and node.inputs[1].ndim >= 2:
            kind = row
    elif rule == "concat":
        if all(isinstance(k, Row) for k in kinds) and \
                normalize_axis(node.attrs["axis"], node.inputs[0].ndim) != row.axis:
            kind = row
    elif rule == "gather":  # params[indices]: samples follow the indices
        if kinds[0] == GLOBAL and isinstance(kinds[1], Row):
            kind = row
    elif rule == "axis0":  # one data operand; the call says where its batch axis goes
        if isinstance(kinds[0], Row) and all(k == GLOBAL for k in kinds[1:]):
            axis = node.prim.batch_axis_after(node, row.axis)
            kind = MIXED if axis is None else Row(axis, row.group, row.repeat)
    elif rule == "regroup":
        kind = _regroup(node, row, batch)
    return [_checked(kind, out, batch) for out in node.outputs]


def _checked(kind, out, batch):
    """A row-local kind only where the output's batch axis has the length it says."""
    if not isinstance(kind, Row):
        return kind
    ok = out.ndim > kind.axis and out.shape[kind.axis] == kind.repeat * batch * kind.group
    return kind if ok else MIXED


def _kinds(nodes, seeds, batch, needed=None):
    """(node id, output index) -> kind for `nodes` in topological order; `seeds` gives the
    kind of placeholders by node id (the others hold one row a sample)."""
    kind_of = {}
    for node in nodes:
        if needed is not None and node.id not in needed:
            continue
        if node.prim is None:
            if node.id in seeds:
                outs = [seeds[node.id]]
            elif node.kind == "placeholder":
                outs = [_checked(ONE_ROW_A_SAMPLE, node.outputs[0], batch)]
            else:
                outs = [GLOBAL] * len(node.outputs)
        elif node.prim.effect:
            outs = [MIXED] * len(node.outputs)
        else:
            outs = _classify(node, [kind_of[(x.node.id, x.index)] for x in node.inputs], batch)
        for out, kind in zip(node.outputs, outs):
            kind_of[(node.id, out.index)] = kind
    return kind_of


def row_local(roots, batch: int) -> bool:
    """True when every tensor in `roots` is row-local with one row a sample on axis 0."""
    needed = ancestors(t.node for t in roots)
    kind_of = _kinds(roots[0].graph.nodes, {}, batch, needed)
    return all(kind_of[(t.node.id, t.index)] == ONE_ROW_A_SAMPLE for t in roots)
