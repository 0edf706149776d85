"""keras.datasets on synthetic files in Keras's cache layout, against what real Keras
returned for the same files (tests/fixtures/make_keras_datasets.py). Nothing downloads."""

import importlib
import json
import os
import sys

import numpy as np
import pytest

from fastkeras.utils import file_utils

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures")
sys.path.insert(0, FIXTURES)
import dataset_cases  # noqa: E402

EXPECTED = json.load(open(os.path.join(FIXTURES, "keras_datasets.json")))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A KERAS_HOME holding the synthetic files; each module's hash is the synthetic file's
    (so get_file's check passes), and any download attempt fails the test."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    files = dataset_cases.write_sources(str(tmp_path))

    def no_download(origin, target):
        raise AssertionError(f"attempted a download of {origin}")
    monkeypatch.setattr(file_utils, "_download", no_download)
    for module, rel in (("mnist", "mnist.npz"), ("imdb", "imdb.npz"),
                        ("reuters", "reuters.npz"), ("boston_housing", "boston_housing.npz"),
                        ("california_housing", "california_housing.npz"),
                        ("cifar100", "cifar-100-python-target_archive")):
        mod = importlib.import_module(f"fastkeras.datasets.{module}")
        monkeypatch.setattr(mod, "FILE_HASH", file_utils.hash_file(files[rel]))
    for module in ("imdb", "reuters"):
        mod = importlib.import_module(f"fastkeras.datasets.{module}")
        rel = f"{module}_word_index.json"
        monkeypatch.setattr(mod, "WORD_INDEX_HASH", file_utils.hash_file(files[rel], "md5"))
    return tmp_path


@pytest.mark.parametrize("name,module,fn,kwargs", dataset_cases.CALLS,
                         ids=[c[0] for c in dataset_cases.CALLS])
def test_load_data_returns_what_keras_returns(cache, name, module, fn, kwargs):
    mod = importlib.import_module(f"fastkeras.datasets.{module}")
    got = dataset_cases.describe(getattr(mod, fn)(**kwargs))
    assert got == EXPECTED["results"][name]


@pytest.mark.parametrize("module", dataset_cases.DOWNLOADS)
def test_downloads_keras_files_into_keras_cache(monkeypatch, module):
    """Same file name, URL, hash, cache folder and extraction as Keras asks get_file for."""
    mod = importlib.import_module(f"fastkeras.datasets.{module}")
    calls = []

    def record(*args, **kwargs):
        calls.append({**dict(zip(("fname", "origin"), args)), **kwargs})
        raise StopIteration
    monkeypatch.setattr(mod, "get_file", record)
    with pytest.raises(StopIteration):
        mod.load_data()
    assert calls[0] == EXPECTED["downloads"][module]


def test_cifar10_joins_five_batches_channels_last(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    rng = np.random.default_rng(0)
    batches = {f"data_batch_{i}": {"data": rng.integers(0, 256, (2, 3072), dtype="uint8"),
                                   "labels": [i, 9 - i]} for i in range(1, 6)}
    batches["test_batch"] = {"data": rng.integers(0, 256, (3, 3072), dtype="uint8"),
                             "labels": [0, 1, 2]}
    archive = tmp_path / "datasets" / "cifar-10-batches-py-target_archive"
    archive.parent.mkdir(parents=True)
    dataset_cases._cifar_tar(str(archive), "cifar-10-batches-py", batches)
    from fastkeras.datasets import cifar10
    monkeypatch.setattr(cifar10, "FILE_HASH", file_utils.hash_file(str(archive)))
    (x, y), (xt, yt) = cifar10.load_data()
    assert x.shape == (10, 32, 32, 3) and x.dtype == np.uint8 and y.dtype == np.uint8
    assert y.shape == (10, 1) and y[:, 0].tolist() == [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]
    first = batches["data_batch_1"]["data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x[0], first)
    assert xt.shape == (3, 32, 32, 3) and yt.dtype == np.uint8 and yt.shape == (3, 1)


def test_wrong_hash_of_cached_file_triggers_a_download(cache, monkeypatch):
    from fastkeras.datasets import mnist
    monkeypatch.setattr(mnist, "FILE_HASH", "0" * 64)
    with pytest.raises(AssertionError, match="attempted a download of .*mnist.npz"):
        mnist.load_data()


def test_bad_arguments_raise_keras_errors():
    from fastkeras.datasets import boston_housing, california_housing, cifar100
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="test_split"):
        california_housing.load_data(test_split=-0.1)


def test_dataset_pickles_cannot_run_code(tmp_path):
    import pickle
    from fastkeras.datasets.cifar import load_batch
    path = tmp_path / "evil"
    path.write_bytes(pickle.dumps({b"data": os.getcwd}, protocol=4))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to deserialize"):
        load_batch(str(path))
