"""sort (graph/primitives/sorting.py): each row's stable order by Numba's merge sort.

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


KERNELS = {"sort": sort_kernel}
