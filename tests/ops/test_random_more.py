"""keras.random's derived draws (ops/random_more.py): shapes and dtypes as Keras, ranges,
moments against the distributions (tolerances of 5 standard errors on fixed seeds),
the same numbers on every backend and between eager and traced use, new numbers at each
step of a fit, and Keras's errors for bad arguments."""

import math

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, layers
from fastkeras.graph import Graph, Tensor
from fastkeras.graph.interpret import evaluate

N = 20000
_X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
_LOGITS = np.log(np.float32([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]]))

# Every draw, as a function of its seed, with small arguments.
DRAWS = {
    "randint": lambda s: keras.random.randint((50,), -3, 1000, seed=s),
    "truncated_normal": lambda s: keras.random.truncated_normal((50,), 1.0, 2.0, seed=s),
    "categorical": lambda s: keras.random.categorical(_LOGITS, 20, seed=s),
    "shuffle": lambda s: keras.random.shuffle(_X, axis=1, seed=s),
    "gamma": lambda s: keras.random.gamma((50,), 0.7, seed=s),
    "beta": lambda s: keras.random.beta((50,), 0.5, 2.0, seed=s),
    "binomial": lambda s: keras.random.binomial((2, 50), [[3], [7]], 0.4, seed=s),
}
_FLOAT_DRAWS = ("truncated_normal", "gamma", "beta")


def _close(name, got, want):
    if name in _FLOAT_DRAWS:  # elementwise math (erf, log) may differ in the last bits
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5, err_msg=name)
    else:
        np.testing.assert_array_equal(got, want, err_msg=name)


def _mean_within(sample, mean, sd, what):
    se = sd / math.sqrt(sample.size)
    assert abs(sample.mean() - mean) < 5 * se, (what, sample.mean(), mean, se)


def _var_within(sample, var, what):
    """Sample variance against `var`; its standard error from the sample's 4th moment."""
    centred = sample.astype(np.float64) - sample.mean()
    se = math.sqrt(max(np.mean(centred ** 4) - var ** 2, 1e-12) / sample.size)
    assert abs(centred.var() - var) < 5 * se, (what, centred.var(), var, se)


def test_namespace_has_keras_draws():
    for name in DRAWS:
        assert callable(getattr(keras.random, name))


def test_shapes_and_dtypes_as_keras():
    assert keras.random.randint((2, 3), 0, 10, seed=1).dtype == np.int32
    assert keras.random.randint((2, 3), 0, 10, dtype="int64", seed=1).dtype == np.int64
    assert keras.random.categorical(_LOGITS, 7, seed=1).shape == (2, 7)
    assert keras.random.categorical(_LOGITS, 7, seed=1).dtype == np.int32
    assert keras.random.categorical(_LOGITS, 7, dtype="int64", seed=1).dtype == np.int64
    for fn in (lambda: keras.random.truncated_normal([2, 3], seed=1),
               lambda: keras.random.gamma((2, 3), 2.0, seed=1),
               lambda: keras.random.beta((2, 3), 2.0, 3.0, seed=1),
               lambda: keras.random.binomial((2, 3), 5, 0.5, seed=1)):
        out = fn()
        assert out.shape == (2, 3) and out.dtype == np.float32
    ints = np.arange(10, dtype=np.int32).reshape(2, 5)
    out = keras.random.shuffle(ints, axis=-1, seed=1)
    assert out.shape == (2, 5) and out.dtype == np.int32


def test_randint_range_and_uniformity():
    k = np.asarray(keras.random.randint((N,), -3, 7, seed=2))
    assert k.min() == -3 and k.max() == 6  # [minval, maxval): all ten values, no 7
    counts = np.bincount(k + 3, minlength=10)
    p = 0.1
    assert np.all(np.abs(counts - N * p) < 5 * math.sqrt(N * p * (1 - p))), counts
    big = np.asarray(keras.random.randint((N,), 0, 2 ** 28, seed=3))
    assert big.min() >= 0 and big.max() < 2 ** 28
    _mean_within(big.astype(np.float64), (2 ** 28 - 1) / 2, 2 ** 28 / math.sqrt(12), "randint")


def test_truncated_normal_within_two_stddev_and_moments():
    t = np.asarray(keras.random.truncated_normal((N,), mean=1.0, stddev=3.0, seed=4))
    assert t.min() >= 1.0 - 6.0 and t.max() <= 1.0 + 6.0
    assert t.min() < -4.0 and t.max() > 6.0  # reaches near both edges
    # The standard normal restricted to [-2, 2]: variance 1 - 2 * 2 * pdf(2) / mass.
    mass = math.erf(2 / math.sqrt(2))
    var = 1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / mass
    _mean_within(t, 1.0, 3.0 * math.sqrt(var), "truncated mean")
    _var_within(t, 9.0 * var, "truncated variance")


def test_categorical_frequencies_follow_softmax():
    logits = np.float32([[0.0, 1.0, 2.0], [5.0, 5.0, -1e9]])
    out = np.asarray(keras.random.categorical(logits, N, seed=5))
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    for row in range(2):
        freq = np.bincount(out[row], minlength=3) / N
        se = np.sqrt(probs[row] * (1 - probs[row]) / N)
        assert np.all(np.abs(freq - probs[row]) <= 5 * se + 1e-12), (row, freq, probs[row])
    assert not np.any(out[1] == 2)  # a -1e9 logit is never drawn
    # Keras's own check: near-one-hot logits favour the row's class.
    favoured = keras.random.categorical(np.eye(4) * 1e5 + 1e6, 6, seed=10)
    np.testing.assert_array_equal(favoured, np.tile(np.arange(4)[:, None], (1, 6)))


def test_shuffle_permutes_each_slice_independently_and_uniformly():
    x = np.tile(np.arange(5, dtype=np.float32), (N // 5, 1))
    out = np.asarray(keras.random.shuffle(x, axis=1, seed=6))
    np.testing.assert_array_equal(np.sort(out, axis=1), x)  # each row a permutation
    assert len({tuple(r) for r in out[:200]}) > 50  # rows are shuffled independently
    where_zero = np.argmax(out == 0, axis=1)
    counts = np.bincount(where_zero, minlength=5)
    rows = out.shape[0]
    assert np.all(np.abs(counts - rows / 5) < 5 * math.sqrt(rows * 0.2 * 0.8)), counts
    keras_case = np.arange(100).reshape(10, 10)  # Keras's own test: sums kept along axis
    y = np.asarray(keras.random.shuffle(keras_case, seed=0))
    np.testing.assert_array_equal(y.sum(0), keras_case.sum(0))
    assert not np.array_equal(y, keras_case)


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_gamma_moments(alpha):
    g = np.asarray(keras.random.gamma((N,), alpha, seed=7))
    assert g.min() > 0
    _mean_within(g, alpha, math.sqrt(alpha), "gamma mean")
    _var_within(g, alpha, "gamma variance")


def test_beta_moments_with_array_parameters():
    a, b = np.float32([[7.0, 0.5, 1.5]]), np.float32([[15.0, 0.9, 4.5]])
    x = np.asarray(keras.random.beta((N, 3), a, b, seed=8))
    assert x.min() >= 0 and x.max() <= 1
    mean = a / (a + b)
    var = a * b / ((a + b) ** 2 * (a + b + 1))
    for j in range(3):
        _mean_within(x[:, j], mean[0, j], math.sqrt(var[0, j]), f"beta mean {j}")
        _var_within(x[:, j], var[0, j], f"beta variance {j}")


def test_binomial_counts_and_moments():
    counts = np.float32([[4.0], [30.0]])
    out = np.asarray(keras.random.binomial((2, N), counts, 0.3, seed=9))
    np.testing.assert_array_equal(out, np.round(out))
    assert out.min() >= 0 and np.all(out.max(axis=1) <= counts[:, 0])
    for row, n in enumerate(counts[:, 0]):
        var = n * 0.3 * 0.7
        _mean_within(out[row], n * 0.3, math.sqrt(var), f"binomial mean n={n}")
        _var_within(out[row], var, f"binomial variance n={n}")
    # Keras's own case: large counts, frequencies near the probabilities.
    big = np.asarray(keras.random.binomial((2,), 1e5, 0.5, seed=10))
    np.testing.assert_allclose(big / 1e5, 0.5, atol=0.005)


def test_int_seed_repeats_and_generator_moves_on():
    for name, fn in DRAWS.items():
        _close(name, np.asarray(fn(3)), np.asarray(fn(3)))
        gen = keras.random.SeedGenerator(3)
        assert not np.array_equal(np.asarray(fn(gen)), np.asarray(fn(gen))), name


def test_same_numbers_on_every_backend_eager_and_traced():
    previous = backends.get_backend()
    try:
        want = {name: np.asarray(fn(keras.random.SeedGenerator(5))) for name, fn in DRAWS.items()}
        for b in ("reference", "numba", "cpu"):
            if not backends.available(b):
                continue
            backends.set_backend(b)
            for name, fn in DRAWS.items():
                _close(name, np.asarray(fn(keras.random.SeedGenerator(5))), want[name])
                g = Graph(name)
                with g:  # the generator's counter is read in the graph: all of it traced
                    out = fn(keras.random.SeedGenerator(5))
                assert isinstance(out, Tensor), name
                _close(name, evaluate([out], {}, backends.get(b))[0], want[name])
    finally:
        backends._active = previous


class _DrawNoise(layers.Layer):
    def __init__(self, draw, **kwargs):
        super().__init__(**kwargs)
        self.draw = draw
        self.gen = keras.random.SeedGenerator(1)

    def call(self, x, training=False):
        if not training:
            return x
        noise = keras.ops.cast(keras.ops.reshape(self.draw(self.gen), (1, -1)), "float32")
        return x + keras.ops.sum(noise, axis=1, keepdims=True)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_each_step_of_a_fit_draws_new_numbers(name):
    draw = DRAWS[name]
    if name == "shuffle":  # a shuffle of distinct weights: its sum is the same every step
        draw = lambda s: keras.random.shuffle(_X, axis=1, seed=s) * _X  # noqa: E731
    model = keras.Sequential([layers.Input((1,)), _DrawNoise(draw),
                              layers.Dense(1, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    zeros = np.zeros((4, 1), np.float32)
    losses = [model.train_on_batch(zeros, zeros) for _ in range(2)]
    assert losses[0] != losses[1], (name, losses)


def test_bad_arguments_raise_keras_errors():
    with pytest.raises(ValueError, match="`keras.random.randint` requires an integer `dtype`"):
        keras.random.randint((3, 4), minval=0, maxval=10, dtype="float64")
    with pytest.raises(ValueError, match="minval < maxval"):
        keras.random.randint((3,), 5, 5)
    with pytest.raises(ValueError, match="floating point `dtype`"):
        keras.random.truncated_normal((3,), dtype="int32")
    with pytest.raises(ValueError, match="logits"):
        keras.random.categorical(np.ones((5,)), 5)
    with pytest.raises(ValueError, match="logits"):
        keras.random.categorical(np.ones((5, 5, 5)), 5)
    with pytest.raises(ValueError, match="counts"):
        keras.random.binomial((3,), -1, 0.5)
    with pytest.raises(ValueError, match="probabilities"):
        keras.random.binomial((3,), 4, 1.5)
    with pytest.raises(ValueError, match="positive"):
        keras.random.gamma((3,), 0.0)
    with pytest.raises(ValueError, match="positive"):
        keras.random.beta((3,), 1.0, -2.0)
    with pytest.raises(NotImplementedError, match="binomial"):
        keras.random.binomial((1000,), 1e5, 0.5)
    g = Graph("big_shuffle")
    with g:
        x = g.placeholder((5000,), "float32")
        with pytest.raises(NotImplementedError, match="shuffle"):
            keras.random.shuffle(x, seed=1)
