"""StringLookup and IntegerLookup beyond the recorded Keras cases (test_keras_lookup.py):
adapt on batches, vocabulary changes, files, saving hooks, input forms and refusals."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers.host_layer import encode_categorical

L = keras.layers


def test_adapt_on_batches_counts_across_them_and_stops_after_steps():
    layer = L.StringLookup()
    batches = [np.array([["a", "b"]]), np.array([["b", "c"]]), np.array([["z", "z"]])]
    layer.adapt(iter(batches), steps=2)  # the third batch is not read
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    layer.adapt([["q"], ["q"], ["r"]])  # adapt starts again
    assert layer.get_vocabulary(include_special_tokens=False) == ["q", "r"]


def test_update_state_then_finalize_state_is_adapt():
    layer = L.IntegerLookup(output_mode="tf_idf")
    layer.update_state(np.array([[1, 2], [2, 2]]))
    layer.update_state(np.array([[3, 2]]))
    layer.finalize_state()
    whole = L.IntegerLookup(output_mode="tf_idf")
    whole.adapt(np.array([[1, 2], [2, 2], [3, 2]]))
    assert layer.get_vocabulary() == whole.get_vocabulary() == [-1, 2, 3, 1]
    np.testing.assert_array_equal(layer.idf_weights, whole.idf_weights)
    # 3 documents; token 2 in all of them, 1 and 3 in one each
    np.testing.assert_allclose(layer.idf_weights[1:],
                               np.log(1 + 3 / (1 + np.array([3, 1, 1]))), rtol=1e-6)


def test_set_vocabulary_replaces_the_table_in_int_mode():
    layer = L.StringLookup(vocabulary=["a", "b"])
    np.testing.assert_array_equal(layer(["a", "b", "c"]), [1, 2, 0])
    layer.set_vocabulary(["c", "b", "a"])
    np.testing.assert_array_equal(layer(["a", "b", "c"]), [3, 2, 1])
    assert layer.vocabulary_size() == 4


def test_no_oov_index_refuses_unknown_tokens_naming_them():
    layer = L.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(ValueError, match=r"found OOV values \['zz'\], consider setting "
                                         "`num_oov_indices=1`"):
        layer([["a", "zz"]])


def test_without_a_vocabulary_int_mode_maps_to_oov_and_vectors_are_refused():
    np.testing.assert_array_equal(L.IntegerLookup(num_oov_indices=2)([1, 2, 3]), [1, 0, 1])
    with pytest.raises(RuntimeError, match="you must set the layer's vocabulary"):
        L.StringLookup(output_mode="count")(keras.Input(shape=(2,), dtype="string"))


def test_vocabulary_files_read_lines_as_tensorflow_does(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_bytes("b\r\na\n\u00e9\n".encode("utf-8"))
    layer = L.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "\u00e9"]
    assert layer.get_config()["vocabulary"] is None  # not kept: an asset when saved
    ints = tmp_path / "ints.txt"
    ints.write_text("7\n-3\n")
    np.testing.assert_array_equal(L.IntegerLookup(vocabulary=str(ints))([[-3, 7, 1]]),
                                  [[2, 1, 0]])
    path.write_text("a\na\n")
    with pytest.raises(ValueError, match="repeated terms"):
        L.StringLookup(vocabulary=str(path))


def test_saving_hooks_restore_an_adapted_vocabulary_and_idf_weights(tmp_path):
    layer = L.StringLookup(output_mode="tf_idf", mask_token="")
    layer.adapt([["a", "b"], ["b", ""], ["c", "b"]])
    store = {}
    layer.save_own_variables(store)
    layer.save_assets(str(tmp_path))
    again = L.StringLookup.from_config(layer.get_config())
    again.load_own_variables(store)
    again.load_assets(str(tmp_path))
    assert again.get_vocabulary() == layer.get_vocabulary()
    x = [["a", "c", "b"], ["", "z", "b"]]
    np.testing.assert_array_equal(again(x), layer(x))
    given = L.IntegerLookup(vocabulary=[4, 5])  # a given vocabulary lives in the config
    given.save_assets(str(tmp_path / "none"))  # writes nothing, so the folder need not exist


@pytest.mark.parametrize("make", [
    lambda: L.StringLookup(output_mode="multi_hot", sparse=True),
    lambda: L.IntegerLookup(output_mode="count", sparse=True),
    lambda: L.HashedCrossing(num_bins=3, output_mode="one_hot", sparse=True),
])
def test_sparse_outputs_are_refused_as_keras_does_off_tensorflow(make):
    with pytest.raises(ValueError, match="`sparse=True` can only be used with the TensorFlow "
                                         "backend"):
        make()


def test_input_forms_bytes_objects_lists_and_refusals():
    layer = L.StringLookup(vocabulary=["a", "\u00e9"])
    want = [[1, 2, 0]]
    np.testing.assert_array_equal(layer(np.array([[b"a", "\u00e9".encode(), b"x"]])), want)
    np.testing.assert_array_equal(layer(np.array([["a", "\u00e9", "x"]], dtype=object)), want)
    np.testing.assert_array_equal(layer([["a", "\u00e9", "x"]]), want)
    np.testing.assert_array_equal(layer("a"), 1)  # a scalar
    with pytest.raises(ValueError, match="ragged inputs"):
        layer([["a"], ["a", "b"]])
    with pytest.raises(ValueError, match="expected string inputs, received an array of "
                                         "dtype int64"):
        layer(np.array([1, 2]))
    with pytest.raises(ValueError, match="expected integer inputs"):
        L.IntegerLookup(vocabulary=[1])(["a"])


def test_output_dtypes_and_shapes():
    ids = L.StringLookup(vocabulary=["a", "b"])
    assert ids([["a"]]).dtype == np.int64
    assert ids.compute_output_shape((None, 3)) == (None, 3)
    vectors = L.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    assert vectors([["a"], ["b"]]).dtype == np.int64  # Keras's TensorFlow op gives int64
    assert vectors.compute_output_shape((None, 1)) == (None, 3)
    assert vectors.compute_output_shape((None, 2)) == (None, 2, 3)
    assert vectors(keras.Input(shape=(1,), dtype="string")).dtype == "float32"  # its spec
    tokens = L.StringLookup(vocabulary=["a", "b"], invert=True)([[2, 0]])
    assert tokens.dtype.kind == "U" and tokens.tolist() == [["b", "[UNK]"]]
    weighted = L.IntegerLookup(vocabulary=[3], idf_weights=[0.5], output_mode="tf_idf")
    np.testing.assert_array_equal(weighted([[3, 3, 4]]), np.array([[0.5, 1.0]], np.float32))


def test_encode_counts_only_ids_in_range():
    ids = np.array([[0, 2, 2, 9], [-1, 1, 1, 3]])
    np.testing.assert_array_equal(encode_categorical(ids, "count", 3, "int64"),
                                  [[1, 0, 2], [0, 2, 0]])
    np.testing.assert_array_equal(encode_categorical(ids, "multi_hot", 3),
                                  [[1, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(encode_categorical(np.array([[1], [5]]), "one_hot", 3),
                                  [[0, 1, 0], [0, 0, 0]])
