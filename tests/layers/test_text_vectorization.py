"""TextVectorization against what real Keras 3 (on TensorFlow) computed, configured, raised
and saved for the same cases (tests/fixtures/text_vectorization_cases.py;
keras_text_vectorization.json and .keras, made by make_keras_text_vectorization.py), then
fastkeras's own forms (NumPy callables, refusals) and a text model's fit and save."""

import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastkeras
import fastkeras as keras

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
sys.path.insert(0, str(FIXTURES))
import text_vectorization_cases as cases  # noqa: E402

RECORDED = json.loads((FIXTURES / "keras_text_vectorization.json").read_text("utf-8"))
KERAS_MODEL = FIXTURES / "keras_text_vectorization.keras"

# Keras declares (batch, 1, depth) for the vectors of split strings (its compute_output_shape
# adds a token axis the call reduces) and (batch, None) for split=None "int" outputs; its
# calls return (batch, depth) and (batch, 1). fastkeras declares what the call returns (the
# compiled steps are traced on it); the call's shapes are checked against Keras's.
KERAS_SPEC_DIFFERS = {name for name, (kwargs, _, _) in cases.CASES.items()
                      if kwargs.get("output_mode", "int") != "int" and
                      kwargs.get("split", "whitespace") is not None} | {"split_none"}


def _plain(x):
    return json.loads(json.dumps(x, default=lambda o: np.asarray(o).tolist()))


def _without_name(config):
    return {k: v for k, v in config.items() if k != "name"}


@pytest.fixture(scope="module")
def results():
    return {name: _plain(cases.run_case(fastkeras, name)) for name in cases.CASES}


@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_outputs_match_real_keras(case, results):
    got, want = results[case], RECORDED["cases"][case]
    for key in ("vocabulary", "vocabulary_no_special", "vocabulary_size", "out_rank1_shape",
                "out_rank2_shape", "out_kind", "symbolic_dtype"):
        assert got[key] == want[key], f"{key}: got {got[key]!r}, Keras gave {want[key]!r}"
    for key in ("out_rank1", "out_rank2"):
        np.testing.assert_allclose(np.array(got[key], float), np.array(want[key], float),
                                   rtol=1e-6, atol=1e-7, err_msg=key)
    if case in KERAS_SPEC_DIFFERS:
        assert got["symbolic_shape"] != want["symbolic_shape"], "Keras agrees now: drop it"
        assert got["symbolic_shape"][1:] == want["out_rank2_shape"][1:]
    else:
        assert got["symbolic_shape"] == want["symbolic_shape"]


@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_configs_match_real_keras(case, results):
    for when in ("config_made", "config_after"):
        assert _without_name(results[case][when]) == \
            _without_name(RECORDED["cases"][case][when]), when


@pytest.mark.parametrize("case", sorted(cases.CASES))
def test_from_config_and_saving_hooks_make_the_same_layer(case, tmp_path):
    """A given vocabulary is in the config; an adapted one (and its TF-IDF weights) comes
    back through the saving hooks, as from a Keras file's asset and variables."""
    layer = cases.make_layer(fastkeras, case)
    config = layer.get_config()
    again = keras.layers.TextVectorization.from_config(config)
    store = {}
    layer.save_own_variables(store)
    layer.save_assets(str(tmp_path))
    again.load_own_variables(store)
    again.load_assets(str(tmp_path))
    assert again.get_config() == config
    assert again.get_vocabulary() == layer.get_vocabulary()
    x = np.array(cases.CASES[case][2])
    np.testing.assert_array_equal(again(x), layer(x))


def _message(text):
    """Keras's message without its call wrapper, numpy 2's scalar reprs and the counters
    in layer names."""
    wrapped = re.search("\x1b\\[1m(.*?)\x1b\\[0m", text, re.S)
    text = wrapped.group(1) if wrapped else text
    text = re.sub(r"np\.str_\((.*?)\)", r"\1", text)
    return re.sub(r"(string_lookup)(_\d+)?'", r"\1_N'", text)


@pytest.mark.parametrize("case", sorted(cases.ERRORS))
def test_errors_match_real_keras(case):
    want = RECORDED["errors"][case]
    with pytest.raises(Exception) as info:
        cases.ERRORS[case](fastkeras)
    assert type(info.value).__name__ == want["type"]
    assert _message(str(info.value)) == _message(want["message"])


# ---- fastkeras's own forms ---------------------------------------------------------------
@pytest.mark.parametrize("arg", ["sparse", "ragged"])
def test_sparse_and_ragged_are_refused_as_keras_does_off_tensorflow(arg):
    with pytest.raises(ValueError, match=f"`{arg}=True` can only be used with the "
                                         "TensorFlow backend"):
        keras.layers.TextVectorization(**{arg: True})


def test_callables_get_numpy_strings():
    seen = {}

    def shout(x):
        seen["standardize"] = x
        return np.char.upper(x)

    def on_commas(x):
        seen["split"] = x
        return [s.split(",") for s in x.tolist()]

    layer = keras.layers.TextVectorization(standardize=shout, split=on_commas)
    layer.adapt(["a,b", "b,c", "b"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "C", "A"]
    np.testing.assert_array_equal(layer(np.array([["a,z"], ["c"]])), [[4, 1], [3, 0]])
    assert isinstance(seen["standardize"], np.ndarray) and seen["standardize"].shape == (2, 1)
    assert isinstance(seen["split"], np.ndarray) and seen["split"].shape == (2,)
    with pytest.raises(ValueError, match="returned 1 token sequences for 2 strings"):
        keras.layers.TextVectorization(split=lambda x: [["a"]], vocabulary=["a"])(
            np.array(["a", "b"]))


def test_set_vocabulary_file_bytes_and_batches(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nfire\n", encoding="utf-8")
    layer = keras.layers.TextVectorization(output_sequence_length=3)
    layer.set_vocabulary(str(path))
    assert layer.vocabulary_size() == 5
    np.testing.assert_array_equal(layer([b"Fire, WIND!", "air earth".encode()]),
                                  [[4, 3, 0], [1, 2, 0]])
    batches = keras.layers.TextVectorization()
    batches.adapt(iter([np.array(["a b b"]), np.array(["c c c", "x"])]), steps=1)
    assert batches.get_vocabulary() == ["", "[UNK]", "b", "a"]
    with pytest.raises(ValueError, match="expected string inputs"):
        layer(np.array([1.0, 2.0]))


def test_rank_one_model_input_and_empty_batch():
    layer = keras.layers.TextVectorization(vocabulary=["a", "b"])
    assert layer(keras.Input(shape=(), dtype="string")).shape == (None, None)
    assert layer(np.array(["", " "])).shape == (2, 0)


# ---- models ------------------------------------------------------------------------------
def test_keras_written_model_loads_and_predicts_the_same():
    model = keras.models.load_model(KERAS_MODEL)
    got = model.predict(np.array(cases.INPUTS).reshape(-1, 1), verbose=0)
    np.testing.assert_allclose(got, RECORDED["model_predictions"], atol=1e-6, rtol=0)
    # The model's layer was adapted on the corpus with max_tokens=20.
    assert model.get_layer("vectorize").get_vocabulary() == \
        RECORDED["cases"]["default"]["vocabulary"][:20]


def _text_model():
    keras.utils.set_random_seed(3)
    vectorize = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=8)
    vectorize.adapt(cases.CORPUS)
    inputs = keras.Input(shape=(1,), dtype="string")
    x = keras.layers.Embedding(30, 8)(vectorize(inputs))
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
    return model


def test_text_model_fits_and_round_trips_through_a_keras_file(tmp_path):
    model = _text_model()
    x = np.array(cases.CORPUS * 8).reshape(-1, 1)
    y = np.array([("cat" in s or "dog" in s) for s in x[:, 0]], "float32")
    losses = model.fit(x, y, epochs=2, batch_size=8, verbose=0).history["loss"]
    assert np.isfinite(losses).all() and losses[1] < losses[0]
    predictions = model.predict(x, verbose=0)
    assert predictions.shape == (len(x), 1)
    model.save(tmp_path / "text.keras")
    with zipfile.ZipFile(tmp_path / "text.keras") as ours, zipfile.ZipFile(KERAS_MODEL) as ks:
        assert sorted(ours.namelist()) == sorted(ks.namelist())  # Keras's asset entries
    again = keras.models.load_model(tmp_path / "text.keras")
    assert again.layers[1].get_vocabulary() == model.layers[1].get_vocabulary()
    np.testing.assert_allclose(again.predict(x, verbose=0), predictions, atol=1e-6, rtol=0)


@keras.saving.register_keras_serializable(package="test_text_vectorization")
def _shout(x):
    return np.char.upper(x)


def test_registered_callable_standardize_round_trips_in_a_model_file(tmp_path):
    inputs = keras.Input(shape=(1,), dtype="string")
    layer = keras.layers.TextVectorization(standardize=_shout, vocabulary=["A", "B"])
    keras.Model(inputs, layer(inputs)).save(tmp_path / "shout.keras")
    again = keras.models.load_model(tmp_path / "shout.keras")
    assert again.layers[1].get_config()["standardize"] is _shout
    np.testing.assert_array_equal(again.predict(np.array([["b a c"]]), verbose=0), [[3, 2, 1]])
