"""Hashing and HashedCrossing beyond the recorded Keras cases (test_keras_lookup.py): the
hash libraries they need, masks, shapes, configs and refusals."""

import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers import hashing

L = keras.layers


def test_without_pyfarmhash_the_error_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "farmhash", None)
    with pytest.raises(ImportError, match="pip install pyfarmhash"):
        L.Hashing(num_bins=3)(["a"])
    with pytest.raises(ImportError, match="pyfarmhash"):  # several OOV indices hash too
        L.StringLookup(vocabulary=["a"], num_oov_indices=2)(["b"])
    np.testing.assert_array_equal(L.StringLookup(vocabulary=["a"])(["b", "a"]), [0, 1])


def test_a_salt_needs_siphashc(monkeypatch):
    monkeypatch.setitem(sys.modules, "siphashc", None)
    with pytest.raises(ImportError, match="pip install siphashc"):
        L.Hashing(num_bins=3, salt=1)(["a"])


def test_hash_of_an_integer_is_the_hash_of_its_decimal_string():
    np.testing.assert_array_equal(hashing.hash_to_bins(np.array([12, -7]), 1000),
                                  hashing.hash_to_bins(np.array(["12", "-7"]), 1000))
    np.testing.assert_array_equal(hashing.hash_to_bins(np.array([12]), 97, salt=[1, 2]),
                                  hashing.hash_to_bins(np.array(["12"]), 97, salt=[1, 2]))
    assert not np.array_equal(hashing.hash_to_bins(np.array(["12", "13", "14"]), 2 ** 40),
                              hashing.hash_to_bins(np.array(["12", "13", "14"]), 2 ** 40,
                                                   salt=[1, 2]))


def test_floats_are_masked_before_they_are_truncated():
    layer = L.Hashing(num_bins=5, mask_value=0)
    out = layer(np.array([0.0, 0.5, -0.5, 1.0]))
    assert out[0] == 0 and (out[1:] > 0).all()  # 0.5 is not the mask, though it hashes as 0
    assert out[1] == out[2] == L.Hashing(num_bins=5, mask_value=7)(np.array([0]))[0]


def test_a_string_mask_never_matches_numbers():
    np.testing.assert_array_equal(L.Hashing(num_bins=4, mask_value="0")([0, 0]),
                                  L.Hashing(num_bins=3)([0, 0]) + 1)


def test_config_round_trip_keeps_the_int64_dtype_policy():
    layer = L.Hashing(num_bins=8, salt=(3, 4), mask_value="")
    config = layer.get_config()
    assert config["dtype"]["config"]["name"] == "int64" and config["salt"] == [3, 4]
    again = L.Hashing.from_config(config)
    assert again.get_config() == config
    np.testing.assert_array_equal(again([["a", ""]]), layer([["a", ""]]))


def test_sparse_vectors_are_not_supported():
    with pytest.raises(NotImplementedError, match="no sparse tensors"):
        L.Hashing(num_bins=3, output_mode="multi_hot", sparse=True)


def test_output_shapes():
    assert L.Hashing(num_bins=3).compute_output_shape((None, 2)) == (None, 2)
    assert L.Hashing(num_bins=3, output_mode="count").compute_output_shape((None, 2)) == \
        (None, 3)
    crossing = L.HashedCrossing(num_bins=6, output_mode="one_hot")
    assert crossing.compute_output_shape([(None, 1), (None, 1)]) == (None, 6)
    assert crossing.compute_output_shape([(None,), (None,)]) == (None, 6)


def test_hashed_crossing_of_scalars_and_in_a_model():
    crossing = L.HashedCrossing(num_bins=9)
    assert crossing([np.array("a"), np.array(3)]).shape == ()
    batch = crossing([np.array(["a", "b"]), np.array([3, 4])])
    assert [crossing([np.array(v), np.array(i)]) for v, i in (("a", 3), ("b", 4))] == \
        batch.tolist()
    a = keras.Input(shape=(1,), dtype="string")
    b = keras.Input(shape=(1,), dtype="int64")
    crossed = L.HashedCrossing(num_bins=9, output_mode="one_hot")([a, b])
    model = keras.Model([a, b], L.Dense(1, kernel_initializer="ones")(crossed))
    out = model.predict([np.array([["a"], ["b"]]), np.array([[3], [4]])], verbose=0)
    np.testing.assert_array_equal(out, np.ones((2, 1)))  # one bin set per row
