"""keras.random: seeded random draws (the counter-based `random` primitive, ops/random.py).
Keras's categorical, randint, shuffle, truncated_normal, gamma, beta and binomial are not
here yet (docs/api-coverage.md)."""

from ..ops.random import SeedGenerator, dropout, normal, uniform

__all__ = ["SeedGenerator", "dropout", "normal", "uniform"]
