"""fastkeras/ops/signal.py beyond the op table: Keras-JAX's result dtypes, empty results,
bad arguments (Keras's exception types), traced histogram, KerasTensors in a model."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends, ops
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate

_I = np.array([1, 4, 9, 2], np.int32)
_B = np.array([True, False, False, True])
_F = np.array([1.5, -2.0, 0.5, 3.0], np.float32)


@pytest.mark.parametrize("op, dtypes", [
    # (int32, bool, float32) inputs -> result dtypes, as keras 3.15 on JAX gives
    (ops.diff, ("int32", "bool", "float32")),
    (ops.trapezoid, ("float32", "float32", "float32")),
    (lambda x: ops.correlate(x, x), ("float32", "float32", "float32")),
    (ops.corrcoef, ("float32", "float32", "float32")),
    (lambda x: ops.extract_sequences(x, 2, 1), ("int32", "bool", "float32")),
])
def test_result_dtypes_follow_keras_jax(op, dtypes):
    assert tuple(np.asarray(op(x)).dtype.name for x in (_I, _B, _F)) == dtypes


def test_windows_are_float32_constants():
    for name in ("bartlett", "blackman", "hamming", "hanning"):
        w = getattr(ops, name)(6)
        assert w.dtype == np.float32 and w.shape == (6,)
        np.testing.assert_allclose(w, getattr(np, name)(6), atol=1e-7)
        assert getattr(ops, name)(0).shape == (0,)
    np.testing.assert_allclose(ops.kaiser(12, 8.6), np.kaiser(12, 8.6), rtol=1e-6)


def test_diff_order_and_empty_results():
    with pytest.raises(ValueError, match="order must be non-negative"):
        ops.diff(_F, n=-1)
    assert np.asarray(ops.diff(_F, n=4)).shape == (0,)
    assert np.asarray(ops.diff(np.ones((2, 3)), n=3, axis=1)).shape == (2, 0)


def test_argument_checks():
    with pytest.raises(ValueError, match="mode must be one of"):
        ops.correlate(_F, _F, mode="circular")
    with pytest.raises(ValueError, match="1-D"):
        ops.correlate(np.ones((2, 2)), _F)
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.cdist(_F, np.ones((2, 4)))
    with pytest.raises(ValueError, match="must match"):
        ops.cdist(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="1-dimensional"):
        ops.vander(np.ones((2, 2)))
    assert np.asarray(ops.vander(_I, N=2)).dtype == np.int32
    with pytest.raises(TypeError, match="bool"):
        ops.vander(_B)  # as Keras-JAX, which refuses bool too
    with pytest.raises(TypeError, match="`N` must be of type `int`"):
        ops.vander(_F, N=2.0)
    with pytest.raises(TypeError, match="bins must be of type `int`"):
        ops.histogram(_F, bins=2.5)
    with pytest.raises(ValueError, match="range must be a tuple"):
        ops.histogram(_F, range=[0, 1])
    with pytest.raises(ValueError, match="1-dimensional"):
        ops.histogram(np.ones((2, 2)))
    with pytest.raises(ValueError, match="longer than the signal"):
        ops.extract_sequences(_F, 5, 1)


def test_histogram_matches_numpy_with_data_range():
    x = np.array([0.0, 1.0, 1.0, 2.0, 5.0, 5.0, 3.3], np.float32)
    counts, edges = ops.histogram(x, bins=4)
    want_counts, want_edges = np.histogram(x, bins=4)
    np.testing.assert_array_equal(counts, want_counts)
    np.testing.assert_allclose(edges, want_edges, rtol=1e-6)
    assert counts.dtype == np.float32 and edges.dtype == np.float32


def test_traced_histogram_needs_a_range():
    g = Graph("histogram")
    with g:
        ph = g.placeholder((5,), "float32")
        with pytest.raises(ValueError, match="range"):
            ops.histogram(ph)
        counts, _ = ops.histogram(ph, bins=2, range=(0.0, 2.0))
    got = evaluate([counts], {ph: np.array([0.0, 1.0, 2.0, 2.5, 0.5], np.float32)},
                   backends.get("cpu"))[0]
    np.testing.assert_array_equal(got, [2, 2])


def test_keras_tensors_build_a_model():
    x = keras.Input((6,))
    frames = ops.extract_sequences(x, 3, 2)
    assert tuple(frames.shape) == (None, 2, 3)
    model = keras.Model(x, [frames, ops.diff(x)])
    d = np.arange(6, dtype=np.float32)[None]
    got = model.predict(d, verbose=0)
    np.testing.assert_array_equal(got[0], [[[0, 1, 2], [2, 3, 4]]])
    np.testing.assert_array_equal(got[1], [[1, 1, 1, 1, 1]])
