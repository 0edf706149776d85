"""Special functions and elementwise comparisons built on where (keras.ops erfc, erfinv, sinc,
heaviside, signbit, fmax, fmin, ldexp, i0, isin, bincount, saturate_cast, gcd, lcm and the
complex-number accessors for real tensors).

Float32 special functions are computed in float64 and rounded once. Branches that would
divide by zero or overflow are fed a safe value where they are not taken (the double-where
pattern), so neither a value nor a gradient of the branch not taken leaks."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor, Variable
from .core import convert, dtype_of, promote, shape_of, standardize_dtype, stop_gradient
from .elementwise_math import arctan2, floor, mod, power, sin, where
from .logic import isnan, logical_and, logical_or
from .math_extra import segment_sum
from .activations import erf
from .numpy import (abs as _abs, add, any as _any, cast, clip, divide, equal, exp,
                    expand_dims, greater, less, log, maximum, minimum, multiply, negative,
                    reshape, sqrt, subtract)
from .reductions import _cast_back, _float

__all__ = ["erfc", "erfinv", "sinc", "heaviside", "signbit", "fmax", "fmin", "ldexp", "i0",
           "isin", "bincount", "saturate_cast", "gcd", "lcm", "real", "imag", "conj",
           "conjugate", "angle", "isreal"]

_SQRT_PI = math.sqrt(math.pi)


def _wide(x):
    """(x as a float64 tensor, the float dtype to give back): ints give float32."""
    x = _float(x)
    return cast(x, "float64"), dtype_of(x)


# ---- error function family -----------------------------------------------------------------

_ERFC_SPLIT = 2.5   # below: 1 - erf(x) (erfc(2.5) = 4e-4: at most ~3e-13 relative error)
_ERFC_DEPTH = 40    # continued-fraction terms: ~2e-16 relative error from x = 2.5 on


def _exp_minus_square(x):
    """exp(-x**2) without the rounding of x**2 magnified by the exp: x = hi + (x - hi) with
    hi on a 1/16 grid, hi**2 exact."""
    hi = divide(floor(multiply(x, 16.0)), 16.0)
    lo = multiply(subtract(x, hi), add(x, hi))
    return multiply(exp(negative(multiply(hi, hi))), exp(negative(lo)))


def erfc(x):
    """1 - erf(x) without its cancellation (keras.ops.erfc). |x| < 2.5: 1 - erf(|x|); beyond,
    exp(-x**2) / sqrt(pi) over the continued fraction x + (1/2) / (x + 1 / (x + (3/2) / ...))
    (40 terms); negative x: 2 - erfc(|x|). Computed in float64: float32 results round
    correctly (checked on a grid over [-6, 30]), float64 ones are within ~2e-13 relative for
    |x| < 2.5 and ~1e-15 beyond (until subnormal results). Ints give float32."""
    x, out = _wide(x)
    a = _abs(x)
    near = subtract(1.0, erf(a))
    far_x = clip(a, _ERFC_SPLIT, 40.0)  # erfc(40) underflows to 0: inf needs no terms
    fraction = far_x
    for k in range(_ERFC_DEPTH, 0, -1):
        fraction = add(far_x, divide(k / 2.0, fraction))
    far = divide(_exp_minus_square(far_x), multiply(fraction, _SQRT_PI))
    tail = where(less(a, _ERFC_SPLIT), near, far)
    return _cast_back(where(less(x, 0.0), subtract(2.0, tail), tail), out)


# Giles (2010), "Approximating the erfinv function", single-precision branches.
_GILES_CENTRE = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _horner(coefficients, w):
    p = coefficients[0]
    for c in coefficients[1:]:
        p = add(multiply(p, w), c)
    return p


_ERFINV_STEPS = 4  # from Giles's guess: ~1e-16 down to 1 - |x| = 1e-16


def _erf_slope(y):
    return multiply(2.0 / _SQRT_PI, exp(negative(multiply(y, y))))


def erfinv(x):
    """The inverse of erf (keras.ops.erfinv), in float64: Giles's float32 approximation of
    t = erfinv(|x|), then four Newton steps on erf(t) = |x|, for |x| > 0.5 on
    log(erfc(t)) = log(1 - |x|) instead (1 - |x| is exact there and the log nearly linear,
    so the tail converges and keeps its precision near +-1). The result is a constant plus (x - stop_gradient(x)) / erf'(y): its
    value exactly, its gradient 1 / erf'(y). +-1 give +-inf, |x| > 1 NaN. Float32 results
    round correctly on a fine grid of (-1, 1); in float64 erf(y) matches |x| <= 0.5 to an ulp
    and erfc(|y|) matches 1 - |x| to ~1e-13 relative beyond (erfc's own accuracy)."""
    x, out = _wide(x)
    edge = equal(_abs(x), 1.0)
    safe = where(edge, 0.0, x)
    a = stop_gradient(_abs(safe))
    w = negative(log(multiply(subtract(1.0, a), add(1.0, a))))
    centre = _horner(_GILES_CENTRE, subtract(w, 2.5))
    tail = _horner(_GILES_TAIL, subtract(sqrt(maximum(w, 5.0)), 3.0))
    t = multiply(where(less(w, 5.0), centre, tail), a)
    tail_side, rest = greater(a, 0.5), subtract(1.0, a)
    log_rest = log(where(tail_side, rest, 1.0))
    for _ in range(_ERFINV_STEPS):
        # Newton on erf(t) = a; in the tail on log(erfc(t)) = log(1 - a), nearly linear there
        slope, upper = _erf_slope(t), erfc(t)
        tail_step = multiply(subtract(log(where(tail_side, upper, 1.0)), log_rest),
                             divide(upper, slope))
        centre_step = divide(subtract(a, erf(t)), slope)
        t = add(t, where(tail_side, tail_step, centre_step))
    y = where(less(safe, 0.0), negative(t), t)
    y = add(y, divide(subtract(safe, stop_gradient(safe)), _erf_slope(y)))
    infinity = where(greater(x, 0.0), float("inf"), float("-inf"))  # constants: no gradient
    return _cast_back(where(edge, infinity, y), out)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0 (keras.ops.sinc); ints give float32."""
    x = _float(x)
    zero = equal(x, 0.0)
    scaled = multiply(where(zero, 1.0, x), math.pi)
    return where(zero, 1.0, divide(sin(scaled), scaled))


def i0(x):
    """The modified Bessel function of the first kind, order 0 (keras.ops.i0), in float64:
    |x| <= 15: its power series sum((x/2)**2k / k!**2) (60 terms, all positive); beyond, the
    asymptotic series e**|x| / sqrt(2 pi |x|) * (1 + 1/(8|x|) + 9/(2 (8|x|)**2) + ...) (16
    terms). Float32 results round correctly, float64 ones within ~3e-12 relative; +-inf
    gives NaN, as JAX. Ints give float32."""
    x, out = _wide(x)
    a = _abs(x)
    small = minimum(a, 15.0)
    quarter = multiply(multiply(small, small), 0.25)
    term, series = 1.0, 1.0
    for k in range(1, 60):
        term = divide(multiply(term, quarter), float(k * k))
        series = add(series, term)
    big = maximum(a, 15.0)
    inverse, coefficient, correction = divide(1.0, multiply(big, 8.0)), 1.0, 1.0
    power_of = 1.0
    for k in range(1, 16):
        coefficient *= (2 * k - 1) ** 2 / k
        power_of = multiply(power_of, inverse)
        correction = add(correction, multiply(power_of, coefficient))
    # e**a / sqrt(2 pi a) as (e**(a/2))**2 / ..., so values up to float64's max stay finite
    half = exp(multiply(big, 0.5))
    asymptotic = multiply(divide(half, sqrt(multiply(big, 2 * math.pi))),
                          multiply(half, correction))
    return _cast_back(where(greater(a, 15.0), asymptotic, series), out)


# ---- comparisons -----------------------------------------------------------------------------

def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0, NaN where x1 is NaN
    (keras.ops.heaviside); the result is a float (ints give float32)."""
    a, b = promote(x1, x2, float_only=True)
    step = where(greater(a, 0.0), 1.0, where(less(a, 0.0), 0.0, a))  # NaN stays, 0 for now
    return where(equal(a, 0.0), b, step)


def signbit(x):
    """Whether the sign bit is set (bool), keras.ops.signbit: x < 0, and -0.0 too (its angle
    arctan2(-0.0, -1) is -pi, +0.0's is +pi). A NaN counts as positive (JAX reads the bit of a
    negative NaN: fastkeras cannot)."""
    x = convert(x)
    if dtype_of(x) == "bool":
        return logical_and(x, False)  # False everywhere
    if not dtype_of(x).startswith("float"):
        return less(x, 0)
    return less(arctan2(x, -1.0), 0.0)


def _nan_ignoring(x1, x2, pick):
    """pick(x1, x2), but the other operand where one is NaN (NaN only where both are)."""
    a, b = promote(x1, x2)
    if not dtype_of(a).startswith("float"):  # ints and bools: exact in float64, cast back
        return cast(pick(cast(a, "float64"), cast(b, "float64")), dtype_of(a))
    return where(isnan(b), a, where(isnan(a), b, pick(a, b)))


def fmax(x1, x2):
    """The elementwise max ignoring NaN (keras.ops.fmax); ints stay ints."""
    return _nan_ignoring(x1, x2, maximum)


def fmin(x1, x2):
    """The elementwise min ignoring NaN (keras.ops.fmin); ints stay ints."""
    return _nan_ignoring(x1, x2, minimum)


def ldexp(x1, x2):
    """x1 * 2**x2 for integer x2 (keras.ops.ldexp), as two exact power-of-two factors so
    that 2**x2 alone overflowing (or underflowing) does not spoil a representable result.
    Ints x1 give float32; a float x2 is a TypeError, as Keras."""
    e = convert(x2)
    if dtype_of(e) not in ("int32", "int64"):
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={dtype_of(e)}")
    x = _float(x1)
    e = cast(e, "float64")
    first = floor(divide(e, 2.0))
    factors = [cast(power(2.0, part), dtype_of(x)) for part in (first, subtract(e, first))]
    return multiply(multiply(x, factors[0]), factors[1])


def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 equals some element of x2 (bool, x1's shape), as
    keras.ops.isin: x1 is compared with every element of x2 (memory grows with
    size(x1) * size(x2)); NaN is in nothing. `assume_unique` is only a hint."""
    a, b = promote(x1, x2)
    flat = reshape(b, (-1,))
    found = _any(equal(expand_dims(a, -1), flat), axis=-1)
    if shape_of(flat)[0] == 0:
        found = logical_and(a, False)  # nothing to be in
    return equal(found, False) if invert else found


# ---- counting ------------------------------------------------------------------------------

def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative int occurs in x (keras.ops.bincount), or the sum of its
    `weights`; 1-D x gives (length,), 2-D x one count per row. length is
    max(max(x) + 1, minlength) on concrete x; traced, the data is unknown: `minlength` must be
    given and is the length (larger values are dropped, as segment_sum drops them). Counts
    are int32, weighted sums take the weights' dtype. No sparse output."""
    if sparse:
        raise NotImplementedError("bincount(sparse=True): fastkeras has no sparse tensors")
    x = convert(x)
    if dtype_of(x) not in ("int32", "int64", "bool"):
        raise ValueError(f"bincount: `x` must hold integers; received dtype {dtype_of(x)}")
    rank = len(shape_of(x))
    if rank not in (1, 2):
        raise ValueError(f"bincount: `x` must be 1-D or 2-D; received shape {shape_of(x)}")
    if isinstance(x, (Tensor, Variable)):
        if not minlength or minlength <= 0:
            raise ValueError("bincount of a traced tensor needs `minlength` > 0: the length "
                             "of the output cannot depend on the data inside a graph")
        length = int(minlength)
    else:
        values = np.asarray(x)
        if values.size and values.min() < 0:
            raise ValueError("bincount: `x` must only contain non-negative integers")
        length = max(int(values.max()) + 1 if values.size else 0, int(minlength))
    data = np.ones(shape_of(x), "int32") if weights is None else convert(weights)
    if rank == 1:
        return segment_sum(data, x, num_segments=length)
    rows, cols = shape_of(x)
    # row r's value v counts in segment r * length + v (values past length are dropped)
    ids = cast(x, "float64")
    ids = where(less(ids, float(length)), ids, -1.0)
    offsets = np.arange(rows, dtype="float64")[:, None] * length
    flat_ids = cast(reshape(where(less(ids, 0.0), -1.0, add(ids, offsets)), (-1,)), "int32")
    counts = segment_sum(reshape(data, (-1,)), flat_ids, num_segments=rows * length)
    return reshape(counts, (rows, length))


def largest_float64_int(dtype):
    """The largest value of int `dtype` that float64 holds and casts back without overflow:
    its maximum for int32, 2**63 - 1024 for int64."""
    return min(float(np.iinfo(dtype).max), float(np.nextafter(2.0 ** 63, 0.0)))


def saturate_cast(x, dtype):
    """x cast to `dtype` with values beyond its range clipped to the range first
    (keras.ops.saturate_cast): the clip runs in float64, so the limits of int32 are exact;
    NaN gives 0."""
    dtype = standardize_dtype(dtype)
    x = convert(x)
    if dtype == "bool" or dtype_of(x) == "bool":
        return cast(x, dtype)
    wide = cast(x, "float64")
    if dtype.startswith("int"):
        low, high = float(np.iinfo(dtype).min), largest_float64_int(dtype)
        wide = where(isnan(wide), 0.0, clip(wide, low, high))
    else:
        big = float(np.finfo(dtype).max)
        wide = clip(wide, -big, big)
    return cast(wide, dtype)


def _integers(name, *xs):
    xs = promote(*xs)
    if not all(dtype_of(v) in ("int32", "int64") for v in xs):
        raise ValueError(f"Arguments to {name} must be integers; received dtypes "
                         f"{[dtype_of(v) for v in xs]}")
    return [cast(v, "float64") for v in xs], dtype_of(xs[0])


def _gcd_float64(a, b, out):
    """Euclid's algorithm on |a|, |b| in float64 (exact below 2**53), unrolled for the worst
    case of the dtype (consecutive Fibonacci numbers): 47 steps for int32, 78 for int64."""
    a, b = _abs(a), _abs(b)
    for _ in range(47 if out == "int32" else 78):
        done = equal(b, 0.0)
        a, b = where(done, a, b), where(done, 0.0, mod(a, where(done, 1.0, b)))
    return a


def gcd(x1, x2):
    """The greatest common divisor of ints (keras.ops.gcd), non-negative; gcd(0, 0) = 0."""
    (a, b), out = _integers("gcd", x1, x2)
    return cast(_gcd_float64(a, b, out), out)


def lcm(x1, x2):
    """The least common multiple of ints (keras.ops.lcm), |a| / gcd * |b|; 0 if either is 0."""
    (a, b), out = _integers("lcm", x1, x2)
    g = _gcd_float64(a, b, out)
    zero = equal(g, 0.0)
    return cast(where(zero, 0.0, multiply(divide(_abs(a), where(zero, 1.0, g)), _abs(b))), out)


# ---- complex-number accessors (fastkeras tensors are real) ---------------------------------

def _real(x, name):
    if isinstance(x, (Tensor, Variable)):
        return x
    if np.iscomplexobj(x):
        raise TypeError(f"ops.{name}: fastkeras has no complex dtype; received a complex "
                        "value")
    return convert(x)


def real(x):
    """The real part: x itself (fastkeras tensors are real; complex input is a TypeError)."""
    return _real(x, "real")


def imag(x):
    """The imaginary part of a real tensor: zeros of x's dtype."""
    x = _real(x, "imag")
    return cast(logical_and(x, False), dtype_of(x))  # 0 even where x is NaN or inf


def conjugate(x):
    """The complex conjugate of a real tensor: x itself."""
    return _real(x, "conjugate")


def conj(x):
    """Alias of conjugate."""
    return _real(x, "conj")


def angle(x):
    """The argument of a real number (keras.ops.angle): 0 for x >= +0.0, pi for x < 0 and
    for -0.0 (arctan2(0, x), as JAX); ints and bools give float32."""
    x = _float(_real(x, "angle"))
    return arctan2(0.0, x)


def isreal(x):
    """Whether each element is real: all True for a real tensor (bool, x's shape)."""
    x = _real(x, "isreal")
    return logical_or(isnan(x), True)
