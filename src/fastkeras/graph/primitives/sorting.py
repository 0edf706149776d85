"""sort: each row ordered along the last axis, with the positions it came from; in_top_k:
whether a row's target ranks within its first k, without sorting.

  sort(x, descending=False, k=None) -> values (..., k) like x, positions (..., k) int32
  in_top_k(targets, predictions, k) -> (...) bool: targets (...) int32, predictions (..., n)

Ascending is NumPy's stable sort (NaN last, -0.0 equal to 0.0, equal values in input order);
descending is JAX's lax.top_k order (NaN first, +0.0 before -0.0, equal values in input
order). k (None: all n) keeps only the first k of each row, so top_k selects in O(n + k log k)
instead of sorting whole rows. The ops (fastkeras/ops/sorting.py) move their axis last.

Native encoding: ints (descending, k).

VJP: the values' cotangent goes back to the positions it came from (a scatter_add over the
flattened rows: positions outside the first k get zero); the positions get none.

in_top_k is keras.ops.in_top_k with JAX's rule, the one formula the op and the top-k
accuracy metrics share: rank = 1 + how many scores are strictly greater than the target's
(ties count in its favour), in_top_k = rank <= k. A NaN target score counts as -inf, and
NaN scores are never greater; a negative target wraps once (take_along_axis), and one
outside [-n, n) has no score (-inf, as JAX's NaN fill). Native encoding: ints (k,). Not
differentiable (bool).
"""

from __future__ import annotations

import math

import numpy as np

from ..core import bind
from ..primitive import Primitive, register

SORT_DTYPES = ("float32", "float64", "int32", "int64")


def _k(attrs, n):
    return n if attrs["k"] is None else int(attrs["k"])


def _sort_rule(specs, attrs):
    (shape, dtype), = specs
    if dtype not in SORT_DTYPES:
        raise TypeError(f"sort: expected one of {SORT_DTYPES}, got {dtype}")
    if not shape:
        raise ValueError("sort: the input needs at least one axis")
    k = _k(attrs, shape[-1])
    if not 0 <= k <= shape[-1]:
        raise ValueError(f"sort: k={k} is outside [0, {shape[-1]}] (the last axis)")
    out = tuple(shape[:-1]) + (k,)
    return [(out, dtype), (out, "int32")]


def descending_key(x):
    """int64 keys whose ascending order is lax.top_k's reversed one: NaN above +inf, -0.0
    below +0.0 (float bits made monotonic)."""
    if x.dtype.kind != "f":
        return x.astype(np.int64)
    bits = x.view(np.int32 if x.dtype.itemsize == 4 else np.int64).astype(np.int64)
    sign_mask = np.int64(2 ** (8 * x.dtype.itemsize - 1) - 1)
    key = np.where(bits >= 0, bits, -1 - (bits & sign_mask))
    return np.where(np.isnan(x), np.iinfo(np.int64).max, key)


def sort_positions(x, descending):
    """The reference order of each row of x (..., n): NumPy's stable argsort, or the stable
    descending one (the ascending order of the reversed row, read backwards)."""
    if not descending:
        return np.argsort(x, axis=-1, kind="stable")
    n = x.shape[-1]
    rev = np.argsort(descending_key(x)[..., ::-1], axis=-1, kind="stable")[..., ::-1]
    return n - 1 - rev


def _sort_ref(x, descending, k):
    pos = sort_positions(x, descending)[..., :_k({"k": k}, x.shape[-1])]
    return np.take_along_axis(x, pos, axis=-1), pos.astype(np.int32)


def flat_positions(pos, n, wrap_negative=False):
    """int32 indices into the flat C-order view of a (rows..., n) array of the positions
    `pos` (rows..., m) along its last axis (negative ones from the end when wrap_negative):
    pos + row * n. Computed in float64 (exact below 2**53; the int arithmetic primitives are
    float-only) and cast back; the one place this formula is written."""
    lead = tuple(pos.shape[:-1])
    rows = math.prod(lead)
    if rows * n >= 2 ** 31:
        raise ValueError(f"{rows * n} elements do not fit int32 flat indices")
    f = bind("cast", pos, dtype="float64")
    if wrap_negative:
        f = bind("add", f, bind("multiply", bind("cast", bind("greater", 0.0, f), dtype="float64"),
                                float(n)))
    offsets = (np.arange(rows, dtype=np.float64) * n).reshape(lead + (1,))
    return bind("cast", bind("add", f, offsets), dtype="int32")


def _sort_vjp(node, g):
    x, pos = node.inputs[0], node.outputs[1]
    if g[0] is None:
        return [None]
    size, k_size = math.prod(x.shape), math.prod(pos.shape)
    flat = bind("reshape", flat_positions(pos, x.shape[-1]), shape=(k_size,))
    dx = bind("scatter_add", bind("reshape", g[0], shape=(k_size,)), flat, rows=size)
    return [bind("reshape", dx, shape=tuple(x.shape))]


def _batch_axis(node, axis):
    return None if axis == node.inputs[0].ndim - 1 else axis


register(Primitive(
    "sort", _sort_rule, _sort_ref, vjp=_sort_vjp, diff_inputs=(0,),
    native_attrs=lambda attrs, specs: ((int(bool(attrs["descending"])),
                                        _k(attrs, specs[0][0][-1])), ()),
    attr_defaults={"descending": False, "k": None},
    doc="rows sorted along the last axis (stable; descending as lax.top_k), the first k "
        "values and their int32 positions", rows="axis0", batch_axis_after=_batch_axis))


def _in_top_k_rule(specs, attrs):
    (t_shape, t_dtype), (p_shape, p_dtype) = specs
    if t_dtype != "int32":
        raise TypeError(f"in_top_k: targets must be int32, got {t_dtype}")
    if p_dtype not in ("float32", "float64"):
        raise TypeError(f"in_top_k: predictions must be float32 or float64, got {p_dtype}")
    if tuple(p_shape[:-1]) != tuple(t_shape) or len(p_shape) != len(t_shape) + 1:
        raise ValueError(f"in_top_k: predictions {tuple(p_shape)} must be the targets' shape "
                         f"{tuple(t_shape)} plus one axis of scores")
    return [(tuple(t_shape), "bool")]


def _in_top_k_ref(targets, predictions, k):
    n = predictions.shape[-1]
    ids = np.where(targets < 0, targets + n, targets).astype(np.int64)
    inside = (ids >= 0) & (ids < n)
    padded = np.concatenate([predictions, np.full(predictions.shape[:-1] + (1,), np.nan,
                                                  predictions.dtype)], -1)  # n: no score
    own = np.take_along_axis(padded, np.where(inside, ids, n)[..., None], -1)[..., 0]
    own = np.where(np.isnan(own), -np.inf, own)
    return 1 + (predictions > own[..., None]).sum(-1) <= k


register(Primitive(
    "in_top_k", _in_top_k_rule, _in_top_k_ref,
    native_attrs=lambda attrs, specs: ((int(attrs["k"]),), ()), attr_defaults={"k": 1},
    doc="whether each target's score ranks within the first k of its row (JAX's rule)",
    rows="per_sample"))
