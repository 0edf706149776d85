"""keras.random: the public namespace, seeds, statistics, and draws inside a traced step."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, layers


def test_namespace_is_keras_random():
    for name in ("SeedGenerator", "uniform", "normal", "dropout"):
        assert callable(getattr(keras.random, name))


def test_int_seed_repeats_and_generator_advances():
    a = np.asarray(keras.random.uniform((5,), seed=3))
    b = np.asarray(keras.random.uniform((5,), seed=3))
    np.testing.assert_array_equal(a, b)  # an int seed is stateless: the same numbers
    gen = keras.random.SeedGenerator(3)
    c = np.asarray(keras.random.uniform((5,), seed=gen))
    d = np.asarray(keras.random.uniform((5,), seed=gen))
    assert not np.array_equal(c, d)  # a generator's state moves on at every draw


def test_statistics():
    u = np.asarray(keras.random.uniform((20000,), minval=-2.0, maxval=4.0, seed=1))
    assert u.min() >= -2.0 and u.max() < 4.0 and abs(u.mean() - 1.0) < 0.05
    z = np.asarray(keras.random.normal((20000,), mean=1.0, stddev=3.0, seed=2))
    assert abs(z.mean() - 1.0) < 0.1 and abs(z.std() - 3.0) < 0.1
    x = np.ones((20000,), np.float32)
    kept = np.asarray(keras.random.dropout(x, 0.25, seed=4))
    np.testing.assert_allclose(np.unique(kept), [0.0, 1 / 0.75], rtol=1e-6)
    assert abs((kept == 0).mean() - 0.25) < 0.02


def test_bad_seed_names_it():
    with pytest.raises(ValueError, match="seed"):
        keras.random.SeedGenerator("abc")


class _Noise(layers.Layer):
    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.gen = keras.random.SeedGenerator(seed) if seed is not None else None

    def call(self, x, training=False):
        if training:
            return x + keras.random.normal(keras.ops.shape(x), seed=self.gen)
        return x


def _noise_losses(seed):
    """Per-step losses of a model whose output is pure noise (a frozen SGD(0) step)."""
    model = keras.Sequential([layers.Input((1,)), _Noise(seed),
                              layers.Dense(1, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    zeros = np.zeros((8, 1), np.float32)
    return [model.train_on_batch(zeros, zeros) for _ in range(4)]


@pytest.mark.parametrize("seed", [None, 5])
def test_traced_step_draws_new_numbers_every_step(backend, seed):
    losses = _noise_losses(seed)
    assert len(set(losses)) == 4, losses


def test_seeded_draws_equal_on_every_backend():
    previous = backends.get_backend()
    try:
        results = {}
        for name in ("reference", "numba", "cpu"):
            if backends.available(name):
                backends.set_backend(name)
                results[name] = _noise_losses(11)
    finally:
        backends._active = previous
    first = next(iter(results.values()))
    for name, losses in results.items():
        np.testing.assert_allclose(losses, first, rtol=1e-6, err_msg=name)
