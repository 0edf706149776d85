"""Op-table lines (tests/ops/op_table.py format) of fastkeras/ops/special.py."""

import math

import numpy as np

_rng = np.random.default_rng(48)

_erfc = np.vectorize(math.erfc)
_erf = np.vectorize(math.erf)
_EDGES = np.array([-0.0, 0.0, 1.0, -2.5, np.nan, np.inf, -np.inf])
_INTS = np.array([-3, 0, 4, 7], np.int32)


def _erfinv_ref(y):
    """Bisection on math.erf in float64 (60 halvings: to the last bit)."""
    lo, hi = np.full(y.shape, -7.0), np.full(y.shape, 7.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _erf(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    out = (lo + hi) / 2
    out = np.where(np.abs(y) == 1, np.sign(y) * np.inf, out)
    return np.where((np.abs(y) > 1) | np.isnan(y), np.nan, out)


def _i0_ref(x):
    return np.where(np.isinf(x), np.nan, np.i0(np.where(np.isinf(x), 0.0, x)))


def _bincount2d(x, n):
    return np.stack([np.bincount(r, minlength=n) for r in x])


def _saturate_int32(x):
    x = x.astype(np.float64)
    return np.clip(np.nan_to_num(x, nan=0.0, posinf=2 ** 31 - 1, neginf=-2 ** 31),
                   -2 ** 31, 2 ** 31 - 1).astype(np.int32)


TABLE = {
    "erfc": (lambda o, x: o.erfc(x), _erfc, [np.linspace(-5, 9, 24).reshape(4, 6)], True),
    "erfc[edges]": (lambda o, x: o.erfc(x), _erfc, [_EDGES], False),
    "erfc[tail]": (lambda o, x: o.erfc(x), _erfc, [np.array([4.0, 6.0, 9.0, 12.0])], False),
    "erfc[int]": (lambda o, x: o.erfc(x), lambda x: _erfc(x.astype(np.float64)), [_INTS], False),
    "erfinv": (lambda o, x: o.erfinv(x), _erfinv_ref, [_rng.uniform(-0.99, 0.99, (3, 4))], True),
    "erfinv[edges]": (lambda o, x: o.erfinv(x), _erfinv_ref,
                      [np.array([-1.0, 1.0, 0.0, -0.0, 2.0, np.nan, 0.999999, -0.9999])], False),
    "sinc": (lambda o, x: o.sinc(x), np.sinc, [_rng.uniform(-3, 3, (3, 4))], True),
    "sinc[edges]": (lambda o, x: o.sinc(x), np.sinc, [np.array([0.0, -0.0, 0.5, np.nan])],
                    False),
    "i0": (lambda o, x: o.i0(x), np.i0, [_rng.uniform(-6, 6, (3, 4))], True),
    "i0[large]": (lambda o, x: o.i0(x), np.i0, [_rng.uniform(-40, 40, (3, 4))], False),
    "i0[edges]": (lambda o, x: o.i0(x), _i0_ref, [np.array([0.0, -1.0, 14.9, 15.1, 50.0,
                                                              np.nan, np.inf])], False),
    "heaviside": (lambda o, a, b: o.heaviside(a, b), np.heaviside,
                  [_EDGES, np.full(7, 0.25)], False),
    "heaviside[int]": (lambda o, a: o.heaviside(a, 0.5), lambda a: np.heaviside(a, 0.5),
                       [_INTS], False),
    "signbit": (lambda o, x: o.signbit(x), np.signbit, [_EDGES], False),
    "signbit[int]": (lambda o, x: o.signbit(x), np.signbit, [_INTS], False),
    "fmax": (lambda o, a, b: o.fmax(a, b), np.fmax,
             [np.array([1.0, np.nan, np.nan, -2.0, 3.0]),
              np.array([np.nan, 2.0, np.nan, -1.0, -3.0])], False),
    "fmax[grad]": (lambda o, a, b: o.fmax(a, b), np.fmax,
                   [_rng.uniform(-2, 2, (3, 4)), _rng.uniform(-2, 2, (3, 4))], True),
    "fmax[int]": (lambda o, a, b: o.fmax(a, b), np.fmax, [_INTS, _INTS[::-1].copy()], False),
    "fmin": (lambda o, a, b: o.fmin(a, b), np.fmin,
             [np.array([1.0, np.nan, np.nan, -2.0, 3.0]),
              np.array([np.nan, 2.0, np.nan, -1.0, -3.0])], False),
    "fmin[grad]": (lambda o, a, b: o.fmin(a, b), np.fmin,
                   [_rng.uniform(-2, 2, (3, 4)), _rng.uniform(-2, 2, (3, 4))], True),
    "ldexp": (lambda o, x: o.ldexp(x, np.array([3, -2, 0, 5], np.int32)),
              lambda x: np.ldexp(x, np.array([3, -2, 0, 5])),
              [np.array([1.5, -3.0, 0.25, 0.7])], True),
    "ldexp[edges]": (lambda o, x: o.ldexp(x, np.array([3, -2, 0, 130, -140], np.int32)),
                     lambda x: np.ldexp(x, np.array([3, -2, 0, 130, -140])),
                     [np.array([-0.0, np.nan, np.inf, 1e-30, 1e20])], False),
    "ldexp[int]": (lambda o, x, e: o.ldexp(x, e), lambda x, e: np.ldexp(x.astype(np.float32), e),
                   [_INTS, np.array([1, 2, -1, 3], np.int32)], False),
    "isin": (lambda o, a: o.isin(a, np.array([1.0, np.nan, 0.0])),
             lambda a: np.isin(a, np.array([1.0, np.nan, 0.0])), [_EDGES], False),
    "isin[invert]": (lambda o, a: o.isin(a, np.array([[0, 4], [9, 9]], np.int32), invert=True),
                     lambda a: np.isin(a, [0, 4, 9], invert=True), [_INTS.reshape(2, 2)],
                     False),
    "bincount": (lambda o, x: o.bincount(x, minlength=7), lambda x: np.bincount(x, minlength=7),
                 [np.array([0, 1, 1, 3, 6, 3, 3], np.int32)], False),
    "bincount[weights]": (lambda o, w: o.bincount(np.array([0, 1, 1, 3], np.int32), weights=w,
                                                  minlength=5),
                          lambda w: np.bincount([0, 1, 1, 3], weights=w, minlength=5),
                          [np.array([0.5, 1.0, 2.0, 3.0])], True),
    "bincount[2d]": (lambda o, x: o.bincount(x, minlength=4), lambda x: _bincount2d(x, 4),
                     [np.array([[0, 1, 1], [3, 3, 2]], np.int32)], False),
    "saturate_cast": (lambda o, x: o.saturate_cast(x, "int32"), _saturate_int32,
                      [np.array([-1e10, 3e9, 2.5, -7.9, np.nan, np.inf, -np.inf])], False),
    "gcd": (lambda o, a, b: o.gcd(a, b), np.gcd,
            [np.array([12, -18, 0, 0, 1134903170, 7], np.int32),
             np.array([8, 12, 0, -5, 1836311903, 0], np.int32)], False),
    "lcm": (lambda o, a, b: o.lcm(a, b), np.lcm,
            [np.array([4, -6, 0, 21, 7], np.int32), np.array([6, 4, 5, 6, -7], np.int32)], False),
    "real": (lambda o, x: o.real(x), np.real, [_rng.uniform(-2, 2, (3, 4))], True),
    "imag": (lambda o, x: o.imag(x), np.imag, [_EDGES], False),
    "conj": (lambda o, x: o.conj(x), np.conj, [_rng.uniform(-2, 2, (3, 4))], True),
    "conjugate": (lambda o, x: o.conjugate(x), np.conjugate, [_EDGES], False),
    "angle": (lambda o, x: o.angle(x), lambda x: np.arctan2(0.0, x), [_EDGES], False),
    "angle[int]": (lambda o, x: o.angle(x), lambda x: np.angle(x).astype(np.float32), [_INTS],
                   False),
    "isreal": (lambda o, x: o.isreal(x), np.isreal, [_EDGES], False),
}
