"""keras.random: seeded random draws. uniform, normal, dropout and SeedGenerator are the
counter-based `random` primitive (ops/random.py); randint, shuffle, truncated_normal,
categorical, gamma, beta and binomial are built from its draws (ops/random_more.py). All of
them work eagerly and inside a traced step, where a SeedGenerator draws new numbers every
step."""

from ..ops.random import SeedGenerator, dropout, normal, uniform
from ..ops.random_more import (beta, binomial, categorical, gamma, randint, shuffle,
                               truncated_normal)

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]
