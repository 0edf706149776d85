"""random: counter-based random numbers, the same bits on every backend.

    random(counter) -> (shape) float32
      key     = mix(mix(mix(seed) ^ counter) ^ stream)        (64 bits, once per call)
      bits(i) = h(h(i + lo(key)) ^ hi(key))                  (32 bits per element)
      uniform: (bits(i) >> 8) * 2**-24                       in [0, 1), exact in float32
      dropout: (bits(i) >> 8) >= ceil(rate * 2**24) ? float32(1 / (1 - rate)) : 0
               (the scaled keep mask of Dropout: kept with probability 1 - rate)
      normal:  u1 = ((bits(2i) >> 8) + 1) * 2**-24          in (0, 1]
               u2 = (bits(2i + 1) >> 8) * 2**-24
               sqrt(-2 log u1) * cos(2 pi u2)                (in double, rounded once)
    mix(z) is SplitMix64's step: z += G; z = (z ^ z >> 30) * M1; z = (z ^ z >> 27) * M2;
    z ^ z >> 31, with G = 0x9E3779B97F4A7C15, M1 = 0xBF58476D1CE4E5B9, M2 = 0x94D049BB133111EB.
    h(x) is the 32-bit "lowbias32" hash: x ^= x >> 16; x *= 0x7FEB352D; x ^= x >> 15;
    x *= 0x846CA68B; x ^= x >> 16. All arithmetic is unsigned and wraps. The per-element
    part is 32-bit so that it vectorises on AVX2 (no 64-bit multiply there); four 32-bit
    multiplies an element (a fifth, i * golden ratio, added nothing the hash does not do).

`counter` is an int64 scalar: a SeedGenerator's state, incremented once per step, so each
step draws new numbers and a step's numbers depend only on (seed, counter, stream, i) —
never on the backend, the thread count or how the elements are split between threads.
`stream` tells apart the draws of one step (two dropout calls of one trace).

Native encoding: ints (seed, stream, kind, threshold) — kind 0 uniform, 1 normal, 2 dropout,
threshold = ceil(rate * 2**24); floats (scale,) = float32(1 / (1 - rate)) for dropout.
"""

from __future__ import annotations

import numpy as np

from ..primitive import Primitive, register

_G = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
DISTRIBUTIONS = ("uniform", "normal", "dropout")


def dropout_threshold(rate):
    """The least 24-bit draw that is kept: u >= rate exactly, u on the 2**-24 grid."""
    return int(np.ceil(float(rate) * 2 ** 24))


def mix(z):
    """SplitMix64's step on uint64 arrays (wrapping arithmetic)."""
    z = z + _G
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def stream_key(seed, counter, stream):
    as_u64 = lambda v: np.array([int(v) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64)  # noqa: E731
    return mix(mix(mix(as_u64(seed)) ^ as_u64(counter)) ^ as_u64(stream))[0]


def _h32(x):
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    return x ^ (x >> np.uint32(16))


def _bits(key, n):
    lo = np.uint32(int(key) & 0xFFFFFFFF)
    hi = np.uint32(int(key) >> 32)
    i = np.arange(n, dtype=np.uint64).astype(np.uint32)
    return _h32(_h32(i + lo) ^ hi)


def _random_ref(counter, shape, seed, stream, distribution, rate):
    n = int(np.prod(shape, dtype=np.int64))
    key = stream_key(seed, int(counter), stream)
    if distribution == "uniform":
        u = (_bits(key, n) >> np.uint32(8)).astype(np.float32) * np.float32(2.0 ** -24)
        return u.reshape(shape)
    if distribution == "dropout":
        kept = (_bits(key, n) >> np.uint32(8)) >= dropout_threshold(rate)
        return np.where(kept, np.float32(1.0 / (1.0 - rate)), np.float32(0)).reshape(shape)
    bits = _bits(key, 2 * n)
    u1 = ((bits[0::2] >> np.uint32(8)).astype(np.float64) + 1.0) * 2.0 ** -24
    u2 = (bits[1::2] >> np.uint32(8)).astype(np.float64) * 2.0 ** -24
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return z.astype(np.float32).reshape(shape)


def _random_rule(specs, attrs):
    (shape, dtype), = specs
    if tuple(shape) != () or dtype != "int64":
        raise ValueError(f"random: the counter must be an int64 scalar, got {shape}/{dtype}")
    if attrs["distribution"] not in DISTRIBUTIONS:
        raise ValueError(f"random: distribution must be one of {DISTRIBUTIONS}, got "
                         f"{attrs['distribution']!r}")
    out = tuple(int(d) for d in attrs["shape"])
    if any(d < 0 for d in out):
        raise ValueError(f"random: negative dimension in shape {out}")
    if attrs["distribution"] == "dropout" and not 0 <= attrs["rate"] < 1:
        raise ValueError(f"random: a dropout rate must be in [0, 1), got {attrs['rate']}")
    if np.prod(out, dtype=np.int64) * (2 if attrs["distribution"] == "normal" else 1) >= 2 ** 32:
        raise ValueError(f"random: at most 2**32 numbers per call, shape {out} asks more")
    return [(out, "float32")]


register(Primitive(
    "random", _random_rule, _random_ref,
    attr_defaults={"shape": (), "seed": 0, "stream": 0, "distribution": "uniform", "rate": 0.0},
    native_attrs=lambda a, s: (
        (int(a["seed"]), int(a["stream"]), DISTRIBUTIONS.index(a["distribution"]),
         dropout_threshold(a["rate"]) if a["distribution"] == "dropout" else 0),
        (float(np.float32(1.0 / (1.0 - a["rate"]))) if a["distribution"] == "dropout" else 0.0,)),
    # Element i depends on its flat index in the whole tensor: a shard would redraw rows.
    rows="mixed", doc="counter-based uniform [0, 1), standard normal or dropout-mask float32 numbers"))
