"""The weights file writer: a layout seen before is written by patching its kept image, and
the bytes equal a fresh build's."""

import io

import h5py
import numpy as np

from fastkeras.saving import h5_store


def _writer(seed, rows=3):
    rng = np.random.default_rng(seed)
    w = h5_store.WeightsWriter()
    s = w.make("layers/dense", {"name": "dense"})
    s["0"] = rng.random((rows, 4), dtype=np.float32)
    s["1"] = rng.random(4, dtype=np.float32)
    s = w.make("optimizer", {"name": "adam"})
    s["0"] = np.int64(seed)
    s["1"] = np.float32(seed / 10)
    s["2"] = np.zeros((0, 3), np.float32)  # no storage: nothing to patch
    return w


def test_a_repeated_layout_is_patched_and_equals_a_fresh_build():
    first = _writer(1).to_bytes()
    second = _writer(2)
    patched = second.to_bytes()
    assert patched != first and patched == second._build()[0]
    with h5py.File(io.BytesIO(patched), "r") as f:
        rng = np.random.default_rng(2)
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()],
                                      rng.random((3, 4), dtype=np.float32))
        assert f["optimizer/vars/0"][()] == 2 and f["optimizer/vars/2"].shape == (0, 3)
        assert f["layers/dense/vars"].attrs["name"] == "dense"


def test_another_layout_is_built_anew():
    _writer(1).to_bytes()
    other = _writer(3, rows=5)
    data = other.to_bytes()
    assert data == other._build()[0]
    with h5py.File(io.BytesIO(data), "r") as f:
        assert f["layers/dense/vars/0"].shape == (5, 4)
