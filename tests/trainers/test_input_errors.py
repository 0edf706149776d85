"""Bad input raises a clear Python exception that names the problem."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import Dense


def _model(compiled=True, loss="binary_crossentropy"):
    model = keras.Sequential([Dense(4, activation="relu", input_shape=(5,)), Dense(1, activation="sigmoid")])
    if compiled:
        model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def _data(n=20):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)).astype("float32"), (rng.random((n, 1)) > 0.5).astype("float32")


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_methods_before_compile(method):
    """Keras 3's type and words (trainer.py _assert_compile_called)."""
    x, y = _data()
    kwargs = {"verbose": 0} if method in ("fit", "evaluate") else {}
    with pytest.raises(ValueError, match=r"^You must call `compile\(\)` before using the model\.$"):
        getattr(_model(compiled=False), method)(x, y, **kwargs)


def test_length_mismatch():
    x, y = _data()
    with pytest.raises(ValueError, match="(?s)cardinality.*'x' sizes: 20.*'y' sizes: 19"):
        _model().fit(x, y[:19], verbose=0)


def test_wrong_input_width():
    x, y = _data()
    with pytest.raises(ValueError, match=r"expected samples of shape \(5,\).*\(4,\)"):
        _model().fit(x[:, :4], y, verbose=0)


def test_wrong_input_width_predict():
    x, _ = _data()
    with pytest.raises(ValueError, match="incompatible"):
        _model().predict(x[:, :3], verbose=0)


@pytest.mark.parametrize("kind,kwargs,match", [
    ("loss", {"loss": "binary_crossentropyy"}, "loss identifier.*binary_crossentropyy"),
    ("optimizer", {"optimizer": "adamm", "loss": "mse"}, "optimizer identifier.*adamm"),
    ("metric", {"loss": "mse", "metrics": ["acuracy"]}, "metric identifier.*acuracy"),
])
def test_unknown_string_identifiers(kind, kwargs, match):
    x, y = _data()
    model = _model(compiled=False)
    with pytest.raises(ValueError, match=match):
        model.compile(**kwargs)
        model.fit(x, y, verbose=0)


def test_unknown_activation():
    with pytest.raises(ValueError, match="Unknown activation.*relux"):
        Dense(3, activation="relux")


def test_non_numeric_data():
    _, y = _data(3)
    x = np.array([["a", "b", "c", "d", "e"]] * 3)
    with pytest.raises(TypeError, match="`x` must hold numbers.*dtype <U1"):
        _model().fit(x, y, verbose=0)


def test_empty_arrays():
    with pytest.raises(ValueError, match="`x` is empty"):
        _model().fit(np.zeros((0, 5), "float32"), np.zeros((0, 1), "float32"), verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_x_names_first_bad_row(bad):
    x, y = _data()
    x[7, 2] = bad
    x[12, 0] = bad
    with pytest.raises(ValueError, match=r"`x` contains (NaN|inf).*2 bad rows.*row 7"):
        _model().fit(x, y, verbose=0)


def test_nan_in_y_names_first_bad_row():
    x, y = _data()
    y[5, 0] = np.nan
    with pytest.raises(ValueError, match=r"`y` contains NaN.*row 5"):
        _model().fit(x, y, verbose=0)


def test_sparse_labels_out_of_range():
    x, _ = _data()
    model = keras.Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    y = np.zeros(20, "int32")
    y[9] = 3
    with pytest.raises(ValueError, match=r"row 9 holds label 3, outside \[0, 3\)"):
        model.fit(x, y, verbose=0)


def test_target_shape_mismatch_hints_sparse_loss():
    x, _ = _data()
    model = keras.Sequential([Dense(3, activation="softmax", input_shape=(5,))])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="same shape.*sparse_categorical_crossentropy"):
        model.fit(x, np.zeros((20, 1), "float32"), verbose=0)


def test_bad_batch_size():
    x, y = _data()
    with pytest.raises(ValueError, match="batch_size"):
        _model().fit(x, y, batch_size=0, verbose=0)


def test_validation_split_too_large_for_data():
    x, y = _data(1)
    with pytest.raises(ValueError, match="not sufficient to split"):
        _model().fit(x, y, validation_split=0.4, verbose=0)


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units=-1"):
        Dense(-1)


@pytest.mark.filterwarnings("error")
def test_float64_labels_beyond_float32_range_are_refused(backend):
    """The check reads what the kernels read: 1e39 passes as float64 and is inf as float32."""
    x, y = _data()
    y = y.astype("float64")
    y[3] = 1e39
    model = _model()
    weights = model.get_weights()
    with pytest.raises(ValueError, match="`y` contains inf values.*row 3"):
        model.fit(x, y, verbose=0)
    with pytest.raises(ValueError, match="`validation y` contains inf"):
        model.fit(x, y.clip(0, 1), validation_data=(x, y), verbose=0, epochs=1)
    with pytest.raises(ValueError, match="`y` contains inf"):
        model.train_on_batch(x, y)
    with pytest.raises(ValueError, match="`y` contains inf"):
        model.evaluate(x, y, verbose=0)
    model2 = _model()
    model2.set_weights(weights)
    model2.fit(x, y.clip(0, 1), verbose=0, epochs=1)
    assert all(np.isfinite(w).all() for w in model2.get_weights())


@pytest.mark.filterwarnings("error")
def test_weights_beyond_float32_range_are_refused(backend):
    x, y = _data()
    sw = np.ones(len(x))
    sw[5] = 1e39
    with pytest.raises(ValueError, match="`sample_weight` contains inf.*row 5"):
        _model().fit(x, y, sample_weight=sw, verbose=0)
    with pytest.raises(ValueError, match="`class_weight` contains inf"):
        _model().fit(x, y, class_weight={0: 1.0, 1: 1e39}, verbose=0)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"validation_freq": 0, "validation_split": 0.2}, ValueError, "`validation_freq` must be >= 1"),
    ({"epochs": 2.5}, TypeError, r"`epochs` must be an integer, received: epochs=2\.5"),
    ({"epochs": -1}, ValueError, "`epochs` must be >= 0"),
    ({"initial_epoch": "1"}, TypeError, "`initial_epoch` must be an integer"),
    ({"validation_split": "0.2"}, TypeError, "`validation_split` must be a float in \\[0, 1\\)"),
])
def test_fit_arguments_are_checked_before_any_work(kwargs, error, match):
    x, y = _data()
    model = _model()
    before = model.get_weights()
    with pytest.raises(error, match=match):
        model.fit(x, y, verbose=0, **{"epochs": 2, **kwargs})
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing trained


@pytest.mark.parametrize("value", ["0.01", None, [0.1], True])
def test_learning_rate_that_is_not_a_number(value):
    with pytest.raises(ValueError, match="should be float.*Received instead: learning_rate="):
        keras.optimizers.Adam(learning_rate=value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.1])
def test_learning_rate_that_would_ruin_the_weights(value):
    with pytest.raises(ValueError, match="finite number >= 0"):
        keras.optimizers.SGD(learning_rate=value)
    opt = keras.optimizers.SGD()
    with pytest.raises(ValueError, match="finite number >= 0"):
        opt.learning_rate = value
    assert opt.learning_rate == pytest.approx(0.01)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "mixed_float16"])
def test_layer_dtype_fastkeras_does_not_compute_in_is_refused_when_made(dtype):
    with pytest.raises(NotImplementedError, match=f"dtype='{dtype}' is not supported yet"):
        Dense(3, dtype=dtype)


def test_invalid_layer_dtype():
    with pytest.raises(ValueError, match="invalid layer dtype 'int32'"):
        Dense(3, dtype="int32")


def test_float64_input_is_cast_by_the_first_layer_as_in_keras(backend):
    """Keras autocasts floating inputs to the layer's dtype: the model trains and predicts
    exactly like its float32 twin, and its outputs are float32."""
    x, y = _data()
    models = []
    for dtype in ("float64", "float32"):
        inp = keras.Input(shape=(5,), dtype=dtype)
        model = keras.Model(inp, Dense(1, activation="sigmoid")(Dense(4, activation="relu")(inp)))
        if models:
            model.set_weights(models[0].get_weights())
        model.compile(optimizer="adam", loss="binary_crossentropy")
        models.append(model)
    h64 = models[0].fit(x.astype("float64"), y, epochs=2, shuffle=False, verbose=0)
    h32 = models[1].fit(x, y, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h64.history["loss"], h32.history["loss"], rtol=1e-6)
    p64 = models[0].predict(x.astype("float64"), verbose=0)
    assert p64.dtype == np.float32
    np.testing.assert_allclose(p64, models[1].predict(x, verbose=0), rtol=1e-6)


def test_a_sequential_given_several_input_arrays_is_refused():
    import fastkeras as keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match="takes one input array, but received 2 arrays"):
        model.fit([x, x], np.ones((4, 1)), verbose=0)
    with pytest.raises(ValueError, match="takes one input array"):
        model.predict({"a": x, "b": x}, verbose=0)


def test_a_subclassed_model_slicing_x_into_embeddings_is_not_checked_as_a_sequential():
    # keras.io's collaborative-filtering model: column 0 feeds a 5-row Embedding, column 1
    # a 9-row one; x as a whole is not the first Embedding's input (it was refused).
    class Recommender(keras.Model):
        def __init__(self):
            super().__init__()
            self.users = keras.layers.Embedding(5, 3)
            self.items = keras.layers.Embedding(9, 3)

        def call(self, x):
            return keras.ops.sum(self.users(x[:, 0]) * self.items(x[:, 1]), axis=-1,
                                 keepdims=True)

    x = np.stack([np.arange(16) % 5, np.arange(16) % 9], axis=1)
    model = Recommender()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.ones((16, 1), "float32"), batch_size=8, epochs=1, verbose=0)
    users, items = model.users.embeddings.numpy(), model.items.embeddings.numpy()
    want = np.sum(users[x[:, 0]] * items[x[:, 1]], axis=-1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(IndexError):  # an id past an Embedding still fails, in the step
        model.predict(np.array([[0, 9]]), verbose=0)
