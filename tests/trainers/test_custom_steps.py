"""Keras 3's train_step / test_step hooks: an override written as in Keras's "customizing
fit()" guide (with fastkeras.GradientTape) is traced once into the native step and trains
exactly like the built-in step; a test_step override drives evaluate; gradients outside a
traced step are refused clearly."""

import numpy as np
import pytest

import fastkeras as keras

rng = np.random.default_rng(11)
X = rng.normal(size=(96, 6)).astype("float32")
Y = (X @ rng.normal(size=(6, 1)) > 0).astype("float32")


class GuideModel(keras.Sequential):
    """train_step from Keras's guide, tf.GradientTape -> keras.GradientTape."""

    steps_traced = 0

    def train_step(self, data):
        type(self).steps_traced += 1
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _layers():
    return [keras.Input(shape=(6,)), keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(1, activation="sigmoid")]


def _twins(cls):
    a, b = keras.Sequential(_layers()), cls(_layers())
    b.set_weights(a.get_weights())
    for m in (a, b):
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])
    return a, b


def test_guide_train_step_trains_like_the_builtin_one():
    builtin, custom = _twins(GuideModel)
    h1 = builtin.fit(X, Y, batch_size=32, epochs=3, verbose=0, shuffle=False)
    h2 = custom.fit(X, Y, batch_size=32, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(builtin.get_weights(), custom.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h1.history["binary_accuracy"], h2.history["binary_accuracy"])
    # The guide's loss tracker weighs every batch the same (Keras does too); the batches are
    # equal here, so the epoch losses agree.
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)
    # Traced once per plan (batch size), not once per batch: 9 batches ran.
    assert GuideModel.steps_traced <= 2


class PenalisedStep(keras.Sequential):
    """A step whose loss adds an L2 penalty on the kernels, written with keras.ops."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            loss = self.compute_loss(y=y, y_pred=self(x, training=True))
            for layer in self.layers:
                loss = loss + 0.01 * keras.ops.sum(keras.ops.square(layer.kernel))
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        self.metrics[0].update_state(loss)


def test_a_step_with_its_own_loss_terms_matches_numpy_sgd():
    model = PenalisedStep(_layers())
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    w1, b1, w2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    x, y = X[:32].astype(np.float64), Y[:32].astype(np.float64)
    model.fit(X[:32], Y[:32], batch_size=32, epochs=1, verbose=0)
    # One SGD step by hand: mse of sigmoid(tanh(x w1 + b1) w2 + b2) + 0.01 (|w1|^2 + |w2|^2).
    h = np.tanh(x @ w1 + b1)
    p = 1 / (1 + np.exp(-(h @ w2 + b2)))
    dp = 2 * (p - y) / p.size
    dz2 = dp * p * (1 - p)
    dh = dz2 @ w2.T * (1 - h * h)
    grads = [x.T @ dh + 0.02 * w1, dh.sum(0), h.T @ dz2 + 0.02 * w2, dz2.sum(0)]
    want = [w - 0.1 * g for w, g in zip((w1, b1, w2, b2), grads)]
    for got, w in zip(model.get_weights(), want):
        np.testing.assert_allclose(got, w, rtol=1e-4, atol=1e-6)


class DoubledTestLoss(keras.Sequential):
    def test_step(self, data):
        x, y = data
        loss = self.compute_loss(y=y, y_pred=self(x, training=False))
        self.metrics[0].update_state(loss * 2.0)


def test_test_step_override_drives_evaluate():
    plain, doubled = _twins(DoubledTestLoss)
    want = plain.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)["loss"]
    got = doubled.evaluate(X, Y, batch_size=32, verbose=0, return_dict=True)["loss"]
    # The built-in tracker weighs batches by size; all batches are 32 rows here.
    np.testing.assert_allclose(got, 2 * want, rtol=1e-5)


def test_tape_outside_a_traced_step_is_refused():
    v = keras.Variable(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="traced step"):
        keras.GradientTape().gradient(np.float32(1.0), [v])
