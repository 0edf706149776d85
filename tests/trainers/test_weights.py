"""sample_weight and class_weight scale each sample's loss (Keras 3 semantics)."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense
from fastkeras.trainers.weights import class_weights_to_samples


def _model():
    model = keras.Sequential([keras.Input(shape=(4,)), Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=12):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, n).astype("int32")


def test_weighted_loss_is_sum_of_weighted_losses_over_sample_count(backend):
    x, y = _data()
    model = _model()
    sw = np.linspace(0.0, 2.0, len(x)).astype("float32")
    p = model.predict(x, verbose=0)
    per_sample = -np.log(np.clip(p[np.arange(len(y)), y], 1e-7, 1 - 1e-7))
    want = float(np.sum(per_sample * sw) / len(x))
    got = model.evaluate(x, y, batch_size=len(x), sample_weight=sw, verbose=0)[0]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    h = model.fit(x, y, batch_size=len(x), sample_weight=sw, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], want, rtol=1e-5)
    # Compiled metrics stay unweighted, as in Keras.
    acc = np.mean(np.argmax(p, axis=1) == y)
    np.testing.assert_allclose(h.history["accuracy"][0], acc, rtol=1e-6)


def test_class_weight_equals_matching_sample_weight(backend):
    x, y = _data()
    model = _model()
    cw = {0: 0.5, 1: 2.0}
    a = model.evaluate(x, y, batch_size=5, verbose=0,
                       sample_weight=class_weights_to_samples(y, cw))[0]
    h = model.fit(x, y, batch_size=5, class_weight=cw, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], a, rtol=1e-5)


def test_class_weights_to_samples_forms():
    np.testing.assert_array_equal(class_weights_to_samples(np.array([0, 2, 1]), {2: 3.0}),
                                  [1, 3, 1])
    np.testing.assert_array_equal(class_weights_to_samples(np.eye(3)[[2, 0]], {0: 0.5}), [1, 0.5])
    np.testing.assert_array_equal(class_weights_to_samples(np.array([[1.0], [0.0]]), {1: 4}), [4, 1])


def test_both_weights_is_an_error():
    x, y = _data()
    with pytest.raises(ValueError, match="cannot `class_weight` and `sample_weight`"):
        _model().fit(x, y, sample_weight=np.ones(len(x)), class_weight={0: 1.0}, verbose=0)


def test_sample_weight_length_mismatch():
    x, y = _data()
    with pytest.raises(ValueError, match="sample_weight"):
        _model().fit(x, y, sample_weight=np.ones(len(x) - 1), verbose=0)


def test_train_on_batch_with_sample_weight(backend):
    x, y = _data(8)
    model = _model()
    loss = model.train_on_batch(x, y, sample_weight=np.zeros(8, "float32"))[0]
    assert loss == 0.0
