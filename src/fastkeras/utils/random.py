"""Seeding. `set_random_seed(s)` makes weight initialisation and shuffling reproducible:
every draw comes from one NumPy generator reseeded here, in creation order."""

import numpy as np

_generator = np.random.default_rng()


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global RNG and fastkeras's own generator."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, received: seed={seed!r}")
    import random  # deferred: Python's random pulls in hashlib and friends
    random.seed(int(seed))
    np.random.seed(int(seed) % (2**32))
    _generator = np.random.default_rng(int(seed))


def generator() -> np.random.Generator:
    return _generator


def make_generator(seed=None) -> np.random.Generator:
    """A generator for an explicit `seed`, else a child of the global one."""
    if seed is None:
        return np.random.default_rng(_generator.integers(0, 2**63))
    return np.random.default_rng(seed)


def generator_state() -> dict:
    """The global generator's state as plain JSON-able values (its bit generator's name and
    state: Python ints and strings), so a checkpoint can carry the shuffling to come."""
    return _generator.bit_generator.state


def set_generator_state(state):
    """Puts back a state from `generator_state()`: the draws that follow are those that
    followed when it was taken. A state of another bit generator kind replaces the
    generator with one of that kind."""
    global _generator
    kind = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(kind, str) or not hasattr(np.random, kind):
        raise ValueError(f"Not a NumPy bit generator state: {state!r}")
    if kind != type(_generator.bit_generator).__name__:
        _generator = np.random.Generator(getattr(np.random, kind)())
    _generator.bit_generator.state = state
