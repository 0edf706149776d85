"""Differences, windows and sums along an axis (keras.ops diff, trapezoid, correlate, corrcoef,
cdist, vander, bartlett, blackman, hamming, hanning, kaiser, histogram, extract_sequences).

Sliding windows (correlate, extract_sequences) are gathers with a constant index matrix,
so NaN and inf stay where they are and the gradient is the gathers' scatter. Integer
inputs give float32, as Keras-JAX, except diff and vander, which keep ints (computed in
float64 and cast back: exact below 2**53)."""

from __future__ import annotations

import numpy as np

from ..graph import Tensor, Variable, bind
from .core import convert, dtype_of, promote, shape_of
from .numpy import (add, cast, clip, concatenate, divide, expand_dims, greater,
                    greater_equal, matmul, mean, multiply, not_equal, reshape, sqrt, square,
                    subtract, sum as _sum, take, transpose)
from .reductions import _axes, _cast_back, _exact_dtype, _float, cumprod
from .special import i0

__all__ = ["diff", "trapezoid", "correlate", "corrcoef", "cdist", "vander", "bartlett",
           "blackman", "hamming", "hanning", "kaiser", "histogram", "extract_sequences"]


def _slice(x, axis, start, stop):
    return bind("slice", x, axis=axis, start=start, stop=stop)


def _neighbours(x, axis):
    """(x[1:], x[:-1]) along `axis`."""
    n = shape_of(x)[axis]
    return _slice(x, axis, 1, n), _slice(x, axis, 0, n - 1)


# ---- differences and sums ---------------------------------------------------------------------

def diff(a, n=1, axis=-1):
    """The n-th discrete difference along `axis` (keras.ops.diff): a[1:] - a[:-1], n times.
    Bools give a[1:] != a[:-1], as NumPy; ints stay ints. n past the length gives an empty
    axis."""
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n}")
    x = convert(a)
    shape = shape_of(x)
    axis = _axes(axis, len(shape))[0]
    if n >= shape[axis] and n:  # nothing left: an empty axis (no zero-size kernels)
        empty = list(shape)
        empty[axis] = 0
        return np.zeros(empty, dtype_of(x))
    if dtype_of(x) == "bool":
        for _ in range(n):
            x = not_equal(*_neighbours(x, axis))
        return x
    x, out = _exact_dtype(x)
    for _ in range(n):
        x = subtract(*_neighbours(x, axis))
    return _cast_back(x, out)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y by the trapezoid rule along `axis` (keras.ops.trapezoid): sample
    spacing `dx`, or the differences of the sample points `x` (1-D along `axis`, or y's
    shape). Ints give float32."""
    y = _float(y)
    shape = shape_of(y)
    axis = _axes(axis, len(shape))[0]
    later, earlier = _neighbours(y, axis)
    heights = divide(add(later, earlier), 2.0)
    if x is None:
        return _sum(multiply(heights, dx), axis=axis)
    (x,) = promote(x, float_only=True)
    if len(shape_of(x)) == 1:
        steps = diff(x)
        steps = reshape(steps, tuple(-1 if i == axis else 1 for i in range(len(shape))))
    else:
        steps = diff(x, axis=axis)
    return _sum(multiply(heights, steps), axis=axis)


# ---- correlations and distances ---------------------------------------------------------------

_MODES = ("full", "same", "valid")


def correlate(x1, x2, mode="valid"):
    """The cross-correlation of two 1-D tensors (keras.ops.correlate, numpy's definition:
    c[k] = sum_n x1[n + k] * x2[n]) in mode 'valid' (length |n - m| + 1), 'same' (max(n, m))
    or 'full' (n + m - 1). Windows of the zero-padded x1 are gathered and weighted by x2.
    Ints give float32."""
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {sorted(_MODES)}")
    a, v = promote(x1, x2, float_only=True)
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError("correlate: `x1` and `x2` must be 1-D; received shapes "
                         f"{shape_of(a)} and {shape_of(v)}")
    n, m = shape_of(a)[0], shape_of(v)[0]
    if n == 0 or m == 0:
        raise ValueError("correlate: `x1` and `x2` cannot be empty")
    if m > 1:
        a = bind("pad", a, axis=0, before=m - 1, after=m - 1)
    if mode == "full":
        start, length = 0, n + m - 1
    elif mode == "valid":
        start, length = min(m, n) - 1, abs(n - m) + 1
    else:  # numpy's centring of the 'same' output within the full one
        start, length = ((m - 1) // 2 if n >= m else n // 2), max(n, m)
    index = np.arange(start, start + length)[:, None] + np.arange(m)[None, :]
    windows = take(a, index.astype("int32"))  # (length, m)
    return _sum(multiply(windows, v), axis=1)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of x (variables, observations), or 1
    for a 1-D x (keras.ops.corrcoef), clipped to [-1, 1] as NumPy. Ints give float32."""
    x = _float(x)
    rank = len(shape_of(x))
    if rank > 2:
        raise ValueError(f"corrcoef: `x` must be 1-D or 2-D; received shape {shape_of(x)}")
    rows = x if rank == 2 else reshape(x, (1, -1))
    centred = subtract(rows, mean(rows, axis=1, keepdims=True))
    # the 1/(N - 1) of the covariance cancels out of the ratio
    products = matmul(centred, transpose(centred))
    spread = sqrt(_sum(square(centred), axis=1))
    c = divide(divide(products, expand_dims(spread, 1)), expand_dims(spread, 0))
    c = clip(c, -1.0, 1.0)
    return reshape(c, ()) if rank == 1 else c


def cdist(x, y):
    """Euclidean distances between the rows of x (..., P, M) and y (..., R, M): (..., P, R)
    (keras.ops.cdist). The gradient at a zero distance is NaN, as Keras-JAX."""
    a, b = promote(x, y, float_only=True)
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) < 2 or len(sb) < 2:
        raise ValueError("`cdist` inputs must have rank >= 2")
    if sa[-1] != sb[-1]:
        raise ValueError("Last dimension of inputs to `cdist` must match")
    gaps = subtract(expand_dims(a, -2), expand_dims(b, -3))
    return sqrt(_sum(square(gaps), axis=-1))


def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's name
    """The Vandermonde matrix of a 1-D x: columns x**(N-1), ..., x, 1 (increasing=False) or
    1, x, ..., x**(N-1), as running products (keras.ops.vander); ints stay ints."""
    x = convert(x)
    if len(shape_of(x)) != 1:
        raise ValueError("Input tensor must be 1-dimensional. "
                         f"Received: input.shape={shape_of(x)}")
    if N is not None and (isinstance(N, bool) or not isinstance(N, (int, np.integer))):
        raise TypeError(f"Argument `N` must be of type `int`. Received: N={N} of type "
                        f"{type(N)}")
    if N is not None and N < 0:
        raise ValueError(f"Argument 'N' must be nonnegative. Received: N={N}")
    if not isinstance(increasing, bool):
        raise TypeError("Argument `increasing` must be of type `bool`. "
                        f"Received: increasing={increasing} of type {type(increasing)}")
    if dtype_of(x) == "bool":
        raise TypeError("vander: bool tensors have no powers; cast `x` to a number first")
    count = shape_of(x)[0]
    N = count if N is None else int(N)
    if N == 0:
        return np.zeros((count, 0), dtype_of(x))
    x, out = _exact_dtype(x)
    column = expand_dims(x, 1)
    factors = concatenate([np.ones((count, 1), dtype_of(x))] +
                          [column] * (N - 1), axis=1)
    powers = cumprod(factors, axis=1)
    if not increasing:
        powers = take(powers, np.arange(N - 1, -1, -1, dtype="int32"), axis=1)
    return _cast_back(powers, out)


# ---- windows (constants) ------------------------------------------------------------------------

def _window(name, x, formula):
    """formula(t) at t = 2 n / (M - 1) - 1 in [-1, 1], n = 0..M-1, float64 rounded to
    float32 (NumPy's windows). M < 1 gives an empty window, M == 1 gives [1]."""
    if isinstance(x, (Tensor, Variable)):
        raise TypeError(f"{name} operation does not support symbolic tensors. "
                        f"Received input x = {x} of type {type(x)}")
    size = int(np.asarray(x))
    if size < 1:
        return np.zeros((0,), "float32")
    if size == 1:
        return np.ones((1,), "float32")
    t = 2.0 * np.arange(size) / (size - 1) - 1.0
    return np.asarray(formula(t), "float64").astype("float32")


def _cosine_sum(*weights):
    """sum_k (-1)**k w_k cos(k pi (t + 1)): the cosine-sum windows."""
    def formula(t):
        return sum((-1) ** k * w * np.cos(k * np.pi * (t + 1.0)) for k, w in enumerate(weights))
    return formula


def bartlett(x):
    """The triangular window 1 - |t| of length x (keras.ops.bartlett), float32."""
    return _window("Bartlett", x, lambda t: 1.0 - np.abs(t))


def blackman(x):
    """The Blackman window 0.42 - 0.5 cos + 0.08 cos (keras.ops.blackman), float32."""
    return _window("Blackman", x, _cosine_sum(0.42, 0.5, 0.08))


def hamming(x):
    """The Hamming window 0.54 - 0.46 cos (keras.ops.hamming), float32."""
    return _window("Hamming", x, _cosine_sum(0.54, 0.46))


def hanning(x):
    """The Hann window 0.5 - 0.5 cos (keras.ops.hanning), float32."""
    return _window("Hanning", x, _cosine_sum(0.5, 0.5))


def kaiser(x, beta):
    """The Kaiser window i0(beta sqrt(1 - t**2)) / i0(beta) (keras.ops.kaiser), float32,
    with this module's i0 in float64."""
    beta = float(beta)
    return _window("Kaiser", x, lambda t: np.asarray(i0(beta * np.sqrt(1.0 - t * t)))
                   / float(i0(np.float64(beta))))


# ---- histogram and frames --------------------------------------------------------------------

def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's name
    """(counts, edges) of a 1-D x in `bins` equal bins over `range` (default: x's min and max,
    which needs a concrete x), keras.ops.histogram: bins are half-open except the last,
    values outside are not counted. Counts and edges are float32, as Keras-JAX. Traced, pass
    `range`."""
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError("bins must be of type `int`")
    if bins < 0:
        raise ValueError("`bins` should be a non-negative integer")
    if range is not None:
        if not isinstance(range, tuple) or len(range) != 2:
            raise ValueError("range must be a tuple of two elements")
        if range[1] < range[0]:
            raise ValueError("The second element of range must be greater than the first")
    x = _float(x)
    if len(shape_of(x)) != 1:
        raise ValueError("Input tensor must be 1-dimensional")
    if range is None:
        if isinstance(x, (Tensor, Variable)):
            raise ValueError("histogram of a traced tensor needs `range`: the bin edges "
                             "cannot depend on the data inside a graph")
        values = np.asarray(x, "float64")
        lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 1.0)
    else:
        lo, hi = float(range[0]), float(range[1])
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1).astype(dtype_of(x))
    # at_least[i]: how many values are >= edges[i]; the last bin also takes x == edges[-1]
    at_least = _sum(cast(greater_equal(expand_dims(x, 1), edges), "float32"), axis=0)
    beyond = _sum(cast(greater(x, edges[-1]), "float32"), axis=0, keepdims=True)
    upper = concatenate([_slice(at_least, 0, 1, bins), beyond], 0)
    return subtract(_slice(at_least, 0, 0, bins), upper), edges.astype("float32")


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples every `sequence_stride` along the last axis:
    (..., L) gives (..., 1 + (L - length) // stride, length) (keras.ops.extract_sequences);
    the frames are one gather."""
    x = convert(x)
    shape = shape_of(x)
    if len(shape) < 1:
        raise ValueError(f"Input should have rank >= 1. Received: input.shape = {shape}")
    length, stride = int(sequence_length), int(sequence_stride)
    if length < 1 or stride < 1:
        raise ValueError("extract_sequences: `sequence_length` and `sequence_stride` must be "
                         f"positive; received {sequence_length} and {sequence_stride}")
    frames = (shape[-1] - length) // stride + 1
    if frames < 1:
        raise ValueError(f"extract_sequences: sequence_length={length} is longer than the "
                         f"signal ({shape[-1]} samples)")
    index = np.arange(frames)[:, None] * stride + np.arange(length)[None, :]
    return take(x, index.astype("int32"), axis=-1)

