"""Training-only noise layers: counter-based masks (the same bits on every backend), new
masks each step, Keras's scaling, the identity at inference, and bad arguments."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends

X = np.random.default_rng(0).uniform(0.5, 1.5, size=(64, 32)).astype("float32")


def _train_call(layer, x=X):
    return np.asarray(layer(x, training=True))


def test_dropout_mask_is_the_same_on_every_backend_and_changes_each_call():
    outs = {}
    for name in ("reference", "numba", "cpu"):
        if not backends.available(name):
            continue
        with backends.using(name) if hasattr(backends, "using") else _Backend(name):
            layer = keras.layers.Dropout(0.3, seed=7)
            outs[name] = (_train_call(layer), _train_call(layer))
    first = next(iter(outs.values()))
    for name, (a, b) in outs.items():
        np.testing.assert_array_equal(a, first[0], err_msg=name)
        np.testing.assert_array_equal(b, first[1], err_msg=name)
    a, b = first
    assert not np.array_equal(a == 0, b == 0)           # a new mask each call
    kept = a != 0
    assert abs(kept.mean() - 0.7) < 0.05  # 5 standard deviations of 2048 draws
    np.testing.assert_allclose(a[kept], X[kept] / 0.7, rtol=1e-6)


class _Backend:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.previous = backends.get_backend()
        backends.set_backend(self.name)

    def __exit__(self, *exc):
        backends._active = self.previous


@pytest.mark.parametrize("make", [lambda: keras.layers.Dropout(0.5, seed=1),
                                  lambda: keras.layers.GaussianNoise(0.3, seed=1),
                                  lambda: keras.layers.GaussianDropout(0.3, seed=1),
                                  lambda: keras.layers.AlphaDropout(0.3, seed=1)])
def test_noise_is_training_only(make):
    layer = make()
    np.testing.assert_array_equal(np.asarray(layer(X)), X)
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    assert not np.array_equal(_train_call(layer), X)


def test_noise_statistics_follow_keras():
    x = np.ones((400, 250), "float32")
    g = _train_call(keras.layers.GaussianNoise(0.5, seed=2), x) - 1
    assert abs(g.mean()) < 0.01 and abs(g.std() - 0.5) < 0.01
    d = _train_call(keras.layers.GaussianDropout(0.2, seed=3), x)
    assert abs(d.mean() - 1) < 0.01 and abs(d.std() - np.sqrt(0.2 / 0.8)) < 0.01
    a = _train_call(keras.layers.AlphaDropout(0.1, seed=4), np.random.default_rng(1).standard_normal(
        (400, 250)).astype("float32"))
    assert abs(a.mean()) < 0.02 and abs(a.std() - 1) < 0.03  # SELU's moments kept


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((8, 5, 40), "float32")
    y = _train_call(keras.layers.SpatialDropout1D(0.5, seed=5), x)
    per_channel = (y == 0).all(axis=1) | (y != 0).all(axis=1)
    assert per_channel.all() and 0 < (y == 0).mean() < 1
    with pytest.raises(ValueError, match="rank 3"):
        keras.layers.SpatialDropout1D(0.5)(np.ones((2, 3), "float32"), training=True)


def test_dropout_in_fit_draws_new_masks_each_step_and_is_reproducible(backend):
    def run():
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((32,)), keras.layers.Dense(16),
                                  keras.layers.Dropout(0.5), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
        y = X[:, :1]
        h = model.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        return h.history["loss"], model.get_weights(), model.predict(X, verbose=0)
    loss_a, w_a, p_a = run()
    loss_b, w_b, p_b = run()
    assert loss_a == loss_b
    for a, b in zip(w_a, w_b):
        np.testing.assert_array_equal(a, b)
    # predict is deterministic (no dropout) and the counter advanced once per step
    np.testing.assert_array_equal(p_a, p_b)


@pytest.mark.parametrize("rate", [-0.1, 1.5, "x"])
def test_bad_rates_are_refused(rate):
    with pytest.raises(ValueError, match="rate"):
        keras.layers.Dropout(rate)


def test_seed_state_is_a_variable_but_not_a_weight():
    layer = keras.layers.Dropout(0.5, seed=1)
    assert layer.weights == [] and len(layer.variables) == 1
