"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/nan_ops.py."""

import numpy as np

_rng = np.random.default_rng(47)


def _with_nans(*shape):
    """Distinct values (no ties for max/argmax) with NaNs scattered in, and one all-NaN row."""
    n = int(np.prod(shape))
    x = (0.4 + 0.2 * _rng.permutation(n)) * _rng.choice([-1.0, 1.0], size=n)
    x[::3] = np.nan
    x = x.reshape(shape)
    x[0] = np.nan
    return x


_X = _with_nans(3, 4)
_EDGES = np.array([np.nan, np.inf, -np.inf, -0.0, 1.5, -2.0])
_INTS = np.array([[3, -1, 4], [1, 5, -9]], np.int32)


def _all_nan_to(value, reduce):
    """reduce(x, axis=1) with the all-NaN rows giving `value` (NumPy warns and gives NaN)."""
    def ref(x):
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = reduce(x)
        return out if value is None else np.where(np.isnan(x).all(axis=1), value, out)
    return ref


TABLE = {
    "nan_to_num": (lambda o, x: o.nan_to_num(x), np.nan_to_num, [_EDGES], False),
    "nan_to_num[values]": (lambda o, x: o.nan_to_num(x, nan=5.0, posinf=3.0, neginf=-7.0),
                           lambda x: np.nan_to_num(x, nan=5.0, posinf=3.0, neginf=-7.0),
                           [_EDGES], False),
    "nan_to_num[grad]": (lambda o, x: o.nan_to_num(x), np.nan_to_num,
                         [_rng.uniform(-2, 2, (3, 4))], True),
    "nan_to_num[int]": (lambda o, x: o.nan_to_num(x), lambda x: x, [_INTS], False),
    "divide_no_nan": (lambda o, a, b: o.divide_no_nan(a, b),
                      lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b)),
                      [np.array([1.0, 0.0, np.nan, np.inf, -3.0, 2.0]),
                       np.array([0.0, 0.0, 0.0, -0.0, 2.0, -4.0])], False),
    "divide_no_nan[grad]": (lambda o, a, b: o.divide_no_nan(a, b),
                            lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b)),
                            [_rng.uniform(-2, 2, (3, 4)), _rng.uniform(0.5, 2, (3, 4))], True),
    "nansum": (lambda o, x: o.nansum(x, axis=1), lambda x: np.nansum(x, axis=1), [_X], True),
    "nansum[none]": (lambda o, x: o.nansum(x), np.nansum, [_X], True),
    "nansum[int]": (lambda o, x: o.nansum(x, axis=0), lambda x: x.sum(0), [_INTS], False),
    "nanprod": (lambda o, x: o.nanprod(x, axis=1), lambda x: np.nanprod(x, axis=1), [_X], True),
    "nanprod[keepdims]": (lambda o, x: o.nanprod(x, axis=-1, keepdims=True),
                          lambda x: np.nanprod(x, axis=-1, keepdims=True), [_X], True),
    "nanmean": (lambda o, x: o.nanmean(x, axis=1), _all_nan_to(None, lambda x: np.nanmean(x, 1)),
                [_X], False),
    "nanmean[grad]": (lambda o, x: o.nanmean(x, axis=0), lambda x: np.nanmean(x, 0),
                      [_X[1:]], True),
    "nanmean[none]": (lambda o, x: o.nanmean(x), np.nanmean, [_X], True),
    "nanmean[int]": (lambda o, x: o.nanmean(x, axis=1), lambda x: x.mean(1), [_INTS], False),
    "nanvar": (lambda o, x: o.nanvar(x, axis=1), _all_nan_to(None, lambda x: np.nanvar(x, 1)),
               [_X], False),
    "nanvar[grad]": (lambda o, x: o.nanvar(x, axis=1, keepdims=True),
                     lambda x: np.nanvar(x, 1, keepdims=True), [_X[1:]], True),
    "nanstd": (lambda o, x: o.nanstd(x, axis=1), _all_nan_to(None, lambda x: np.nanstd(x, 1)),
               [_X], False),
    "nanstd[grad]": (lambda o, x: o.nanstd(x), np.nanstd, [_X[1:]], True),
    "nanmax": (lambda o, x: o.nanmax(x, axis=1), _all_nan_to(None, lambda x: np.nanmax(x, 1)),
               [_X], False),
    "nanmax[grad]": (lambda o, x: o.nanmax(x, axis=0), lambda x: np.nanmax(x, 0), [_X[1:]],
                     True),
    "nanmax[inf]": (lambda o, x: o.nanmax(x), np.nanmax, [_EDGES], False),
    "nanmax[int]": (lambda o, x: o.nanmax(x, axis=1), lambda x: x.max(1), [_INTS], False),
    "nanmin": (lambda o, x: o.nanmin(x, axis=-1, keepdims=True),
               _all_nan_to(None, lambda x: np.nanmin(x, -1, keepdims=True)), [_X], False),
    "nanmin[grad]": (lambda o, x: o.nanmin(x), np.nanmin, [_X[1:]], True),
    "nanargmax": (lambda o, x: o.nanargmax(x, axis=1),
                  _all_nan_to(-1, lambda x: np.nanargmax(np.where(np.isnan(x).all(1)[:, None],
                                                                  0.0, x), 1)), [_X], False),
    "nanargmax[none]": (lambda o, x: o.nanargmax(x), np.nanargmax, [_X], False),
    "nanargmax[keepdims]": (lambda o, x: o.nanargmax(x, keepdims=True),
                            lambda x: np.nanargmax(x, keepdims=True), [_X], False),
    "nanargmin": (lambda o, x: o.nanargmin(x, axis=1),
                  _all_nan_to(-1, lambda x: np.nanargmin(np.where(np.isnan(x).all(1)[:, None],
                                                                  0.0, x), 1)), [_X], False),
    "nanargmin[axis0]": (lambda o, x: o.nanargmin(x, axis=0, keepdims=True),
                         lambda x: np.nanargmin(x, axis=0, keepdims=True), [_X[1:]], False),
    "nancumsum": (lambda o, x: o.nancumsum(x, axis=1), lambda x: np.nancumsum(x, axis=1), [_X],
                  True),
    "nancumsum[none]": (lambda o, x: o.nancumsum(x), np.nancumsum, [_X], True),
    "nancumsum[int]": (lambda o, x: o.nancumsum(x, axis=0), lambda x: np.cumsum(x, 0), [_INTS],
                       False),
    "nancumprod": (lambda o, x: o.nancumprod(x, axis=-1), lambda x: np.nancumprod(x, axis=-1),
                   [_X], True),
}
