"""Lookup layers' vocabularies in `.keras` files: Keras 3's `assets/<object path>/` entries
(saving_lib's DiskIOStore), written and read both ways with real Keras through committed
files (tests/fixtures/make_keras_saving_lookup.py, make_fastkeras_saving.py lookup), and
what a damaged or unsafe asset entry does. Weights files hold no assets, as Keras's."""

import io
import json
import os
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.saving.keras_file import KerasFileError

h5py = pytest.importorskip("h5py")
L = keras.layers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAVED = FIXTURES / "saving"
WRITTEN = SAVED / "fastkeras_written"
sys.path.insert(0, str(FIXTURES))
import saving_cases  # noqa: E402

KERAS = np.load(SAVED / "keras_lookup_written.npz")
OURS = np.load(WRITTEN / "lookup_expected.npz")
INPUTS = saving_cases.lookup_inputs()
ASSET_NAMES = ["assets/layers/integer_lookup/vocabulary.txt",
               "assets/layers/string_lookup/vocabulary.txt",
               "assets/layers/string_lookup_1/vocabulary.txt"]


def _predict(model, inputs=INPUTS):
    return np.asarray(model.predict(inputs, verbose=0))


def _assets(path_or_bytes):
    """{entry name: bytes} of the `assets/` entries of a `.keras` file."""
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(source) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n.startswith("assets/")}


def _vocabularies_equal(model, expected):
    vocabularies = saving_cases.lookup_vocabularies(model)
    assert sorted(vocabularies) == sorted(k[len("vocab/"):] for k in expected.files
                                          if k.startswith("vocab/"))
    for name, vocabulary in vocabularies.items():
        assert vocabulary == expected[f"vocab/{name}"].tolist(), name


# ---- interchange with real Keras ---------------------------------------------------------
def test_keras_written_file_restores_vocabularies_and_predictions():
    model = keras.models.load_model(SAVED / "lookup.keras")
    _vocabularies_equal(model, KERAS)
    np.testing.assert_allclose(_predict(model), KERAS["pred"], atol=1e-6, rtol=0)


def test_fastkeras_written_file_still_loads_and_is_rewritten_the_same(tmp_path):
    """The file Keras was checked to read loads here too; saved again it holds the same
    entries and the same asset bytes (a change of the writer fails here until both
    fixture scripts are run again)."""
    model = keras.models.load_model(WRITTEN / "lookup.keras")
    _vocabularies_equal(model, OURS)
    np.testing.assert_allclose(_predict(model), OURS["pred"], atol=1e-6, rtol=0)
    model.save(tmp_path / "again.keras")
    with zipfile.ZipFile(WRITTEN / "lookup.keras") as old, \
            zipfile.ZipFile(tmp_path / "again.keras") as new:
        assert new.namelist() == old.namelist()
        assert json.loads(new.read("config.json")) == json.loads(old.read("config.json"))
    assert _assets(tmp_path / "again.keras") == _assets(WRITTEN / "lookup.keras")


def test_fastkeras_writes_keras_asset_entries_for_the_same_model(tmp_path):
    """Keras's file, loaded and saved by fastkeras: the same asset names and bytes."""
    keras.models.load_model(SAVED / "lookup.keras").save(tmp_path / "ours.keras")
    theirs, ours = _assets(SAVED / "lookup.keras"), _assets(tmp_path / "ours.keras")
    assert sorted(theirs) == ASSET_NAMES
    assert ours == theirs
    with zipfile.ZipFile(tmp_path / "ours.keras") as zf:  # after the weights, as Keras
        assert zf.namelist()[:3] == ["metadata.json", "config.json", "model.weights.h5"]


@pytest.mark.parametrize("source,expected", [(SAVED, KERAS), (WRITTEN, OURS)],
                         ids=["keras_written", "fastkeras_written"])
def test_weights_file_keeps_the_models_own_vocabularies(source, expected):
    """As Keras: a `.weights.h5` holds no vocabulary (the TF-IDF weights are variables, so
    they are in it); a model adapted on other data keeps its vocabularies and takes the
    weights, predicting what Keras's did in the same case."""
    with h5py.File(source / "lookup.weights.h5", "r") as f:
        names = []
        f.visit(names.append)
    assert not [n for n in names if "vocab" in n or "asset" in n]
    assert "layers/string_lookup_1/vars/idf_weights" in names
    model = saving_cases.lookup(keras, other=True)
    own = saving_cases.lookup_vocabularies(model)
    model.load_weights(source / "lookup.weights.h5")
    assert saving_cases.lookup_vocabularies(model) == own
    assert own["word_ids"] != expected["vocab/word_ids"].tolist()  # the case is not moot
    np.testing.assert_allclose(_predict(model), expected["other_pred"], atol=1e-6, rtol=0)


# ---- round trips --------------------------------------------------------------------------
def _lookup_zoo():
    """Adapted lookups in several modes (mask, two OOV indices, TF-IDF over integers, a
    padded multi-hot), a given vocabulary (kept in the config, no asset) and Hashing."""
    words_data, codes_data = saving_cases.lookup_adapt_data()
    words = keras.Input(shape=(3,), dtype="string", name="words")
    codes = keras.Input(shape=(4,), dtype="int64", name="codes")
    masked = L.StringLookup(mask_token="", num_oov_indices=2, name="masked")
    masked.adapt(words_data)
    code_idf = L.IntegerLookup(output_mode="tf_idf", name="code_idf")
    code_idf.adapt(codes_data)
    padded = L.StringLookup(max_tokens=8, pad_to_max_tokens=True, output_mode="count",
                            name="padded")
    padded.adapt(words_data)
    given = L.StringLookup(vocabulary=["blue", "red"], output_mode="one_hot", name="given")
    hashed = L.Hashing(num_bins=3, output_mode="count", name="hashed")
    parts = [L.Flatten()(L.Embedding(masked.vocabulary_size(), 2)(masked(words))),
             code_idf(codes), padded(words), L.Flatten()(given(words)), hashed(words)]
    out = L.Dense(3, name="out")(L.Concatenate()(parts))
    return keras.Model([words, codes], out, name="zoo")


def test_round_trip_restores_every_vocabulary(tmp_path):
    model = _lookup_zoo()
    model.save(tmp_path / "zoo.keras")
    paths, used = {}, {}  # Keras's: the class in snake case, numbered in `layers` order
    for layer in model.layers:
        kind = {"StringLookup": "string_lookup", "IntegerLookup": "integer_lookup"}.get(
            type(layer).__name__)
        if kind:
            used[kind] = used.get(kind, -1) + 1
            paths[layer.name] = kind + (f"_{used[kind]}" if used[kind] else "")
    assert sorted(_assets(tmp_path / "zoo.keras")) == sorted(  # not the given vocabulary's
        f"assets/layers/{paths[name]}/vocabulary.txt" for name in paths if name != "given")
    loaded = keras.models.load_model(tmp_path / "zoo.keras")
    assert saving_cases.lookup_vocabularies(loaded) == saving_cases.lookup_vocabularies(model)
    np.testing.assert_array_equal(loaded.get_layer("code_idf").idf_weights,
                                  model.get_layer("code_idf").idf_weights)
    np.testing.assert_allclose(_predict(loaded), _predict(model), atol=1e-6, rtol=0)


def test_save_weights_holds_no_assets_and_load_weights_reads_none(tmp_path):
    model = saving_cases.lookup(keras)
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5", "r") as f:
        names = []
        f.visit(names.append)
    assert not [n for n in names if "vocab" in n]
    model.save(tmp_path / "m.keras")
    other = saving_cases.lookup(keras, other=True)
    own = saving_cases.lookup_vocabularies(other)
    other.load_weights(tmp_path / "m.keras")  # a `.keras` file's weights only, as Keras
    assert saving_cases.lookup_vocabularies(other) == own


def test_load_weights_refuses_idf_weights_of_another_size(tmp_path):
    model = saving_cases.lookup(keras)
    model.save_weights(tmp_path / "m.weights.h5")
    words = keras.Input(shape=(3,), dtype="string", name="words")
    codes = keras.Input(shape=(4,), dtype="int64", name="codes")
    ids = L.StringLookup(name="word_ids")
    ids.adapt(np.array([["a", "b", "c"]]))
    tf_idf = L.StringLookup(output_mode="tf_idf", name="word_tfidf")
    tf_idf.adapt(np.array([["a", "b"]]))  # 3 weights, not 6
    hashed = L.Hashing(num_bins=4, output_mode="multi_hot", name="word_hash")
    hot = L.IntegerLookup(output_mode="multi_hot", name="code_hot")
    hot.adapt(saving_cases.LOOKUP_CODES)
    x = L.Concatenate(name="concat")([L.Flatten(name="flat")(L.Embedding(6, 2, name="emb")(
        ids(words))), tf_idf(words), hashed(words), hot(codes)])
    other = keras.Model([words, codes], L.Dense(2, name="out")(x))
    before = [v.numpy() for v in other.variables]
    with pytest.raises(ValueError, match=r"(?s)m.weights.h5.*variable.shape=\(3,\), "
                                           r"Received: value.shape=\(6,\).*word_tfidf"):
        other.load_weights(tmp_path / "m.weights.h5")
    assert tf_idf.idf_weights.shape == (3,)
    for v, b in zip(other.variables, before):  # undone: never half loaded
        np.testing.assert_array_equal(v.numpy(), b)


# ---- what load_assets is given ------------------------------------------------------------
SEEN = []


@keras.saving.register_keras_serializable(package="AssetsTest", name="Noted")
class Noted(L.Layer):
    """Writes one file per instance (none when `files` is empty); records what it is given."""

    def __init__(self, files=("note.txt",), **kwargs):
        super().__init__(**kwargs)
        self.files = list(files)

    def call(self, x):
        return x

    def save_assets(self, dir_path):
        for name in self.files:
            with open(os.path.join(dir_path, name), "w") as f:
                f.write(self.name)

    def load_assets(self, dir_path):
        listing = None if dir_path is None else sorted(os.listdir(dir_path))
        contents = {n: Path(dir_path, n).read_text() for n in listing or []}
        SEEN.append((self.name, dir_path, listing, contents))

    def get_config(self):
        return {**super().get_config(), "files": self.files}


def test_each_object_gets_only_its_files_in_a_temporary_directory(tmp_path, monkeypatch):
    x = keras.Input((2,), name="x")
    y = Noted(name="one")(x)
    y = Noted(files=("a.txt", "b.txt"), name="two")(y)
    y = Noted(files=(), name="three")(y)
    model = keras.Model(x, L.Dense(1, name="out")(y))
    model.save(tmp_path / "m.keras")
    assert sorted(_assets(tmp_path / "m.keras")) == [
        "assets/layers/noted/note.txt", "assets/layers/noted_1/a.txt",
        "assets/layers/noted_1/b.txt"]
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(tmp_path)
    listing = sorted(os.listdir(tmp_path))
    SEEN.clear()
    keras.models.load_model(tmp_path / "m.keras")
    by_name = {name: (folder, files, contents) for name, folder, files, contents in SEEN}
    assert by_name["one"][1:] == (["note.txt"], {"note.txt": "one"})
    assert by_name["two"][1:] == (["a.txt", "b.txt"], {"a.txt": "two", "b.txt": "two"})
    assert by_name["three"] == (None, None, {})  # nothing saved: None, as Keras
    for folder, _, _ in (by_name["one"], by_name["two"]):
        assert Path(folder).parent == scratch and not Path(folder).exists()
    assert os.listdir(scratch) == []  # every temporary directory removed
    assert sorted(os.listdir(tmp_path)) == listing  # nothing extracted elsewhere


# ---- damaged and unsafe files --------------------------------------------------------------
@pytest.fixture(scope="module")
def lookup_file(tmp_path_factory):
    """The bytes of a saved lookup model, and its predictions."""
    path = tmp_path_factory.mktemp("lookup") / "m.keras"
    model = saving_cases.lookup(keras)
    model.save(path)
    return path.read_bytes(), _predict(model)


def _rewritten(data, tmp_path, change=None, extra=(), name="bad.keras"):
    """The archive with entries replaced (`change`: name -> bytes, None drops it) and
    `extra` (name, bytes) entries added."""
    change = change or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst, \
            warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Duplicate name")  # wanted by one test
        for entry in src.namelist():
            value = change.get(entry, src.read(entry))
            if value is not None:
                dst.writestr(entry, value)
        for entry, value in extra:
            dst.writestr(entry, value)
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return path


INT_VOCAB = "assets/layers/integer_lookup/vocabulary.txt"
WORD_VOCAB = "assets/layers/string_lookup/vocabulary.txt"
IDF_VOCAB = "assets/layers/string_lookup_1/vocabulary.txt"


@pytest.mark.parametrize("change,message", [
    ({WORD_VOCAB: None}, r"vocabulary.txt of StringLookup 'word_ids' is missing"),
    ({INT_VOCAB: b"-1\n1\nseven\n3"}, r"not an integer at line 3: 'seven'"),
    ({WORD_VOCAB: b"[UNK]\nred\n\xff\xfe"}, r"vocabulary.txt of StringLookup 'word_ids' is "
                                            r"not UTF-8"),
    ({WORD_VOCAB: b"[UNK]\nred\nred\ngreen\nblue\ncat"}, r"repeated term"),
    ({INT_VOCAB: b"-1\n1\n2"}, r"vocabulary size cannot be changed after the layer is "
                                r"called. Old vocab size is 6, new vocab size is 3"),
    ({IDF_VOCAB: b""}, r"Cannot set an empty vocabulary"),
], ids=["missing", "not_integer", "not_utf8", "repeated", "size_changed", "empty"])
def test_bad_vocabulary_asset_names_the_file(lookup_file, tmp_path, change, message):
    path = _rewritten(lookup_file[0], tmp_path, change)
    with pytest.raises(ValueError, match=message) as info:
        keras.models.load_model(path)
    folder = next(iter(change)).rsplit("/", 1)[0]
    assert f"{folder}/ of {path}" in str(info.value)  # the asset folder, in the archive


def test_a_file_without_assets_does_not_load_adapted_lookups_silently(lookup_file, tmp_path):
    """A file with no `assets/` at all (Keras would skip every load_assets there): an
    adapted vocabulary missing is still an error, not an empty vocabulary."""
    path = _rewritten(lookup_file[0], tmp_path, {n: None for n in ASSET_NAMES})
    with pytest.raises(ValueError, match="A total of 3 objects could not be loaded"):
        keras.models.load_model(path)


@pytest.mark.parametrize("entry,message", [
    ("assets/layers//string_lookup/vocabulary.txt", "unsafe name"),
    ("assets/./layers/x.txt", "unsafe name"),
    ("assets/layers/a\\b.txt", "unsafe name"),
    ("assets/../../escaped.txt", "unsafe path"),
    (WORD_VOCAB, "twice"),
    (WORD_VOCAB + "/inner.txt", "both a file and a folder"),
])
def test_unsafe_or_clashing_asset_entries_are_refused_before_the_model_exists(
        lookup_file, tmp_path, monkeypatch, entry, message):
    import fastkeras.saving.serialization_lib as serialization_lib

    def must_not_run(*args, **kwargs):
        raise AssertionError("the model was made before the archive was checked")

    monkeypatch.setattr(serialization_lib, "deserialize_keras_object", must_not_run)
    monkeypatch.chdir(tmp_path)
    path = _rewritten(lookup_file[0], tmp_path, extra=[(entry, b"x")])
    with pytest.raises(KerasFileError, match=message):
        keras.models.load_model(path)
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_damaged_asset_entry_is_refused(lookup_file, tmp_path):
    data = bytearray(lookup_file[0])
    at = bytes(data).index(b"[UNK]\nred\ngreen")
    data[at + 6:at + 9] = b"RED"  # same size, wrong CRC
    path = tmp_path / "crc.keras"
    path.write_bytes(bytes(data))
    with pytest.raises(KerasFileError, match=r"crc.keras is damaged: its entry assets/"):
        keras.models.load_model(path)


def test_load_weights_of_a_keras_file_ignores_its_assets(lookup_file, tmp_path):
    """Keras reads no assets in load_weights: a broken vocabulary there does not matter."""
    path = _rewritten(lookup_file[0], tmp_path, {WORD_VOCAB: b"\xff"})
    model = saving_cases.lookup(keras)  # adapted as the saved one, other initial weights
    assert np.abs(_predict(model) - lookup_file[1]).max() > 1e-3
    model.load_weights(path)
    np.testing.assert_allclose(_predict(model), lookup_file[1], atol=1e-6, rtol=0)
