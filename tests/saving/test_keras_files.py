"""Interchange with real Keras 3, both ways, through committed files (no Keras needed):

* tests/fixtures/saving/<case>.keras and .weights.h5 were written by Keras 3.15
  (make_keras_saving.py): fastkeras loads them, predicts what Keras predicted, resumes
  with Keras's optimizer state and continues training to Keras's numbers.
* tests/fixtures/saving/fastkeras_written/ were written by fastkeras
  (make_fastkeras_saving.py) and checked to load in Keras by make_keras_saving.py: fastkeras
  still reads them, and still writes the same config and weights layout (a change of the
  writer fails here until both scripts are run again)."""

import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras

h5py = pytest.importorskip("h5py")

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SAVED = FIXTURES / "saving"
WRITTEN = SAVED / "fastkeras_written"
sys.path.insert(0, str(FIXTURES))
import saving_cases  # noqa: E402

saving_cases.scaled_dense_class(keras)  # the custom layer the files name, registered
KERAS = np.load(SAVED / "keras_written.npz")
OURS = np.load(WRITTEN / "expected.npz")
CASES = sorted(saving_cases.CASES)
DETERMINISTIC = [name for name in CASES if saving_cases.CASES[name][2]]


def _check_predictions(model, name, expected, atol):
    x = saving_cases.data(name)[0]
    for i, got in enumerate(saving_cases.flat(model.predict(x, verbose=0))):
        np.testing.assert_allclose(got, expected[f"{name}/pred{i}"], atol=atol, rtol=0)


@pytest.mark.parametrize("name", CASES)
def test_keras_written_file_loads_and_predicts_as_keras(name):
    model = keras.models.load_model(SAVED / f"{name}.keras")
    for i, x in enumerate(saving_cases.flat(saving_cases.data(name)[0])):
        np.testing.assert_array_equal(x, KERAS[f"{name}/x{i}"])  # the same inputs
    _check_predictions(model, name, KERAS, atol=1e-6)
    assert model.compiled and isinstance(model.optimizer, keras.optimizers.Adam)
    assert int(model.optimizer.iterations.value) == int(KERAS[f"{name}/iterations"])
    assert model.optimizer.learning_rate == pytest.approx(saving_cases.LEARNING_RATE)


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_keras_written_file_continues_training_as_keras(name):
    """Two more steps after loading give Keras's losses and predictions: the optimizer's
    slots and iteration count came from the file (fresh Adam state misses by ~1e-2)."""
    model = keras.models.load_model(SAVED / f"{name}.keras")
    losses, preds = saving_cases.continue_training(model, name)
    np.testing.assert_allclose(losses, KERAS[f"{name}/continued_losses"], atol=1e-4, rtol=0)
    for i, got in enumerate(preds):
        np.testing.assert_allclose(got, KERAS[f"{name}/continued_pred{i}"], atol=1e-4, rtol=0)


@pytest.mark.parametrize("name", CASES)
def test_keras_written_weights_file_loads_into_a_fastkeras_model(name):
    model = saving_cases.CASES[name][0](keras)
    model.load_weights(SAVED / f"{name}.weights.h5")
    _check_predictions(model, name, KERAS, atol=1e-6)


@pytest.mark.parametrize("name", CASES)
def test_fastkeras_written_file_still_loads(name):
    model = keras.models.load_model(WRITTEN / f"{name}.keras")
    _check_predictions(model, name, OURS, atol=1e-6)
    assert int(model.optimizer.iterations.value) == int(OURS[f"{name}/iterations"])
    fresh = saving_cases.CASES[name][0](keras)
    fresh.load_weights(WRITTEN / f"{name}.weights.h5")
    _check_predictions(fresh, name, OURS, atol=1e-6)


def _layout(data):
    """A weights file's groups and datasets: {path: (attributes, shape)}."""
    out = {}
    with h5py.File(io.BytesIO(data), "r") as f:
        f.visititems(lambda path, obj: out.__setitem__(
            path, ({k: str(v) for k, v in obj.attrs.items()}, getattr(obj, "shape", None))))
    return out


@pytest.mark.parametrize("name", CASES)
def test_fastkeras_still_writes_the_files_keras_read(name, tmp_path):
    """The model loaded from the committed file, saved again, gives the same config and the
    same weights layout (names, attributes, shapes) as the file Keras was checked to read."""
    model = keras.models.load_model(WRITTEN / f"{name}.keras")
    model.save(tmp_path / "again.keras")
    with zipfile.ZipFile(WRITTEN / f"{name}.keras") as old, \
            zipfile.ZipFile(tmp_path / "again.keras") as new:
        assert json.loads(new.read("config.json")) == json.loads(old.read("config.json"))
        assert _layout(new.read("model.weights.h5")) == _layout(old.read("model.weights.h5"))
        assert [i.filename for i in new.infolist()] == [i.filename for i in old.infolist()]


@pytest.mark.parametrize("name", CASES)
def test_fastkeras_writes_keras_layout_for_the_same_model(name, tmp_path):
    """Keras's file and fastkeras's file of the same architecture have the same groups,
    "name" attributes and dataset shapes (the optimizer's iteration counter aside: Keras
    on JAX keeps it as int32, fastkeras as int64; each library reads either)."""
    keras_model = keras.models.load_model(SAVED / f"{name}.keras")
    keras_model.save(tmp_path / "ours.keras")
    with zipfile.ZipFile(SAVED / f"{name}.keras") as theirs, \
            zipfile.ZipFile(tmp_path / "ours.keras") as ours:
        assert _layout(ours.read("model.weights.h5")) == \
            _layout(theirs.read("model.weights.h5"))
