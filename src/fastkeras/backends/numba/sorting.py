"""sort (graph/primitives/sorting.py): each row's stable order by Numba's merge sort; and
in_top_k's count of the scores above each row's target.

Ascending sorts the values themselves (Numba's float order is NumPy's: NaN last, -0.0 equal
to 0.0). Descending sorts the primitive's int64 keys of lax.top_k's order: the ascending
stable order of the reversed row, read backwards, puts larger keys first and equal keys in
input order."""

from __future__ import annotations

import numpy as np

from ...graph.primitives.sorting import descending_key
from ._common import get_attr, jit


@jit
def _sort_rows(x, key, descending, values, positions):
    n = x.shape[1]
    k = values.shape[1]
    for r in range(x.shape[0]):
        if descending:
            order = n - 1 - np.argsort(key[r, ::-1], kind="mergesort")[::-1]
        else:
            order = np.argsort(key[r], kind="mergesort")
        for i in range(k):
            values[r, i] = x[r, order[i]]
            positions[r, i] = order[i]


def sort_kernel(prim, ins, outs, attrs, native):
    x, (values, positions) = ins[0], outs
    if values.size == 0:
        return
    n = x.shape[-1]
    rows = np.ascontiguousarray(x).reshape(-1, n)
    descending = bool(get_attr(prim, attrs, "descending"))
    key = np.ascontiguousarray(descending_key(rows)) if descending else rows
    _sort_rows(rows, key, descending, values.reshape(rows.shape[0], -1),
               positions.reshape(rows.shape[0], -1))


@jit
def _in_top_k_rows(ids, pred, k, hit):
    n = pred.shape[1]
    for r in range(pred.shape[0]):
        t = ids[r] + n if ids[r] < 0 else ids[r]
        own = pred[r, t] if 0 <= t < n else np.nan
        if np.isnan(own):
            own = -np.inf
        above = 0
        for i in range(n):
            if pred[r, i] > own:
                above += 1
        hit[r] = above + 1 <= k


def in_top_k_kernel(prim, ins, outs, attrs, native):
    targets, pred = ins
    hit = outs[0]
    rows = np.ascontiguousarray(pred).reshape(targets.size, pred.shape[-1])
    _in_top_k_rows(np.ascontiguousarray(targets).reshape(-1), rows,
                   int(get_attr(prim, attrs, "k")), hit.reshape(-1))


KERNELS = {"sort": sort_kernel, "in_top_k": in_top_k_kernel}
