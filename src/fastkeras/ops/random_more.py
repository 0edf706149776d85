"""keras.random's derived draws: randint, truncated_normal, categorical, shuffle, gamma, beta,
binomial. Each is built from the `random` primitive's uniform/normal draws (ops/random.py)
and ordinary ops, so it records into a traced step like uniform does (a SeedGenerator gives
new numbers every step) and a seed gives the same numbers on every backend.

Uniform draws are 24-bit (multiples of 2**-24 in [0, 1)); where that resolution would bias
a result, two draws are joined into 48 bits (randint, shuffle's sort keys)."""

from __future__ import annotations

import math

import numpy as np

from ..graph import Tensor
from .activations import erf
from .core import convert, dtype_name, shape_of, standardize_dtype
from .nn import sigmoid
from .numpy import (add, argmax, cast, divide, equal, exp, expand_dims, greater, log, maximum,
                    minimum, multiply, negative, reshape, sign, sqrt, square, subtract, sum,
                    take, transpose)
from .random import draws, float_dtype

_TWO24 = float(2 ** 24)
# Marsaglia-Tsang accepts a candidate with probability >= 0.951 (at alpha = 1, more above),
# so all of 12 independent candidates fail with probability < 0.049**12 < 2e-16 an element.
_GAMMA_CANDIDATES = 12
# Largest intermediate a traced composite may build (elements): shuffle's pairwise ranks,
# binomial's trials. Beyond it the draw is refused rather than exhausting memory.
_MAX_ELEMENTS = 2 ** 24


def _shape(shape):
    return tuple(int(d) for d in shape)


def _concrete(value, what):
    """`value` as a NumPy array; these arguments size or validate the draw, so they must
    be known when it is built."""
    if isinstance(value, Tensor):
        raise NotImplementedError(f"fastkeras needs `{what}` as a number or array, not a "
                                  "symbolic tensor")
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval). Two 24-bit uniforms make a 48-bit integer M and
    the result is minval + floor(M * range / 2**48), computed exactly in float64 (every
    intermediate below 2**53) as floor((m1 * range + floor(m2 * range / 2**24)) / 2**24)."""
    if dtype and not dtype_name(dtype).startswith(("int", "uint")):
        raise ValueError("`keras.random.randint` requires an integer `dtype`. "
                         f"Received: dtype={dtype} ")
    dtype = standardize_dtype(dtype or "int32")
    if dtype not in ("int32", "int64"):
        raise NotImplementedError(f"keras.random.randint draws int32 or int64; dtype={dtype!r}"
                                  " is not supported yet by fastkeras")
    low, high = int(_concrete(minval, "minval")), int(_concrete(maxval, "maxval"))
    span = high - low
    if span <= 0:
        raise ValueError("`keras.random.randint` needs minval < maxval. Received: "
                         f"minval={minval}, maxval={maxval}")
    info = np.iinfo(dtype)
    if low < info.min or high - 1 > info.max:
        raise ValueError(f"`keras.random.randint`: [{low}, {high}) does not fit {dtype}")
    if span > 2 ** 28:
        raise NotImplementedError("keras.random.randint draws ranges of at most 2**28 integers "
                                  f"exactly; maxval - minval = {span}")
    u1, u2 = draws(seed, (shape, "uniform"), (shape, "uniform"))
    m1 = multiply(cast(u1, "float64"), _TWO24)  # integers in [0, 2**24), exact
    m2 = multiply(cast(u2, "float64"), _TWO24)
    low_part = cast(cast(multiply(m2, span / _TWO24), "int64"), "float64")  # floor: >= 0
    total = add(multiply(m1, float(span)), low_part)
    k = cast(cast(multiply(total, 1.0 / _TWO24), "int64"), "float64")
    return cast(add(k, float(low)), dtype)


def _erfinv(w):
    """erf's inverse for |w| <= erf(sqrt(2)): Winitzki's closed form (error ~2e-3), then
    Newton steps on erf, each squaring the error; three reach float32's precision."""
    a = 0.147
    ln = log(subtract(1.0, square(w)))
    t = add(2.0 / (math.pi * a), multiply(ln, 0.5))
    y = multiply(sign(w), sqrt(subtract(sqrt(subtract(square(t), multiply(ln, 1.0 / a))), t)))
    for _ in range(3):
        slope_inv = multiply(exp(square(y)), math.sqrt(math.pi) / 2.0)
        y = subtract(y, multiply(subtract(erf(y), w), slope_inv))
    return y


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A normal restricted to within 2 stddev of the mean: the inverse CDF of a uniform
    draw over the normal CDF's values on [-2, 2] — the same distribution as re-drawing
    the values outside, without a loop."""
    float_dtype(dtype, "truncated_normal")
    (u,) = draws(seed, (shape, "uniform"))
    edge = math.erf(2.0 / math.sqrt(2.0))
    w = multiply(subtract(multiply(u, 2.0), 1.0), edge)  # uniform on [-edge, edge)
    z = minimum(maximum(multiply(_erfinv(w), math.sqrt(2.0)), -2.0), 2.0)  # rounding only
    return add(multiply(z, float(stddev)), float(mean))


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices per row of `logits` (batch, classes): Gumbel-max, the
    argmax of logits + Gumbel noise, with the noise -log(E) of exponential draws E."""
    logits = convert(logits, "float32")
    if len(shape_of(logits)) != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]."
                         f" Received: logits={logits}")
    dtype = standardize_dtype(dtype)
    batch, classes = shape_of(logits)
    (u,) = draws(seed, ((batch, int(num_samples), classes), "uniform"))
    # E = -log(1 - u) >= 0; floored at 2**-25 (u == 0, probability 2**-24) so no score is inf.
    e = maximum(negative(log(subtract(1.0, u))), 2.0 ** -25)
    scores = subtract(expand_dims(logits, 1), log(e))
    return cast(argmax(scores, axis=-1), dtype)


def _sort_keys(shape, seed):
    """Two independent 24-bit keys an element: sorting by (k1, k2, index) is a uniform
    random permutation up to 48-bit ties."""
    return draws(seed, (shape, "uniform"), (shape, "uniform"))


def shuffle(x, axis=0, seed=None):
    """Each 1-D slice of `x` along `axis` permuted independently (Keras-JAX's
    jax.random.permutation(independent=True)): the stable sort order of random keys.
    Eagerly NumPy sorts; traced, the graph has no sort, so each element's rank is counted
    from pairwise comparisons (n * n per slice) and the slice gathered by rank."""
    x = convert(x)
    shape = tuple(shape_of(x))
    if not shape:
        raise ValueError("`keras.random.shuffle` needs a tensor with at least one axis")
    axis = axis % len(shape)
    k1, k2 = _sort_keys(shape, seed)
    if not any(isinstance(v, Tensor) for v in (x, k1, k2)):
        order = np.lexsort((np.moveaxis(k2, axis, -1), np.moveaxis(k1, axis, -1)), axis=-1)
        return np.moveaxis(np.take_along_axis(np.moveaxis(x, axis, -1), order, -1), -1, axis)
    perm = [i for i in range(len(shape)) if i != axis] + [axis]
    moved = tuple(shape[i] for i in perm)
    n, slices = moved[-1], math.prod(moved[:-1])
    if slices * n * n > _MAX_ELEMENTS:
        raise NotImplementedError(f"keras.random.shuffle in a traced step ranks by pairwise "
                                  f"comparison: {slices} slices of {n} elements ask "
                                  f"{slices * n * n} > {_MAX_ELEMENTS}")
    k1, k2 = (transpose(k, perm) for k in (k1, k2))
    mine = lambda k: expand_dims(k, -1)  # noqa: E731 - element i along axis -2
    other = lambda k: expand_dims(k, -2)  # noqa: E731 - element j along axis -1
    as_f = lambda b: cast(b, "float32")  # noqa: E731
    index = np.arange(n, dtype=np.float32)
    earlier = (index[None, :] < index[:, None]).astype(np.float32)  # [i, j] = j < i
    # j sorts before i: k1_j < k1_i, or equal and k2_j < k2_i, or both equal and j < i.
    tie1 = as_f(equal(other(k1), mine(k1)))
    tie2 = as_f(equal(other(k2), mine(k2)))
    before = add(as_f(greater(mine(k1), other(k1))),
                 multiply(tie1, add(as_f(greater(mine(k2), other(k2))), multiply(tie2, earlier))))
    rank = sum(before, axis=-1)  # (..., n): the output position of element i
    # The source of output position p: the i whose rank is p.
    source = sum(multiply(as_f(equal(expand_dims(rank, -2), index[:, None])), index), axis=-1)
    offsets = (np.arange(slices, dtype=np.float32) * n).reshape(moved[:-1] + (1,))
    flat = cast(add(source, offsets), "int32")
    gathered = reshape(take(reshape(transpose(x, perm), (-1,)), reshape(flat, (-1,))), moved)
    return transpose(gathered, list(np.argsort(perm)))


def _gamma_requests(shape):
    """The draws one gamma sample needs: candidate normals and uniforms, a boost uniform."""
    candidates = (_GAMMA_CANDIDATES,) + shape
    return (candidates, "normal"), (candidates, "uniform"), (shape, "uniform")


def _log_gamma(alpha, z, u, boost_u):
    """log of Gamma(alpha, 1) draws by Marsaglia-Tsang: candidates d * v with
    v = (1 + c z)**3, z normal, d = alpha - 1/3, c = 1 / sqrt(9 d), accepted when
    v > 0 and log(u) < z**2 / 2 + d - d v + d log v; the first accepted of
    _GAMMA_CANDIDATES wins (if none is, d: probability < 2e-16). alpha < 1 draws
    Gamma(alpha + 1) times u**(1 / alpha). In logs, so that beta's ratio of two tiny
    draws is never 0 / 0."""
    if not isinstance(alpha, Tensor):
        values = _concrete(alpha, "alpha")
        if not np.all(values > 0):
            raise ValueError(f"keras.random's gamma and beta need positive parameters. "
                             f"Received: {alpha}")
    alpha = convert(alpha, "float32")
    boost = _as_float(greater(1.0, alpha))
    d = subtract(add(alpha, boost), 1.0 / 3.0)
    c = divide(1.0, sqrt(multiply(d, 9.0)))
    v = add(multiply(c, z), 1.0)
    v = multiply(square(v), v)
    log_v = log(maximum(v, 1e-30))  # finite where v <= 0 (those are rejected)
    bound = add(multiply(square(z), 0.5), multiply(d, add(subtract(1.0, v), log_v)))
    accepted = multiply(_as_float(greater(v, 0.0)),
                        _as_float(greater(bound, log(subtract(1.0, u)))))  # 1 - u in (0, 1]
    chosen = 0.0  # log v of the fallback v = 1
    for k in range(_GAMMA_CANDIDATES - 1, -1, -1):  # backwards: the first accepted wins
        chosen = add(multiply(accepted[k], log_v[k]),
                     multiply(subtract(1.0, accepted[k]), chosen))
    boosted = multiply(boost, divide(log(subtract(1.0, boost_u)), alpha))
    return add(add(log(d), chosen), boosted)


def _as_float(b):
    return cast(b, "float32")


def gamma(shape, alpha, dtype=None, seed=None):
    """Gamma(alpha, scale 1) draws (Marsaglia-Tsang, see _log_gamma_draw)."""
    float_dtype(dtype, "gamma")
    return exp(_log_gamma(alpha, *draws(seed, *_gamma_requests(_shape(shape)))))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Beta(alpha, beta) draws: X / (X + Y) of Gamma(alpha) and Gamma(beta) draws, computed
    as sigmoid(log X - log Y)."""
    float_dtype(dtype, "beta")
    requests = _gamma_requests(_shape(shape))
    drawn = draws(seed, *requests, *requests)  # one seed draw for both gammas
    log_x = _log_gamma(alpha, *drawn[:3])
    log_y = _log_gamma(beta, *drawn[3:])
    return sigmoid(subtract(log_x, log_y))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Binomial(counts, probabilities) draws as the number of uniform draws below the
    probability among `counts` trials: max(counts) * size(shape) uniforms, so at most
    2**24 of them."""
    float_dtype(dtype, "binomial")
    shape = _shape(shape)
    n = _concrete(counts, "counts").astype(np.float64)
    if np.any(n < 0) or np.any(n != np.floor(n)):
        raise ValueError(f"`keras.random.binomial` needs non-negative integer counts. "
                         f"Received: counts={counts}")
    if not isinstance(probabilities, Tensor):
        p = _concrete(probabilities, "probabilities")
        if np.any(p < 0) or np.any(p > 1):
            raise ValueError("`keras.random.binomial` needs probabilities in [0, 1]. "
                             f"Received: probabilities={probabilities}")
    try:
        n = np.broadcast_to(n, shape)
    except ValueError:
        raise ValueError(f"`keras.random.binomial`: counts of shape {np.shape(n)} do not "
                         f"broadcast to shape {shape}") from None
    trials = int(n.max()) if n.size else 0
    if trials * max(math.prod(shape), 1) > _MAX_ELEMENTS:
        raise NotImplementedError(f"keras.random.binomial sums Bernoulli trials: counts up to "
                                  f"{trials} over shape {shape} ask more than {_MAX_ELEMENTS}")
    if trials == 0:
        return np.zeros(shape, np.float32)
    (u,) = draws(seed, ((trials,) + shape, "uniform"))
    success = _as_float(greater(convert(probabilities, "float32"), u))
    if np.any(n != trials):  # rows j >= counts are not trials of that element
        in_count = (np.arange(trials).reshape((trials,) + (1,) * len(shape)) < n)
        success = multiply(success, in_count.astype(np.float32))
    return sum(success, axis=0)


__all__ = ["beta", "binomial", "categorical", "gamma", "randint", "shuffle",
           "truncated_normal"]
