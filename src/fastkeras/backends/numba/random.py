"""random: counter-based float32 numbers, bit for bit those of the C++ kernel
(graph/primitives/random.py has the definition). The 64-bit key is made once per call in
Python (the NumPy reference's stream_key); the per-element hash runs here in uint32."""

from __future__ import annotations

import math

import numpy as np

from ...graph.primitives.random import stream_key
from ._common import jit


# Numba widens uint32 arithmetic to 64 bits: the hash works in int64 and masks every
# product back to 32 bits, which gives the uint32 wrap-around of the definition.
_MASK = 0xFFFFFFFF


@jit
def _h32(x):
    x = x ^ (x >> 16)
    x = (x * 0x7FEB352D) & _MASK
    x = x ^ (x >> 15)
    x = (x * 0x846CA68B) & _MASK
    return x ^ (x >> 16)


@jit
def _bits(lo, hi, i):
    return _h32(_h32((i + lo) & _MASK) ^ hi)


@jit
def _uniform(lo, hi, out):
    for i in range(out.size):
        out[i] = np.float32(_bits(lo, hi, i) >> 8) * np.float32(2.0 ** -24)


@jit
def _dropout(lo, hi, out, threshold, scale):
    for i in range(out.size):
        out[i] = scale if (_bits(lo, hi, i) >> 8) >= threshold else np.float32(0)


@jit
def _normal(lo, hi, out):
    for i in range(out.size):
        b1 = _bits(lo, hi, 2 * i) >> 8
        b2 = _bits(lo, hi, 2 * i + 1) >> 8
        u1 = (np.float64(b1) + 1.0) * 2.0 ** -24
        u2 = np.float64(b2) * 2.0 ** -24
        out[i] = np.float32(math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2))


def random_kernel(prim, ins, outs, attrs, native):
    key = int(stream_key(attrs["seed"], int(ins[0]), attrs["stream"]))
    lo, hi = np.int64(key & 0xFFFFFFFF), np.int64(key >> 32)
    flat = outs[0].reshape(-1)
    if attrs["distribution"] == "normal":
        _normal(lo, hi, flat)
    elif attrs["distribution"] == "dropout":
        ints, floats = native
        _dropout(lo, hi, flat, np.int64(ints[3]), np.float32(floats[0]))
    else:
        _uniform(lo, hi, flat)


KERNELS = {"random": random_kernel}
