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
