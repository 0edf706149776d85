"""keras.utils.split_dataset and keras.utils.timeseries_dataset_from_array (NumPy-backed)
against real Keras 3 (tests/fixtures/keras_data_utils.json, made by
make_keras_data_utils.py from data_utils_cases): split sizes and contents, windows and
batches, and Keras's errors; then what fastkeras adds: fit and predict on the windows."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.utils.timeseries import TimeseriesDataset

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
sys.path.insert(0, FIXTURES)

import data_utils_cases as cases  # noqa: E402

with open(os.path.join(FIXTURES, "keras_data_utils.json")) as f:
    GOLDEN = json.load(f)


@pytest.mark.parametrize("case", sorted(cases.SPLITS))
def test_split_matches_keras(case):
    """The same samples on each side, in the same order (shuffled ones too: Keras's
    Python-random permutation for the seed), with the input's dtypes."""
    assert cases.run_split(keras, case) == GOLDEN["splits"][case]


def test_split_returns_the_input_structure():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = keras.utils.split_dataset([x, y], left_size=0.7)
    assert type(left) is tuple and len(left) == 2 and left[0].shape == (7, 2)
    np.testing.assert_array_equal(right[1], y[7:])
    left, right = keras.utils.split_dataset(x, right_size=2)
    assert isinstance(left, np.ndarray) and left.shape == (8, 2)


def test_split_shuffle_without_seed_follows_set_random_seed():
    data = (np.arange(50),)
    keras.utils.set_random_seed(5)
    first = keras.utils.split_dataset(data, left_size=0.5, shuffle=True)
    keras.utils.set_random_seed(5)
    again = keras.utils.split_dataset(data, left_size=0.5, shuffle=True)
    np.testing.assert_array_equal(first[0][0], again[0][0])
    assert sorted(np.concatenate([first[0][0], first[1][0]])) == list(range(50))


@pytest.mark.parametrize("case", sorted(cases.SPLIT_ERRORS))
def test_split_errors_match_keras(case):
    want_type, want_message = GOLDEN["split_errors"][case]
    gist = cases.SPLIT_ERRORS[case][2]
    kind, message = cases.run_split_error(keras, case)
    assert kind == want_type, message
    assert gist in want_message and gist in message


def test_split_refuses_a_tf_dataset_clearly():
    """fastkeras has no tf.data: a Dataset (recognised by its classes, as Keras does) is
    refused with a TypeError that says so."""
    fake = type("DatasetV2", (), {"__module__": "tensorflow.python.data.ops.dataset_ops"})
    with pytest.raises(TypeError, match="no TensorFlow"):
        keras.utils.split_dataset(fake(), left_size=0.5)


@pytest.mark.parametrize("case", sorted(cases.WINDOWS))
def test_windows_match_keras(case):
    got, want = cases.run_windows(keras, case), GOLDEN["windows"][case]
    if cases.WINDOWS[case][1].get("shuffle"):
        # The windows and their targets, as a set: Keras's tf.data buffer shuffle uses
        # TensorFlow's random stream, which fastkeras does not reproduce.
        def windows(items):
            return sorted(json.dumps([x, y]) for item in items
                          for x, y in zip(item["x"], item["y"]))
        assert windows(got) == windows(want)
        assert [len(i["x"]) for i in got] == [len(i["x"]) for i in want]  # batch sizes
    else:
        assert got == want


@pytest.mark.parametrize("case", sorted(cases.WINDOW_ERRORS))
def test_window_errors_match_keras(case):
    want_type, want_message = GOLDEN["window_errors"][case]
    gist = cases.WINDOW_ERRORS[case][1]
    kind, message = cases.run_window_error(keras, case)
    assert kind == want_type, message
    assert gist in want_message and gist in message


def test_shuffled_start_positions_are_keras_first_permutation():
    """shuffle=True permutes the start positions by np.random.RandomState(seed), the step
    Keras takes before its tf.data buffer shuffle."""
    data = np.arange(30, dtype="float32")
    ds = keras.utils.timeseries_dataset_from_array(data, data * 2, sequence_length=3,
                                                   batch_size=None, shuffle=True, seed=9)
    starts = np.arange(28)
    np.random.RandomState(9).shuffle(starts)
    np.testing.assert_array_equal([x[0] for x, _ in ds], starts)
    np.testing.assert_array_equal([y for _, y in ds], starts * 2)


def test_targets_too_short_for_start_index_are_refused():
    data = np.arange(30, dtype="float32")
    with pytest.raises(ValueError, match="`targets` has 5 entries"):
        keras.utils.timeseries_dataset_from_array(data, data[:10], sequence_length=3,
                                                  start_index=5)


def test_dataset_is_a_py_dataset_with_keras_indexing():
    ds = keras.utils.timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
                                                   batch_size=3)
    assert isinstance(ds, keras.utils.PyDataset) and isinstance(ds, TimeseriesDataset)
    assert len(ds) == 3  # 8 windows in batches of 3
    np.testing.assert_array_equal(ds[-1], [[6, 7, 8], [7, 8, 9]])
    with pytest.raises(IndexError):
        ds[3]


def test_fit_and_predict_on_windows(backend):
    """fit reads the batches in their order even with its default shuffle=True (as it
    reads a tf.data.Dataset), equal to fit on the same windows as arrays; predict gives
    one row per window."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(60, 2)).astype("float32")
    target = series[:, :1] * 2.0
    ds = keras.utils.timeseries_dataset_from_array(series, target, sequence_length=4,
                                                   batch_size=8)
    x = np.stack([series[i:i + 4] for i in range(57)])
    y = target[:57]
    runs = []
    for fit_args in ((ds,), (x, y)):
        model = keras.Sequential([keras.Input((4, 2)), keras.layers.Flatten(),
                                  keras.layers.Dense(1)])
        model.set_weights([np.full(w.shape, 0.1, "float32") for w in model.get_weights()])
        model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        kwargs = {} if len(fit_args) == 1 else dict(batch_size=8, shuffle=False)
        runs.append(model.fit(*fit_args, epochs=2, verbose=0, **kwargs).history["loss"])
        assert model.predict(ds, verbose=0).shape == (57, 1)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-5)
