"""Damaged, wrong and mismatched files: a clean error of Keras's type (ValueError, or
OSError for an unreadable HDF5 file) naming the file and the problem, never a crash and
never a half-loaded model."""

import io
import re
import zipfile

import numpy as np
import pytest

import fastkeras as keras

pytest.importorskip("h5py")
L = keras.layers


def _model(units=6, extra=False, name="m"):
    layers = [keras.Input((4,), name="x"), L.Dense(units, activation="relu", name="a"),
              L.BatchNormalization(name="bn")]
    if extra:
        layers.append(L.Dense(3, name="extra"))
    return keras.Sequential(layers + [L.Dense(2, name="out")], name=name)


X = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained model and its `.keras` and `.weights.h5` files."""
    folder = tmp_path_factory.mktemp("saved")
    model = _model()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(X, np.ones((6, 2), "float32"), batch_size=3, epochs=1, verbose=0)
    model.save(folder / "m.keras")
    model.save_weights(folder / "m.weights.h5")
    return model, folder


def _state(model):
    out = [v.numpy() for v in model.variables]
    if model.optimizer is not None:
        out += [v.numpy() for v in model.optimizer.variables]
    return out


def _assert_unchanged(model, before):
    after = _state(model)
    assert len(after) == len(before)
    for a, b in zip(after, before):
        np.testing.assert_array_equal(a, b)


def test_truncated_keras_file(saved, tmp_path):
    data = (saved[1] / "m.keras").read_bytes()
    for cut in (1, 30, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        path = tmp_path / f"cut{cut}.keras"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=f"cut{cut}.keras"):
            keras.models.load_model(path)


def test_empty_and_non_zip_keras_files(tmp_path):
    (tmp_path / "empty.keras").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.keras.*empty"):
        keras.models.load_model(tmp_path / "empty.keras")
    (tmp_path / "text.keras").write_text("not a zip at all")
    with pytest.raises(ValueError, match="text.keras is not a valid `.keras` file"):
        keras.models.load_model(tmp_path / "text.keras")
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "model.pb")


def test_weights_file_given_to_load_model(saved, tmp_path):
    h5 = tmp_path / "model.h5"
    h5.write_bytes((saved[1] / "m.weights.h5").read_bytes())
    with pytest.raises(ValueError, match="model.h5 is an HDF5 file"):
        keras.models.load_model(h5)
    with pytest.raises(ValueError, match="HDF5 file"):
        keras.models.load_model(saved[1] / "m.weights.h5")
    renamed = tmp_path / "weights.keras"  # an HDF5 file under the right name
    renamed.write_bytes(h5.read_bytes())
    with pytest.raises(ValueError, match="weights.keras is not a valid `.keras` file"):
        keras.models.load_model(renamed)


def _rezip(data, drop=(), replace=None):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info.filename, (replace or {}).get(info.filename,
                                                                src.read(info.filename)))
    return out.getvalue()


def test_archives_missing_or_with_bad_entries(saved, tmp_path):
    data = (saved[1] / "m.keras").read_bytes()
    cases = {
        "noconfig": (_rezip(data, drop=("config.json",)), "has no config.json"),
        "noweights": (_rezip(data, drop=("model.weights.h5",)),
                      "Expected a model.weights.h5"),
        "badjson": (_rezip(data, replace={"config.json": b"{not json"}), "not valid JSON"),
        "notconfig": (_rezip(data, replace={"config.json": b"[1, 2]"}),
                      "not a serialized model config"),
        "badh5": (_rezip(data, replace={"model.weights.h5": b"\x89HDF garbage"}),
                  "not a valid HDF5 file"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / f"{name}.keras"
        path.write_bytes(content)
        with pytest.raises(ValueError, match=message) as info:
            keras.models.load_model(path)
        assert f"{name}.keras" in str(info.value)


@pytest.mark.filterwarnings("ignore:Skipping variable loading")  # no optimizer in the file
def test_weights_of_another_model_in_a_keras_file(saved, tmp_path):
    """config.json of one model with the weights of another: Keras's "could not be
    loaded" error, naming the layer and the file."""
    other = _model(units=5, name="m")
    other.save_weights(tmp_path / "o.weights.h5")
    data = _rezip((saved[1] / "m.keras").read_bytes(), replace={
        "model.weights.h5": (tmp_path / "o.weights.h5").read_bytes()})
    (tmp_path / "mixed.keras").write_bytes(data)
    with pytest.raises(ValueError, match="objects could not be loaded from .*mixed.keras") \
            as info:
        keras.models.load_model(tmp_path / "mixed.keras")
    assert re.search(r"shape \(4, 5\), but variable '([\w/]+/)?a/kernel' has shape \(4, 6\)",
                     str(info.value))


@pytest.mark.filterwarnings("ignore:Skipping variable loading")  # no optimizer in the file
def test_shape_mismatch_leaves_every_weight_unchanged(saved, tmp_path):
    _model(units=5).save_weights(tmp_path / "five.weights.h5")
    model = _model()
    model.compile("adam", "mse")
    model.fit(X, np.ones((6, 2), "float32"), epochs=1, verbose=0)
    before = _state(model)
    with pytest.raises(ValueError, match="five.weights.h5") as info:
        model.load_weights(tmp_path / "five.weights.h5")
    assert "Layer 'a'" in str(info.value)
    _assert_unchanged(model, before)
    # The same file as the model's own, then a mismatching one: the first load stays.
    model.load_weights(saved[1] / "m.weights.h5")
    loaded = _state(model)
    with pytest.raises(ValueError):
        model.load_weights(tmp_path / "five.weights.h5")
    _assert_unchanged(model, loaded)


def test_layer_count_mismatch_and_skip_mismatch(saved, tmp_path):
    """A file of a model with one more layer: the layer named "dense_1" in the file is
    that extra Dense (4 -> 3) where ours expects `out` (6 -> 2)."""
    bigger = _model(extra=True)
    bigger.save_weights(tmp_path / "big.weights.h5")
    model = _model()
    before = _state(model)
    with pytest.raises(ValueError, match="could not be loaded from .*big.weights.h5"):
        model.load_weights(tmp_path / "big.weights.h5")
    _assert_unchanged(model, before)
    with pytest.warns(UserWarning, match="could not be loaded"):
        model.load_weights(tmp_path / "big.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(model.get_layer("a").kernel.value,
                                  bigger.get_layer("a").kernel.value)
    out_kernel = [v is model.get_layer("out").kernel for v in model.variables].index(True)
    np.testing.assert_array_equal(model.get_layer("out").kernel.value, before[out_kernel])
    fewer = keras.Sequential([keras.Input((4,)), L.Dense(6, name="a")])
    fewer.save_weights(tmp_path / "few.weights.h5")
    with pytest.raises(ValueError, match="expected 4 variables, but received 0"):
        _model().load_weights(tmp_path / "few.weights.h5")


def test_unreadable_weights_files(saved, tmp_path):
    model = _model()
    before = _state(model)
    data = (saved[1] / "m.weights.h5").read_bytes()
    files = {"empty.weights.h5": b"", "text.weights.h5": b"hello",
             "cut.weights.h5": data[: len(data) // 2], "head.weights.h5": data[:600]}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(OSError, match=name):
            model.load_weights(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "missing.weights.h5")
    _assert_unchanged(model, before)


def _corrupt(data, rng):
    """One random damage: flipped bits, an overwritten span, a cut, or a removed span."""
    data = bytearray(data)
    kind = rng.integers(4)
    if kind == 0:
        for pos in rng.integers(0, len(data), rng.integers(1, 9)):
            data[pos] ^= 1 << int(rng.integers(8))
    elif kind == 1:
        start = int(rng.integers(len(data)))
        span = int(rng.integers(1, 64))
        data[start:start + span] = rng.integers(0, 256, len(data[start:start + span]),
                                                dtype=np.uint8).tobytes()
    elif kind == 2:
        data = data[:int(rng.integers(len(data)))]
    else:
        start = int(rng.integers(len(data)))
        del data[start:start + int(rng.integers(1, 64))]
    return bytes(data)


def test_a_thousand_random_corruptions_fail_cleanly_or_load_the_same_model(saved):
    model, folder = saved
    data = (folder / "m.keras").read_bytes()
    expected = model.predict(X, verbose=0)
    rng = np.random.default_rng(1234)
    outcomes = {"refused": 0, "loaded": 0}
    for _ in range(1000):
        damaged = _corrupt(data, rng)
        try:
            loaded = keras.models.load_model(io.BytesIO(damaged))
        except (ValueError, OSError):
            outcomes["refused"] += 1
            continue
        np.testing.assert_array_equal(loaded.predict(X, verbose=0), expected)
        outcomes["loaded"] += 1
    assert outcomes["refused"] > 900, outcomes  # the zip's CRCs catch almost everything


def test_random_corruptions_of_a_weights_file_fail_cleanly_and_change_nothing(saved, tmp_path):
    """200 damaged `.weights.h5` files: each raises ValueError/OSError and leaves the
    model as it was, or loads completely. (An HDF5 file carries no checksum of its data:
    a damaged value inside a dataset loads as it is, in Keras as here; a `.keras` archive
    has the zip's CRCs, see above.)"""
    data = (saved[1] / "m.weights.h5").read_bytes()
    model = _model()
    start = model.get_weights()
    rng = np.random.default_rng(99)
    path = tmp_path / "damaged.weights.h5"
    refused = 0
    for _ in range(200):
        path.write_bytes(_corrupt(data, rng))
        before = _state(model)
        try:
            model.load_weights(path)
        except (ValueError, OSError):
            refused += 1
            _assert_unchanged(model, before)
        model.set_weights(start)
    assert refused > 100
