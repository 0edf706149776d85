"""fastkeras/ops/updates.py beyond the op table: dtypes, exactness of the written values,
bad arguments (Keras's exception types), traced indices, KerasTensors in a model."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate


def test_select_dtypes_and_first_true_wins():
    x = np.arange(6, dtype=np.int32)
    got = ops.select([x < 2, x < 4], [x, -x], default=9)
    assert np.asarray(got).dtype == np.int32
    np.testing.assert_array_equal(got, [0, 1, -2, -3, 9, 9])
    assert np.asarray(ops.select([x < 2], [x], default=0.5)).dtype == np.float32
    with pytest.raises(ValueError, match="condlist must have length equal to choicelist"):
        ops.select([x < 2], [x, x])


def test_slice_update_keeps_inputs_dtype_and_checks_shapes():
    x = np.zeros((3, 4), np.int32)
    got = ops.slice_update(x, [1, 1], np.array([[2**31 - 1, -7]], np.int32))
    assert np.asarray(got).dtype == np.int32
    assert np.asarray(got)[1].tolist() == [0, 2**31 - 1, -7, 0]
    with pytest.raises(ValueError, match="rank"):
        ops.slice_update(x, [0], np.ones((1, 1)))
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(x, [0, 0], np.ones((4, 1)))


def test_written_values_are_exact():
    x = np.ones((4,), np.float32)
    u = np.array([-0.0, np.nan, np.inf], np.float32)
    got = np.asarray(ops.scatter_update(x, np.array([[0], [1], [3]]), u))
    assert np.signbit(got[0]) and np.isnan(got[1]) and got[2] == 1 and got[3] == np.inf


def test_scatter_update_reduction_is_checked():
    with pytest.raises(ValueError, match="Invalid reduction: sum"):
        ops.scatter_update(np.zeros(3), [[0]], np.ones(1), reduction="sum")


def test_scatter_drops_out_of_range_and_wraps_negative_indices():
    got = ops.scatter(np.array([[5], [-1], [-4], [1]]), np.array([1.0, 2.0, 3.0, 4.0]), (3,))
    np.testing.assert_array_equal(got, [0.0, 4.0, 2.0])


def test_scatter_keeps_int_values_exact():
    got = ops.scatter(np.array([[0], [0]]), np.array([2**30, 2**30 - 1], np.int64), (2,))
    assert np.asarray(got).tolist() == [2**31 - 1, 0]


def test_traced_indices():
    g = Graph("scatter_update")
    with g:
        x = g.placeholder((2, 3), "float32")
        i = g.placeholder((3, 2), "int32")
        u = g.placeholder((3,), "float32")
        out = ops.scatter_update(x, i, u)
    feed = {x: np.zeros((2, 3), np.float32), i: np.array([[0, 1], [1, 2], [0, 1]], np.int32),
            u: np.array([1.0, 2.0, 3.0], np.float32)}
    got = evaluate([out], feed, backends.get("cpu"))[0]
    np.testing.assert_array_equal(got, [[0, 3, 0], [0, 0, 2]])  # the last write wins


def test_segment_min_prod_ints_and_defaults():
    data = np.array([3, 1, 2], np.int32)
    ids = np.array([0, 0, 2], np.int32)
    np.testing.assert_array_equal(ops.segment_min(data, ids), [1, 2**31 - 1, 2])
    np.testing.assert_array_equal(ops.segment_prod(data, ids), [3, 1, 2])
    assert np.asarray(ops.segment_prod(data, ids)).dtype == np.int32
    with pytest.raises(ValueError, match="same leading"):
        ops.segment_min(np.ones((2, 2)), ids)


def test_keras_tensors_build_a_model():
    x = keras.Input((4,))
    out = ops.slice_update(x, (0, 1), ops.ones((1, 2)))
    assert tuple(out.shape) == (None, 4)
    model = keras.Model(x, out)
    d = np.zeros((1, 4), np.float32)
    np.testing.assert_array_equal(model.predict(d, verbose=0), [[0, 1, 1, 0]])
