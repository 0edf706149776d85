"""Functional models whose inputs go through lookup and hashing layers (the host stage,
models/host_stage.py): Keras's JSON, summary, predictions and training losses for the same
models (tests/fixtures/lookup_cases.py MODELS, recorded by make_keras_lookup.py with real
Keras on TensorFlow), and how fit/evaluate/predict, model(x) and configs use the stage."""

import collections
import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.utils import naming
from tests.fixtures import lookup_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_lookup.npz")
RECORDED = json.loads((HERE / "keras_lookup.json").read_text(encoding="utf-8"))["models"]
L = keras.layers


@pytest.fixture
def fresh_names(monkeypatch):
    monkeypatch.setattr(naming, "_counts", collections.defaultdict(int))


@pytest.mark.parametrize("name", sorted(lookup_cases.MODELS))
def test_predictions_and_training_match_real_keras(backend, name):
    values, _ = lookup_cases.model_case(keras, name)
    for key, value in values.items():
        np.testing.assert_allclose(value, FIXTURE[f"model_{name}__{key}"], rtol=2e-5,
                                   atol=2e-6, err_msg=key)


@pytest.mark.parametrize("name", sorted(lookup_cases.MODELS))
def test_json_and_summary_are_keras_own(fresh_names, name):
    model = lookup_cases.MODELS[name](keras)[0]
    assert json.loads(model.to_json()) == RECORDED[name]["json"]
    lines = []
    model.summary(line_length=110, print_fn=lines.append)
    assert "".join(lines) == RECORDED[name]["summary"]
    assert [[layer.name, type(layer).__name__] for layer in model.layers] == \
        RECORDED[name]["layers"]


@pytest.mark.parametrize("name", ["city_embedding", "hashed_text"])
def test_keras_json_loads_and_predicts_the_same(name):
    model, x, _ = lookup_cases.MODELS[name](keras)
    weights = lookup_cases.seeded_weights(model)
    model.set_weights(weights)
    loaded = keras.models.model_from_json(json.dumps(RECORDED[name]["json"]))
    loaded.set_weights(weights)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    clone = keras.models.clone_model(model)
    clone.set_weights(weights)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def _city_model():
    model, x, y = lookup_cases.city_embedding(keras)
    model.set_weights(lookup_cases.seeded_weights(model))
    return model, x, y


def test_model_called_on_arrays_lists_and_in_training_mode_agree():
    model, x, _ = _city_model()
    want = model.predict(x, verbose=0)
    np.testing.assert_array_equal(model(x), want)
    np.testing.assert_array_equal(model(x.tolist()), want)  # a list of samples
    np.testing.assert_array_equal(model(x[:, 0]), want)     # the trailing axis of 1 added
    np.testing.assert_array_equal(model.predict_on_batch(x), want)
    np.testing.assert_allclose(model(x, training=True), want, rtol=1e-6)  # eager, layer by layer
    np.testing.assert_array_equal(model.predict(x, batch_size=4, verbose=0), want)


def test_on_batch_validation_and_evaluate_use_the_stage():
    model, x, y = _city_model()
    model.compile(keras.optimizers.SGD(0.1), "mse")
    before = model.test_on_batch(x, y)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(before, rel=1e-6)
    model.train_on_batch(x, y)
    assert model.test_on_batch(x, y) < before
    history = model.fit(x, y, epochs=2, batch_size=2, verbose=0, validation_split=0.5)
    assert sorted(history.history) == ["loss", "val_loss"]
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x[:2], y[:2]))
    assert np.isfinite(history.history["val_loss"]).all()


def test_the_stage_runs_once_per_call_not_per_step(monkeypatch):
    model, x, y = _city_model()
    lookup = model.get_layer("lookup")
    calls = []
    original = type(lookup).call
    monkeypatch.setattr(type(lookup), "call", lambda self, inputs: calls.append(1) or
                        original(self, inputs))
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(x, y, epochs=3, batch_size=2, verbose=0)  # 9 steps
    assert len(calls) == 1
    model.predict(x, batch_size=1, verbose=0)  # 6 steps
    assert len(calls) == 2


def test_a_vocabulary_change_reaches_the_next_call():
    model, x, _ = _city_model()
    before = model.predict(x, verbose=0)
    model.get_layer("lookup").set_vocabulary(["lima", "rome", "oslo"])
    after = model.predict(x, verbose=0)
    changed = [i for i in range(len(x)) if not np.array_equal(before[i], after[i])]
    assert changed == [0, 3, 5]  # paris (now OOV), lima (now known), paris


def test_one_string_input_feeding_two_host_layers_and_a_model_input_read_directly():
    words = keras.Input(shape=(2,), dtype="string", name="words")
    ids = keras.Input(shape=(1,), dtype="int64", name="ids")
    a = L.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot")(words)
    b = L.Hashing(num_bins=4, output_mode="count")(words)
    c = L.Flatten()(L.Embedding(10, 2)(ids))
    model = keras.Model([words, ids], L.Dense(1)(L.Concatenate()([a, b, c])))
    fg = model._functional
    assert sorted(t.shape for t in fg.host.outputs) == [(None, 1), (None, 3), (None, 4)]
    x = [np.array([["x", "z"], ["y", "y"]]), np.array([[3], [9]])]
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, model(x, training=True), rtol=1e-6)
    with pytest.raises(IndexError, match="embedding"):  # ids still checked before any step
        model.predict([x[0], np.array([[3], [10]])], verbose=0)


def test_host_outputs_are_checked_against_embedding_ranges():
    inp = keras.Input(shape=(1,), dtype="string")
    ids = L.StringLookup(vocabulary=["a", "b", "c"])(inp)  # ids 0..3
    model = keras.Model(inp, L.Dense(1)(L.Flatten()(L.Embedding(3, 2, name="small")(ids))))
    with pytest.raises(IndexError, match="small.*id 3"):
        model.predict(np.array([["a"], ["c"]]), verbose=0)


def test_lookup_of_a_value_computed_in_the_model_is_refused():
    inp = keras.Input(shape=(2,), dtype="int64")
    shifted = keras.ops.add(inp, 1)
    with pytest.raises(ValueError, match="must be applied to a model input"):
        keras.Model(inp, L.IntegerLookup(vocabulary=[1, 2])(shifted))


def test_strings_reaching_another_layer_are_refused():
    inp = keras.Input(shape=(1,), dtype="string", name="city")
    with pytest.raises(ValueError, match="holds strings, but Dense layer"):
        keras.Model(inp, L.Dense(1)(inp))
    inverted = L.StringLookup(vocabulary=["a"], invert=True)(
        keras.Input(shape=(1,), dtype="int64"))
    with pytest.raises(ValueError, match="it is a model output"):
        keras.Model(inverted._history[0].inputs[0], inverted)


def test_a_model_with_a_host_stage_is_not_nested():
    inner, _, _ = _city_model()
    outer_in = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(NotImplementedError, match="cannot be used as a layer"):
        keras.Model(outer_in, inner(outer_in))


def test_lookup_inside_a_subclassed_model_says_where_it_belongs():
    class WithLookup(keras.Model):
        def __init__(self):
            super().__init__()
            self.lookup = L.IntegerLookup(vocabulary=[5, 6])
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(keras.ops.cast(self.lookup(x), "float32"))

    model = WithLookup()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="IntegerLookup layer .* must be applied to a model "
                                         "input"):
        model.fit(np.array([[5.0], [6.0]]), np.zeros((2, 1)), verbose=0)


def test_string_data_errors_name_the_input():
    model, x, y = _city_model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`x`: expected string inputs"):
        model.predict(np.array([[1.0], [2.0]]), verbose=0)
    with pytest.raises(ValueError, match="incompatible with the model"):
        model.predict(np.array([["a", "b"]]), verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous"):
        model.fit(x, y[:3], verbose=0)
