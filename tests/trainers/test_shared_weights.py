"""Models that share layers see one current value of each shared weight (graph/state.py:
ownership moves between their state blocks). After every fit, each model's predict equals a
NumPy forward pass over that model's own get_weights()."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense

from .numpy_trainer import forward


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    return x, (x @ rng.normal(size=(5,)) > 0).astype("float32")


def _check(model, x, activations):
    """predict(x) against NumPy over the model's get_weights() (kernel, bias per layer)."""
    expected = forward([w.astype("float64") for w in model.get_weights()], activations, x)[-1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-6)


def _encoder_and_classifier():
    """Two functional models over one shared Dense layer: (encoder, encoder + head)."""
    inp = keras.Input(shape=(5,))
    h = Dense(8, activation="relu")(inp)
    return keras.Model(inp, h), keras.Model(inp, Dense(1, activation="sigmoid")(h))


def test_shared_layers_across_two_functional_models(backend):
    x, y = _data()
    encoder, full = _encoder_and_classifier()
    full.compile(optimizer="adam", loss="binary_crossentropy")
    before = encoder.predict(x, verbose=0)
    for _ in range(2):
        full.fit(x, y, epochs=3, batch_size=16, verbose=0)
        _check(encoder, x, ["relu"])
        _check(full, x, ["relu", "sigmoid"])
    assert not np.allclose(encoder.predict(x, verbose=0), before)


def test_sequential_from_another_models_layers(backend):
    x, y = _data()
    m = keras.Sequential([Dense(8, activation="relu", input_shape=(5,)),
                          Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy")
    m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    head = keras.Sequential(m.layers[:1])
    _check(head, x, ["relu"])
    kernel = m.layers[0].kernel.numpy()
    m.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert not np.array_equal(m.layers[0].kernel.numpy(), kernel)  # training reached it
    _check(head, x, ["relu"])
    _check(m, x, ["relu", "sigmoid"])


def test_nested_model_trained_inside_outer_then_used_alone(backend):
    x, y = _data()
    base = keras.Sequential([Dense(8, activation="relu", input_shape=(5,))])
    base.predict(x, verbose=0)  # the base model has its own state block first
    inp = keras.Input(shape=(5,))
    outer = keras.Model(inp, Dense(1, activation="sigmoid")(base(inp)))
    outer.compile(optimizer="adam", loss="binary_crossentropy")
    for _ in range(2):
        outer.fit(x, y, epochs=3, batch_size=16, verbose=0)
        _check(base, x, ["relu"])
        _check(outer, x, ["relu", "sigmoid"])


def test_two_models_fitted_alternately(backend):
    x, y = _data()
    shared = Dense(8, activation="relu")
    inp = keras.Input(shape=(5,))
    h = shared(inp)
    a = keras.Model(inp, Dense(1, activation="sigmoid")(h))
    b = keras.Model(inp, Dense(1, activation="sigmoid")(Dense(4, activation="relu")(h)))
    a.compile(optimizer="adam", loss="binary_crossentropy")
    b.compile(optimizer="sgd", loss="binary_crossentropy")
    for _ in range(3):
        kernel = shared.kernel.numpy()
        a.fit(x, y, epochs=1, batch_size=16, verbose=0)
        after_a = shared.kernel.numpy()
        assert not np.array_equal(after_a, kernel)
        _check(a, x, ["relu", "sigmoid"])
        b.fit(x, y, epochs=1, batch_size=16, verbose=0)
        # b started from a's training, not from its own stale copy
        assert not np.array_equal(shared.kernel.numpy(), after_a)
        _check(b, x, ["relu", "relu", "sigmoid"])
        _check(a, x, ["relu", "sigmoid"])


def test_train_on_batch_alternating_with_a_model_sharing_weights(backend):
    """GAN-style: two models take turns one batch at a time; each step starts from the
    other's result."""
    x, y = _data(32)
    shared = Dense(4, activation="relu")
    inp = keras.Input(shape=(5,))
    h = shared(inp)
    a = keras.Model(inp, Dense(1, activation="sigmoid")(h))
    b = keras.Model(inp, Dense(1, activation="sigmoid")(h))
    for m in (a, b):
        m.compile(optimizer="sgd", loss="binary_crossentropy")
    for _ in range(3):
        k0 = shared.kernel.numpy()
        a.train_on_batch(x, y)
        k1 = shared.kernel.numpy()
        b.train_on_batch(x, y)
        k2 = shared.kernel.numpy()
        assert not np.array_equal(k0, k1) and not np.array_equal(k1, k2)
        _check(a, x, ["relu", "sigmoid"])
        _check(b, x, ["relu", "sigmoid"])


def test_callback_predicting_with_a_sharing_model_does_not_lose_training(backend):
    x, y = _data()
    encoder, full = _encoder_and_classifier()
    full.compile(optimizer="sgd", loss="binary_crossentropy")
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(encoder.predict(x[:4], verbose=0))

    kernel = encoder.layers[1].kernel.numpy()
    full.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[Probe()])
    assert len(seen) == 8
    # every batch moved the weights the encoder saw (none of the steps was thrown away)
    for before, after in zip(seen, seen[1:]):
        assert not np.array_equal(before, after)
    assert not np.array_equal(encoder.layers[1].kernel.numpy(), kernel)
    _check(encoder, x, ["relu"])
    _check(full, x, ["relu", "sigmoid"])


@pytest.mark.parametrize("first", ["encoder", "full"])
def test_set_weights_on_one_model_is_seen_by_the_other(backend, first):
    x, _ = _data()
    encoder, full = _encoder_and_classifier()
    models = {"encoder": encoder, "full": full}
    models[first].predict(x, verbose=0)
    other = full if first == "encoder" else encoder
    other.predict(x, verbose=0)
    w = encoder.get_weights()
    encoder.set_weights([v + 0.5 for v in w])
    _check(full, x, ["relu", "sigmoid"])
    _check(encoder, x, ["relu"])
