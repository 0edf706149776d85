"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/sorting.py.

Gradient lines use distinct values (a permutation of spaced numbers plus small noise), so
the order holds under the finite-difference steps; ties, NaN and signed zeros are checked
by value (tests/backends/test_sort_native.py checks them bit for bit). top_k returns a pair:
its lines check the values and the indices apart."""

import numpy as np

_rng = np.random.default_rng(47)


def _distinct(*shape):
    """Values at least 0.1 apart, in random order."""
    n = int(np.prod(shape))
    return (_rng.permutation(n) * 0.25 - n * 0.1 + _rng.uniform(-0.05, 0.05, n)).reshape(shape)


def _ties(*shape):
    return _rng.integers(-3, 4, size=shape).astype(np.float64)


def _i(*shape, lo=-9, hi=10):
    return _rng.integers(lo, hi, size=shape).astype(np.int32)


def _top_k(x, k):
    """lax.top_k's order by NumPy: the stable ascending order of -x (no NaN, no zeros here)."""
    pos = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, pos, -1), pos


_SPECIAL = np.array([[0.5, np.nan, -np.inf, 2.0, np.inf, -1.0, np.nan, 2.0]])
_SORTED_SEQ = np.array([-2.0, -1.0, -1.0, 0.0, 0.5, 1.5, 1.5, 3.0])
_IDX = np.array([[2, 0, -1], [-3, 1, 1]], np.int32)
_Q = np.array([0.1, 0.37, 0.5, 0.83, 1.0])  # positions off the integers (float32 == float64)

TABLE = {
    # sort / argsort
    "sort": (lambda o, x: o.sort(x), lambda x: np.sort(x), [_distinct(3, 6)], True),
    "sort[axis0]": (lambda o, x: o.sort(x, axis=0), lambda x: np.sort(x, 0), [_distinct(5, 3)],
                    True),
    "sort[axis_none]": (lambda o, x: o.sort(x, axis=None), lambda x: np.sort(x, None),
                        [_distinct(2, 3, 2)], True),
    "sort[3d_mid]": (lambda o, x: o.sort(x, axis=1), lambda x: np.sort(x, 1), [_distinct(2, 4, 3)],
                     True),
    "sort[ties]": (lambda o, x: o.sort(x, -1), lambda x: np.sort(x, -1), [_ties(4, 9)], False),
    "sort[nan_inf]": (lambda o, x: o.sort(x), lambda x: np.sort(x), [_SPECIAL], False),
    "sort[int]": (lambda o, x: o.sort(x), lambda x: np.sort(x), [_i(3, 7)], False),
    "sort[bool]": (lambda o, x: o.sort(x > 0), lambda x: np.sort(x > 0), [_ties(2, 6)], False),
    "argsort": (lambda o, x: o.argsort(x), lambda x: np.argsort(x, kind="stable"),
                [_ties(5, 8)], False),
    "argsort[axis0]": (lambda o, x: o.argsort(x, axis=0),
                       lambda x: np.argsort(x, 0, kind="stable"), [_ties(6, 3)], False),
    "argsort[axis_none]": (lambda o, x: o.argsort(x, axis=None),
                           lambda x: np.argsort(x, None, kind="stable"), [_ties(3, 4)], False),
    "argsort[nan]": (lambda o, x: o.argsort(x), lambda x: np.argsort(x, kind="stable"),
                     [_SPECIAL], False),
    "argsort[int]": (lambda o, x: o.argsort(x), lambda x: np.argsort(x, kind="stable"),
                     [_i(4, 9, lo=-2, hi=3)], False),
    # top_k: values (with gradient) and indices
    "top_k": (lambda o, x: o.top_k(x, 3)[0], lambda x: _top_k(x, 3)[0], [_distinct(4, 7)], True),
    "top_k[all]": (lambda o, x: o.top_k(x, 5)[0], lambda x: _top_k(x, 5)[0], [_distinct(2, 3, 5)],
                   True),
    "top_k[indices_ties]": (lambda o, x: o.top_k(x, 4)[1], lambda x: _top_k(x, 4)[1],
                            [_ties(6, 9)], False),
    "top_k[k0]": (lambda o, x: o.top_k(x, 0)[0], lambda x: x[..., :0], [_distinct(3, 4)], False),
    "top_k[int]": (lambda o, x: o.top_k(x, 2)[0], lambda x: _top_k(x, 2)[0],
                   [_i(3, 6)], False),
    # take_along_axis: broadcasting, negative indices, axis=None
    "take_along_axis": (lambda o, x: o.take_along_axis(x, _IDX, axis=1),
                        lambda x: np.take_along_axis(x, _IDX, 1), [_distinct(2, 4)], True),
    "take_along_axis[axis0_bcast]": (
        lambda o, x: o.take_along_axis(x, np.array([[1], [0], [-1]], np.int32), axis=0),
        lambda x: np.take_along_axis(x, np.array([[1], [0], [-1]]), 0), [_distinct(2, 5)],
        True),
    "take_along_axis[axis_none]": (
        lambda o, x: o.take_along_axis(x, np.array([5, -1, 0, 5], np.int32)),
        lambda x: np.take_along_axis(x.reshape(-1), np.array([5, -1, 0, 5]), 0),
        [_distinct(2, 3)], True),
    "take_along_axis[indices_input]": (lambda o, x, i: o.take_along_axis(x, i, axis=-1),
                                       lambda x, i: np.take_along_axis(x, i, -1),
                                       [_distinct(3, 2, 4), _i(3, 2, 5, lo=-4, hi=4)], False),
    "take_along_axis[argsort]": (lambda o, x: o.take_along_axis(x, o.argsort(x), axis=-1),
                                 lambda x: np.sort(x), [_distinct(3, 5)], True),
    # argpartition: the partition property (the kth in place, smaller before, larger after)
    "argpartition": (
        lambda o, x: o.take_along_axis(x, o.argpartition(x, 3), -1)[..., 3],
        lambda x: np.sort(x, -1)[..., 3], [_distinct(4, 7)], False),
    "argpartition[before_after]": (
        lambda o, x: (o.max(o.take_along_axis(x, o.argpartition(x, 2, axis=0), 0)[:2], axis=0)
                      <= o.min(o.take_along_axis(x, o.argpartition(x, 2, axis=0), 0)[2:],
                               axis=0)),
        lambda x: np.ones(x.shape[1], bool), [_ties(6, 5)], False),
    # order statistics
    "median": (lambda o, x: o.median(x), lambda x: np.median(x), [_distinct(3, 5)], True),
    "median[axis_keepdims]": (lambda o, x: o.median(x, axis=1, keepdims=True),
                              lambda x: np.median(x, 1, keepdims=True), [_distinct(3, 4, 2)],
                              True),
    "median[int]": (lambda o, x: o.median(x, axis=0), lambda x: np.median(x, 0), [_i(5, 3)],
                    False),
    "median[nan]": (lambda o, x: o.median(x, axis=-1), lambda x: np.median(x, -1),
                    [np.concatenate([_SPECIAL, _distinct(1, 8)])], False),
}
for _m in ("linear", "lower", "higher", "midpoint", "nearest"):
    TABLE[f"quantile[{_m}]"] = (
        lambda o, x, m=_m: o.quantile(x, _Q, axis=1, method=m),
        lambda x, m=_m: np.quantile(x, _Q, axis=1, method=m), [_distinct(3, 7, 2)],
        _m == "linear")
TABLE.update({
    "quantile": (lambda o, x: o.quantile(x, 0.37), lambda x: np.quantile(x, 0.37),
                 [_distinct(4, 6)], True),
    "quantile[axes_keepdims]": (lambda o, x: o.quantile(x, [0.2, 0.9], axis=(0, 2),
                                                       keepdims=True),
                                lambda x: np.quantile(x, [0.2, 0.9], axis=(0, 2), keepdims=True),
                                [_distinct(2, 3, 5)], True),
    "quantile[ties]": (lambda o, x: o.quantile(x, _Q, axis=-1),
                       lambda x: np.quantile(x, _Q, axis=-1), [_ties(4, 9)], False),
    "percentile": (lambda o, x: o.percentile(x, [10.0, 50.0, 83.0], axis=0),
                   lambda x: np.percentile(x, [10.0, 50.0, 83.0], axis=0), [_distinct(7, 3)],
                   True),
    "percentile[nearest]": (lambda o, x: o.percentile(x, 37, method="nearest"),
                            lambda x: np.percentile(x, 37, method="nearest"), [_distinct(9)],
                            False),
    "nanmedian": (lambda o, x: o.nanmedian(x, axis=1), lambda x: np.nanmedian(x, 1),
                  [np.where(_rng.uniform(size=(4, 7)) < 0.3, np.nan, _distinct(4, 7))], False),
    "nanmedian[no_nan]": (lambda o, x: o.nanmedian(x), lambda x: np.nanmedian(x),
                          [_distinct(3, 5)], True),
    "nanquantile": (lambda o, x: o.nanquantile(x, _Q, axis=-1),
                    lambda x: np.nanquantile(x, _Q, axis=-1),
                    [np.where(_rng.uniform(size=(3, 8)) < 0.4, np.nan, _distinct(3, 8))], False),
    "nanpercentile": (lambda o, x: o.nanpercentile(x, [25.0, 61.0], axis=0, method="midpoint"),
                      lambda x: np.nanpercentile(x, [25.0, 61.0], axis=0, method="midpoint"),
                      [np.where(_rng.uniform(size=(7, 3)) < 0.3, np.nan, _distinct(7, 3))],
                      False),
    # searchsorted: ties on both sides, below and above the ends, NaN last
    "searchsorted": (lambda o, v: o.searchsorted(_SORTED_SEQ, v),
                     lambda v: np.searchsorted(_SORTED_SEQ, v).astype(np.int32),
                     [np.array([[-3.0, -1.0, 0.2], [1.5, 3.0, 9.0]])], False),
    "searchsorted[right]": (lambda o, v: o.searchsorted(_SORTED_SEQ, v, side="right"),
                            lambda v: np.searchsorted(_SORTED_SEQ, v, "right").astype(np.int32),
                            [np.array([-3.0, -1.0, 0.0, 1.5, 3.0, np.nan])], False),
    "searchsorted[nan_seq]": (lambda o, v: o.searchsorted(np.append(_SORTED_SEQ, np.nan), v),
                              lambda v: np.searchsorted(np.append(_SORTED_SEQ, np.nan), v),
                              [np.array([np.nan, 3.0, 4.0])], False),
    # unique: traced only with a fixed size (the sorted values, padded with the smallest)
    "unique": (lambda o, x: o.unique(x, size=9), lambda x: np.pad(
        np.unique(x), (0, 9 - np.unique(x).size), constant_values=np.unique(x)[0]),
        [_ties(3, 5)], False),
    "unique[truncated_fill]": (lambda o, x: o.unique(x, size=4, fill_value=-7),
                               lambda x: np.concatenate([np.unique(x), np.full(4, -7)])[:4],
                               [_i(12, lo=0, hi=3)], False),
})
