"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/math_extra.py."""

import numpy as np

_rng = np.random.default_rng(30)


def _f(*shape):
    return _rng.uniform(-2, 2, size=shape)


def _pos(*shape):
    return _rng.uniform(0.3, 3, size=shape)


def _distinct(*shape):
    """Nonzero values at least 0.1 apart in magnitude (away from the kinks of max/min/abs)."""
    n = int(np.prod(shape))
    mags = 0.5 + 0.15 * _rng.permutation(n)
    return (mags * _rng.choice([-1.0, 1.0], size=n)).reshape(shape)


def _with_zeros(*shape):
    x = np.round(_f(*shape))
    x.reshape(-1)[::3] = 0.0
    return x


def _matrix_norm_ref(x, ord):
    return np.linalg.norm(x, ord=ord, axis=(0, 1))


_LOGSUMEXP_EDGES = np.array([[-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0],
                             [np.nan, 1.0, 0.0], [1e30, 1e30, -1e30]])
_IDS = np.array([0, 2, 0, 1, 2, 2], np.int32)
_IDS_OUT = np.array([0, 5, 1, -1, 1, 0], np.int32)


def _segment_ref(data, ids, n, reduce, empty):
    out = np.full((n,) + data.shape[1:], empty, data.dtype)
    for s in range(n):
        rows = data[ids == s]
        if len(rows):
            out[s] = reduce(rows, axis=0)
    return out


def _in_top_k_ref(targets, predictions, k):
    own = np.take_along_axis(predictions, targets[..., None], -1)
    own = np.where(np.isnan(own), -np.inf, own)
    return 1 + (predictions > own).sum(-1) <= k


_TIES = np.array([[0.1, 0.5, 0.5, 0.2], [0.9, 0.1, 0.9, 0.9], [np.nan, 0.3, 0.2, 0.1]])

TABLE = {
    # reductions
    "prod": (lambda o, x: o.prod(x, axis=1), lambda x: x.prod(axis=1), [_distinct(3, 4)], True),
    "prod[none]": (lambda o, x: o.prod(x), np.prod, [_distinct(2, 3)], True),
    "prod[keepdims]": (lambda o, x: o.prod(x, axis=(0, -1), keepdims=True),
                       lambda x: x.prod(axis=(0, 2), keepdims=True), [_distinct(2, 3, 5)], True),
    "prod[zeros]": (lambda o, x: o.prod(x, axis=-1), lambda x: x.prod(-1),
                    [_with_zeros(4, 7)], False),
    "prod[int]": (lambda o, x: o.prod(x, axis=0), lambda x: x.prod(0).astype(np.int32),
                  [np.array([[3, -2, 0], [5, 7, -1]], np.int32)], False),
    "cumsum": (lambda o, x: o.cumsum(x, axis=1), lambda x: np.cumsum(x, 1), [_f(3, 7)], True),
    "cumsum[none]": (lambda o, x: o.cumsum(x), np.cumsum, [_f(2, 5)], True),
    "cumsum[bool]": (lambda o, x: o.cumsum(x, axis=-1),
                     lambda x: np.cumsum(x, -1).astype(np.int32),
                     [_rng.uniform(size=(2, 9)) > 0.4], False),
    "cumprod": (lambda o, x: o.cumprod(x, axis=0), lambda x: np.cumprod(x, 0),
                [_distinct(5, 3)], True),
    "cumprod[none]": (lambda o, x: o.cumprod(x), np.cumprod, [_distinct(2, 3)], True),
    "cumprod[zeros]": (lambda o, x: o.cumprod(x, axis=-1), lambda x: np.cumprod(x, -1),
                       [_with_zeros(3, 6)], False),
    "all": (lambda o, x: o.all(x, axis=1), lambda x: np.all(x, axis=1),
            [np.round(_f(4, 3) / 2)], False),
    "all[none]": (lambda o, x: o.all(x), np.all, [_pos(2, 3)], False),
    "all[keepdims]": (lambda o, x: o.all(x, axis=-1, keepdims=True),
                      lambda x: np.all(x, -1, keepdims=True), [_rng.uniform(size=(3, 2)) > 0.3],
                      False),
    "count_nonzero": (lambda o, x: o.count_nonzero(x, axis=0),
                      lambda x: np.count_nonzero(x, axis=0).astype(np.int32),
                      [_with_zeros(4, 3)], False),
    "count_nonzero[none]": (lambda o, x: o.count_nonzero(x),
                            lambda x: np.int32(np.count_nonzero(x)), [_with_zeros(3, 5)], False),
    "argmin": (lambda o, x: o.argmin(x, axis=-1), lambda x: x.argmin(-1).astype(np.int32),
               [_f(3, 5)], False),
    "argmin[none]": (lambda o, x: o.argmin(x), lambda x: np.int32(x.argmin()), [_f(3, 4)], False),
    "argmin[ties_int]": (lambda o, x: o.argmin(x, axis=0, keepdims=True),
                         lambda x: x.argmin(0)[None].astype(np.int32),
                         [np.array([[2, 1, 5], [1, 1, -3], [1, 0, 5]], np.int32)], False),
    "ptp": (lambda o, x: o.ptp(x, axis=1), lambda x: np.ptp(x, axis=1), [_distinct(3, 4)], True),
    "ptp[keepdims]": (lambda o, x: o.ptp(x, axis=0, keepdims=True),
                      lambda x: np.ptp(x, axis=0, keepdims=True), [_distinct(3, 4)], True),
    "average": (lambda o, x: o.average(x, axis=0), lambda x: np.average(x, axis=0), [_f(3, 4)],
                True),
    "average[weights]": (lambda o, x, w: o.average(x, axis=None, weights=w),
                         lambda x, w: np.average(x, weights=w), [_f(3, 4), _pos(3, 4)], True),
    "average[weights_1d]": (lambda o, x, w: o.average(x, axis=-1, weights=w),
                            lambda x, w: np.average(x, axis=-1, weights=w),
                            [_f(2, 3, 4), _pos(4)], True),
    "logsumexp": (lambda o, x: o.logsumexp(x, axis=-1),
                  lambda x: np.log(np.exp(x).sum(-1)), [_f(3, 5) * 3], True),
    "logsumexp[none]": (lambda o, x: o.logsumexp(x), lambda x: np.log(np.exp(x).sum()),
                        [_f(2, 3)], True),
    "logsumexp[keepdims]": (lambda o, x: o.logsumexp(x, axis=(0, 2), keepdims=True),
                            lambda x: np.log(np.exp(x).sum((0, 2), keepdims=True)),
                            [_f(2, 3, 2)], True),
    "logsumexp[edges]": (lambda o, x: o.logsumexp(x, axis=1),
                         lambda x: np.array([-np.inf, np.inf, np.nan, 1e30 + np.log(2)],
                                            x.dtype),
                         [_LOGSUMEXP_EDGES], False),
    "norm": (lambda o, x: o.norm(x), lambda x: np.linalg.norm(x.reshape(-1)), [_f(2, 3, 4)],
             True),
    "norm[axis]": (lambda o, x: o.norm(x, axis=-1, keepdims=True),
                   lambda x: np.linalg.norm(x, axis=-1, keepdims=True), [_f(3, 4)], True),
    "norm[l1]": (lambda o, x: o.norm(x, ord=1, axis=0), lambda x: np.linalg.norm(x, 1, axis=0),
                 [_distinct(3, 4)], True),
    "norm[inf]": (lambda o, x: o.norm(x, ord=np.inf, axis=1),
                  lambda x: np.linalg.norm(x, np.inf, axis=1), [_distinct(3, 4)], True),
    "norm[-inf]": (lambda o, x: o.norm(x, ord=-np.inf, axis=1),
                   lambda x: np.linalg.norm(x, -np.inf, axis=1), [_distinct(3, 4)], True),
    "norm[0]": (lambda o, x: o.norm(x, ord=0, axis=1), lambda x: np.linalg.norm(x, 0, axis=1),
                [_with_zeros(3, 4)], False),
    "norm[p3]": (lambda o, x: o.norm(x, ord=3, axis=-1), lambda x: np.linalg.norm(x, 3, axis=-1),
                 [_distinct(2, 5)], True),
    "norm[fro]": (lambda o, x: o.norm(x, ord="fro"), lambda x: _matrix_norm_ref(x, "fro"),
                  [_f(3, 4)], True),
    "norm[mat1]": (lambda o, x: o.norm(x, ord=1, axis=(0, 1)), lambda x: _matrix_norm_ref(x, 1),
                   [_distinct(3, 4)], True),
    "norm[mat-1]": (lambda o, x: o.norm(x, ord=-1), lambda x: _matrix_norm_ref(x, -1),
                    [_distinct(3, 4)], True),
    "norm[matinf]": (lambda o, x: o.norm(x, ord=np.inf), lambda x: _matrix_norm_ref(x, np.inf),
                     [_distinct(3, 4)], True),
    "norm[mat-inf_t]": (lambda o, x: o.norm(x, ord=-np.inf, axis=(1, 0), keepdims=True),
                        lambda x: np.linalg.norm(x, -np.inf, axis=(1, 0), keepdims=True),
                        [_distinct(3, 4)], True),
    "norm[batched]": (lambda o, x: o.norm(x, ord=1, axis=(-2, -1)),
                      lambda x: np.linalg.norm(x, 1, axis=(-2, -1)), [_distinct(2, 3, 4)], True),
    # elementwise
    "reciprocal": (lambda o, x: o.reciprocal(x), np.reciprocal, [_distinct(3, 4)], True),
    "fabs": (lambda o, x: o.fabs(x), np.fabs, [_distinct(3, 4)], True),
    "deg2rad": (lambda o, x: o.deg2rad(x), np.deg2rad, [_f(3, 4) * 180], True),
    "rad2deg": (lambda o, x: o.rad2deg(x), np.rad2deg, [_f(3, 4)], True),
    "exp2": (lambda o, x: o.exp2(x), np.exp2, [_f(3, 4) * 3], True),
    "log2": (lambda o, x: o.log2(x), np.log2, [_pos(3, 4)], True),
    "log2[powers]": (lambda o, x: o.log2(x), np.log2,
                     [np.array([1.0, 2.0, 0.5, 1024.0, 0.0, np.inf])], False),
    "log10": (lambda o, x: o.log10(x), np.log10, [_pos(3, 4) * 10], True),
    "cbrt": (lambda o, x: o.cbrt(x), np.cbrt, [_distinct(3, 4) * 3], True),
    "cbrt[edges]": (lambda o, x: o.cbrt(x), np.cbrt,
                    [np.array([0.0, 8.0, -27.0, 1e-30, np.inf, -np.inf, np.nan])], False),
    "hypot": (lambda o, a, b: o.hypot(a, b), np.hypot, [_distinct(3, 4), _distinct(4)], True),
    "hypot[edges]": (lambda o, a, b: o.hypot(a, b), np.hypot,
                     [np.array([0.0, 3e30, np.inf, np.inf, -4.0, np.nan]),
                      np.array([0.0, 4e30, 1.0, -np.inf, 0.0, 1.0])], False),
    "logaddexp": (lambda o, a, b: o.logaddexp(a, b), np.logaddexp, [_f(3, 4) * 3, _f(3, 4)],
                  True),
    "logaddexp[edges]": (lambda o, a, b: o.logaddexp(a, b), np.logaddexp,
                         [np.array([-np.inf, np.inf, np.inf, 80.0, -90.0, np.nan]),
                          np.array([-np.inf, np.inf, -np.inf, 81.0, 5.0, 1.0])], False),
    "logaddexp2": (lambda o, a, b: o.logaddexp2(a, b), np.logaddexp2, [_f(3, 4) * 3, _f(4)],
                   True),
    "isclose": (lambda o, a, b: o.isclose(a, b),
                lambda a, b: np.isclose(a, b),
                [np.array([1.0, 1.0, np.inf, np.inf, 1.0, np.nan, 0.0, 100.0]),
                 np.array([1.0 + 1e-6, 1.1, np.inf, -np.inf, np.inf, np.nan, 1e-9, 100.001])],
                False),
    "isclose[equal_nan]": (lambda o, a, b: o.isclose(a, b, rtol=0.05, atol=0.0, equal_nan=True),
                           lambda a, b: np.isclose(a, b, rtol=0.05, atol=0.0, equal_nan=True),
                           [np.array([1.0, np.nan, np.nan, 2.0]),
                            np.array([1.04, np.nan, 1.0, 2.2])], False),
    "allclose": (lambda o, a, b: o.allclose(a, b), lambda a, b: np.bool_(np.allclose(a, b)),
                 [np.array([1.0, 2.0, np.inf]), np.array([1.0, 2.0 + 1e-6, np.inf])], False),
    "allclose[far]": (lambda o, a, b: o.allclose(a, b, atol=0.1),
                      lambda a, b: np.bool_(np.allclose(a, b, atol=0.1)),
                      [_f(3, 4), _f(3, 4)], False),
    # keras.ops.math
    "segment_sum": (lambda o, d: o.segment_sum(d, _IDS, num_segments=4),
                    lambda d: _segment_ref(d, _IDS, 4, np.sum, 0), [_f(6, 3)], True),
    "segment_sum[dropped]": (lambda o, d: o.segment_sum(d, _IDS_OUT, num_segments=2),
                             lambda d: _segment_ref(d, _IDS_OUT, 2, np.sum, 0),
                             [_f(6)], True),
    "segment_sum[int]": (lambda o, d: o.segment_sum(d, _IDS, num_segments=3),
                         lambda d: _segment_ref(d, _IDS, 3, np.sum, 0),
                         [np.arange(6, dtype=np.int32) * 7 - 9], False),
    "segment_max": (lambda o, d: o.segment_max(d, _IDS, num_segments=3),
                    lambda d: _segment_ref(d, _IDS, 3, np.max, -np.inf), [_distinct(6, 2)],
                    True),
    "segment_max[dropped]": (lambda o, d: o.segment_max(d, _IDS_OUT, num_segments=3),
                             lambda d: _segment_ref(d, _IDS_OUT, 3, np.max, -np.inf),
                             [np.array([1.0, np.nan, 2.0, np.nan, -5.0, np.inf])], False),
    "in_top_k": (lambda o, p: o.in_top_k(np.array([1, 2, 0], np.int32), p, 2),
                 lambda p: _in_top_k_ref(np.array([1, 2, 0]), p, 2), [_TIES], False),
    "in_top_k[k1]": (lambda o, p: o.in_top_k(np.array([[3, 0], [1, 2]], np.int32), p, 1),
                     lambda p: _in_top_k_ref(np.array([[3, 0], [1, 2]]), p, 1),
                     [_f(2, 2, 4)], False),
}
