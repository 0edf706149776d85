"""Keras fit/evaluate/predict semantics that do not need a Keras fixture."""

import io
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense


def _seed_model():
    return keras.Sequential([Dense(10, activation="relu", input_shape=(5,)),
                             Dense(1, activation="sigmoid")])


def _data(n=100, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    return x, (x @ rng.normal(size=(5,)) > 0).astype("float32")


def test_seed_example_runs_unchanged(backend):
    x_train, y_train = _data(200)
    model = keras.Sequential([Dense(10, activation="relu", input_shape=(5,)),
                              Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=5, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_functional_twin_matches_sequential(backend):
    x, y = _data(96)
    seq = _seed_model()
    inputs = keras.Input(shape=(5,))
    hidden = Dense(10, activation="relu")(inputs)
    outputs = Dense(1, activation="sigmoid")(hidden)
    fun = keras.Model(inputs=inputs, outputs=outputs)
    fun.set_weights(seq.get_weights())
    results = []
    for model in (seq, fun):
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        h = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        results.append((h.history["loss"], model.predict(x, verbose=0)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


def test_set_random_seed_makes_runs_reproducible(backend):
    x, y = _data()
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(42)
        model = _seed_model()
        model.compile(optimizer="adam", loss="binary_crossentropy")
        h = model.fit(x, y, epochs=2, batch_size=16, verbose=0)  # shuffled
        runs.append((model.get_weights(), h.history["loss"]))
    for a, b in zip(runs[0][0], runs[1][0]):
        np.testing.assert_array_equal(a, b)
    assert runs[0][1] == runs[1][1]


def test_ragged_last_batch_weighs_by_size(backend):
    # 10 samples, batch 4: batches of 4, 4, 2. SGD with lr 0 keeps the weights fixed,
    # so the epoch loss must equal the loss of the whole set.
    x, y = _data(10)
    model = _seed_model()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="binary_crossentropy")
    h = model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    whole = model.evaluate(x, y, batch_size=10, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], whole, rtol=1e-6)


def test_evaluate_and_predict_shapes(backend):
    x, y = _data(50)
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, batch_size=7, verbose=0)
    logs = model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True)
    assert logs == {"accuracy": acc, "loss": loss}
    pred = model.predict(x, batch_size=7, verbose=0)
    assert pred.shape == (50, 1) and pred.dtype == np.float32
    np.testing.assert_allclose(model(x), pred, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x[:3]), pred[:3], rtol=1e-6)


def test_train_on_batch_and_test_on_batch(backend):
    x, y = _data(32)
    model = _seed_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    before = model.test_on_batch(x, y)
    loss, acc = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, before[0], rtol=1e-6)  # loss of the pre-update forward
    after = model.test_on_batch(x, y, return_dict=True)
    assert after["loss"] < before[0]


def test_validation_data_and_split_give_val_logs(backend):
    x, y = _data(60)
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, validation_split=0.25, epochs=2, verbose=0)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    h2 = model.fit(x[:45], y[:45], validation_data=(x[45:], y[45:]), epochs=1, verbose=0)
    np.testing.assert_allclose(h2.history["val_loss"][0], model.evaluate(x[45:], y[45:], verbose=0)[0],
                               rtol=1e-6)


def test_compile_defaults_to_rmsprop():
    model = _seed_model()
    model.compile(loss="mse")
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)
    assert model.optimizer.learning_rate == pytest.approx(1e-3)


def test_accuracy_resolution():
    from fastkeras.trainers.compile_utils import resolve_metric
    assert type(resolve_metric("accuracy", (8, 1), (None, 1))).__name__ == "BinaryAccuracy"
    assert type(resolve_metric("accuracy", (8,), (None, 4))).__name__ == "SparseCategoricalAccuracy"
    assert type(resolve_metric("acc", (8, 1), (None, 4))).__name__ == "SparseCategoricalAccuracy"
    assert type(resolve_metric("accuracy", (8, 4), (None, 4))).__name__ == "CategoricalAccuracy"
    assert resolve_metric("acc", (8, 1), (None, 1)).name == "acc"


def test_verbose_output_is_one_line_per_epoch_off_a_tty(capsys):
    x, y = _data(64)
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=16)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("4/4 ━━━━━━━━━━━━━━━━━━━━ ") and "- accuracy: " in out[1]
    assert "- loss: " in out[1] and len(out) == 4


def test_verbose_2_prints_one_summary_line_per_epoch(capsys):
    x, y = _data(64)
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, batch_size=16, verbose=2)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("4/4 - ") and " - loss: " in out[0]


def test_predict_fast_path_still_rejects_nan(backend):
    x, _ = _data(8)
    model = _seed_model()
    model.predict(x, verbose=0)  # leaves a fast-path runner for this shape
    np.testing.assert_allclose(model.predict(x, verbose=0), model.predict(x, verbose=0))
    bad = x.copy()
    bad[5, 1] = np.nan
    for call in (lambda: model.predict(bad, verbose=0), lambda: model(bad),
                 lambda: model.predict_on_batch(bad)):
        with pytest.raises(ValueError, match=r"`x` contains NaN.*row 5"):
            call()


def test_first_predict_leaves_a_runner_the_next_call_uses(backend):
    # The first plan of a fresh model creates its state block (a cache version bump): the
    # runner that call builds must carry the version after that, or every new shape would
    # take the slow path twice.
    x, _ = _data(8)
    model = _seed_model()
    first = model.predict(x, verbose=0)
    runner = model._forward.lookup(x, 32)
    assert runner is not None
    np.testing.assert_array_equal(runner(x, check_finite=True), first)


def test_train_on_batch_fast_path_checks_values(backend):
    x, y = _data(16)
    model = _seed_model()
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.train_on_batch(x, y)  # leaves a fast-path entry for these shapes
    bad_x, bad_y = x.copy(), y.copy()
    bad_x[3, 0], bad_y[9] = np.inf, np.nan
    with pytest.raises(ValueError, match=r"`x` contains NaN or inf.*row 3"):
        model.train_on_batch(bad_x, y)
    with pytest.raises(ValueError, match=r"`y` contains NaN or inf.*row 9"):
        model.train_on_batch(x, bad_y)


def test_train_on_batch_fast_path_checks_sparse_labels(backend):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype("float32")
    model = keras.Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    y = np.zeros(8, "int32")
    model.train_on_batch(x, y)
    y[2] = 7
    with pytest.raises((ValueError, IndexError), match="7"):
        model.train_on_batch(x, y)


def test_on_batch_metrics_are_the_batchs_alone(backend):
    """Keras 3 resets the metrics at every train_on_batch / test_on_batch call: the loss
    returned is the one computed on that batch before its update."""
    x, y = _data(64)
    a, b = (slice(0, 32), slice(32, 64))
    models = [_seed_model(), _seed_model()]
    models[1].set_weights(models[0].get_weights())
    for m in models:
        m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
        m.train_on_batch(x[a], y[a])
    expected = models[1].test_on_batch(x[b], y[b], return_dict=True)
    got = models[0].train_on_batch(x[b], y[b], return_dict=True)
    assert got == pytest.approx(expected, rel=1e-6)
    after = models[0].test_on_batch(x[b], y[b])
    assert after[0] != pytest.approx(expected["loss"], rel=1e-6)  # the step did update


def test_trainable_changed_after_compile_names_the_layer_and_the_fix(backend):
    x, y = _data()
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[0].trainable = False
    with pytest.raises(ValueError, match=r"(?s)layers \['dense\w*'\] has changed.*compile"):
        model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="has changed"):
        model.train_on_batch(x, y)


def test_frozen_layer_stays_bit_identical_after_recompile(backend):
    x, y = _data()
    model = _seed_model()
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    head = [w.copy() for w in model.layers[1].get_weights()]
    model.fit(x, y, epochs=3, batch_size=16, verbose=0)
    model.train_on_batch(x, y)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.array_equal(head[0], model.layers[1].get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_reused_optimizer_instance_is_refused_with_the_fix(backend):
    x, y = _data()
    opt = keras.optimizers.Adam()
    first = _seed_model()
    first.compile(optimizer=opt, loss="binary_crossentropy")
    first.fit(x, y, epochs=1, verbose=0)
    second = _seed_model()
    second.compile(optimizer=opt, loss="binary_crossentropy")
    with pytest.raises(ValueError, match="already built for other weights.*new optimizer"):
        second.fit(x, y, epochs=1, verbose=0)


def test_weight_created_in_call_is_refused_with_the_fix(backend):
    class Scale(keras.layers.Layer):
        def call(self, inputs):
            w = self.add_weight(shape=(1,), initializer="ones", name="scale")
            return inputs * w

    x, y = _data()
    model = keras.Sequential([Dense(4, input_shape=(5,)), Scale(), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.raises(ValueError, match=r"(?s)created a weight 'scale' inside call\(\).*build"):
        model.fit(x, y, epochs=1, verbose=0)


def test_weight_created_once_lazily_in_call_works(backend):
    """The older pattern `if not hasattr(self, 'w'): create` runs while the model is built."""
    class Scale(keras.layers.Layer):
        def call(self, inputs):
            if not hasattr(self, "w"):
                self.w = self.add_weight(shape=(1,), initializer="ones", name="scale")
            return inputs * self.w

    x, y = _data()
    model = keras.Sequential([Dense(4, input_shape=(5,)), Scale(), Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    model.fit(x, y, epochs=2, verbose=0)
    assert model.layers[1].w.numpy()[0] != 1.0  # trained


def test_custom_loss_wrapping_sparse_crossentropy_takes_integer_labels(backend):
    """Valid Keras: a user loss gets the targets as given, so integer labels reach the sparse
    loss it calls; it trains exactly like the built-in loss."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.integers(0, 3, size=64)

    def my_loss(y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)

    results = []
    for loss in (my_loss, "sparse_categorical_crossentropy"):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([Dense(8, activation="relu", input_shape=(5,)),
                                  Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
        h = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        results.append((h.history, model.evaluate(x, y, verbose=0)))
    np.testing.assert_allclose(results[0][0]["loss"], results[1][0]["loss"], rtol=1e-6)
    np.testing.assert_allclose(results[0][0]["accuracy"], results[1][0]["accuracy"])
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)


def test_custom_loss_gets_float_targets_as_given(backend):
    x, y = _data()

    def my_mse(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    model = _seed_model()
    model.compile(optimizer="sgd", loss=my_mse)
    twin = _seed_model()
    twin.set_weights(model.get_weights())
    twin.compile(optimizer="sgd", loss="mse")
    a = model.fit(x, y, epochs=2, shuffle=False, verbose=0).history["loss"]
    b = twin.fit(x, y, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(a, b, rtol=1e-5)
