"""keras.random: SeedGenerator, uniform, normal, dropout — from the counter-based `random`
primitive (graph/primitives/random.py), so a seed gives the same numbers on every backend.
The draws built from several of these (randint, gamma, ...) are in ops/random_more.py.

A SeedGenerator's state is an int64 counter variable. Each traced step reads it, draws its
numbers from (seed, counter, stream) and increments it once (an effect, after the step's
other ops), so every step draws new numbers; the draws of one step are told apart by
`stream`. Eager draws increment it at once. An integer seed draws the same numbers at every
call (Keras's stateless seeds)."""

from __future__ import annotations

import numpy as np

from ..graph import Variable, bind, current_graph
from ..utils.random import generator
from .core import convert, dtype_name, shape_of, standardize_dtype


class SeedGenerator:
    """Keras 3's keras.random.SeedGenerator(seed=None): a seed and an evolving state."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(generator().integers(0, 2 ** 31))  # set_random_seed makes it repeatable
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self._initial_seed = int(seed)
        self.name = name or "seed_generator"
        self.state = Variable(value=np.array(0, dtype=np.int64), dtype="int64",
                              trainable=False, name="seed_generator_state")

    def draw(self, streams=1):
        """(counter tensor or value, seed, first stream) for one draw in the current trace or
        now, with `streams` consecutive streams (first .. first + streams - 1) for a draw made
        of several primitive calls: eager and traced, they see the same (counter, stream)s."""
        graph = current_graph()
        if graph is None:
            counter = self.state.numpy()
            bind("increment", self.state)
            return counter, self._initial_seed, 0
        root = graph
        while root.parent is not None:
            root = root.parent
        taken = root.notes.setdefault("rng_streams", {})
        stream = taken.get(id(self), 0)
        if stream == 0:
            bind("increment", self.state)  # once per step, after the step's draws
        taken[id(self)] = stream + streams
        # The counter as the step starts (not the read-after-write value, one more): every
        # draw of a step uses the same counter and tells itself apart by `stream`.
        return graph.variable(self.state), self._initial_seed, stream

    def get_config(self):
        return {"seed": self._initial_seed}


def draws(seed, *requests):
    """One draw per (shape, distribution[, rate]) request, each from its own stream of one
    seed draw: the parts of a composite draw (gamma's normals and uniforms) are independent
    and a SeedGenerator moves on once for all of them."""
    if seed is None:
        seed = SeedGenerator()  # a fresh generator: new numbers each call, as Keras
    if isinstance(seed, SeedGenerator):
        counter, seed_value, stream = seed.draw(len(requests))
    else:
        counter, seed_value, stream = np.array(0, np.int64), int(seed), 0
    return [bind("random", counter, shape=tuple(int(d) for d in shape), seed=seed_value,
                 stream=stream + i, distribution=distribution, rate=float(rate[0]) if rate else 0.0)
            for i, (shape, distribution, *rate) in enumerate(requests)]


def _draw(shape, seed, distribution, rate=0.0):
    return draws(seed, (shape, distribution, rate))[0]


def float_dtype(dtype, op="uniform"):
    """The dtype of draw `op`: Keras's ValueError for a non-float one; float32 only here."""
    if dtype is not None and not dtype_name(dtype).startswith(("float", "bfloat")):
        raise ValueError(f"`keras.random.{op}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype}")
    dtype = standardize_dtype(dtype or "float32")
    if dtype != "float32":
        raise NotImplementedError(f"keras.random draws float32 numbers; dtype={dtype!r} is "
                                  "not supported yet by fastkeras")
    return dtype


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    float_dtype(dtype)
    u = _draw(shape, seed, "uniform")
    if minval == 0.0 and maxval == 1.0:
        return u
    return bind("add", bind("multiply", u, np.float32(maxval - minval)), np.float32(minval))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    float_dtype(dtype, "normal")
    z = _draw(shape, seed, "normal")
    if mean == 0.0 and stddev == 1.0:
        return z
    return bind("add", bind("multiply", z, np.float32(stddev)), np.float32(mean))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeros each element with probability `rate` and scales the rest by 1 / (1 - rate).
    The mask is one multiply, which the fusion pass joins to its neighbours."""
    x = convert(inputs)
    if rate == 0.0:
        return x
    if rate >= 1.0:
        return bind("multiply", x, np.float32(0.0))
    shape = tuple(shape_of(x))
    if noise_shape is not None:
        noise_shape = tuple(shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    # The scaled keep mask straight from the generator: one multiply here and one in the
    # backward pass, both fused into their neighbours' programs.
    mask = _draw(noise_shape or shape, seed, "dropout", rate)
    return bind("multiply", x, mask)


__all__ = ["SeedGenerator", "dropout", "normal", "uniform"]
