"""AdaptiveAveragePooling1D/2D/3D and AdaptiveMaxPooling1D/2D/3D against real Keras 3
(tests/fixtures/make_keras_image_layers.py): outputs, input gradients, output shapes and
configs on every backend; the bins; the errors Keras raises."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from fastkeras.layers.adaptive_pooling import adaptive_bins

from .image_fixture import check_against_keras, check_description, names

CASES = names(*(f"Adaptive{kind}Pooling{rank}D" for kind in ("Average", "Max")
                for rank in (1, 2, 3)))


@pytest.mark.parametrize("name", CASES)
def test_output_and_gradient_match_keras(backend, name):
    check_against_keras(name, backend)


@pytest.mark.parametrize("name", CASES)
def test_output_shape_and_config_match_keras(name):
    check_description(name)


def test_bins_cover_the_axis_and_overlap_when_uneven():
    assert adaptive_bins(8, 4) == [(0, 2), (2, 4), (4, 6), (6, 8)]
    assert adaptive_bins(5, 3) == [(0, 2), (1, 4), (3, 5)]
    assert adaptive_bins(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]


def test_max_matches_a_direct_loop():
    x = np.random.default_rng(1).standard_normal((2, 7, 5, 3)).astype("float32")
    y = np.asarray(layers.AdaptiveMaxPooling2D((3, 4))(x))
    for i, (h0, h1) in enumerate(adaptive_bins(7, 3)):
        for j, (w0, w1) in enumerate(adaptive_bins(5, 4)):
            np.testing.assert_array_equal(y[:, i, j], x[:, h0:h1, w0:w1].max(axis=(1, 2)))


def test_in_a_functional_model():
    inputs = keras.Input((9, 4))
    outputs = layers.AdaptiveAveragePooling1D(2)(inputs)
    assert tuple(outputs.shape) == (None, 2, 4)
    x = np.arange(2 * 9 * 4, dtype="float32").reshape(2, 9, 4)
    y = keras.Model(inputs, outputs).predict(x, verbose=0)
    np.testing.assert_allclose(y, np.stack([x[:, :5].mean(1), x[:, 4:].mean(1)], 1),
                               rtol=1e-6)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.AdaptiveAveragePooling1D((2, 2)), ValueError, "length 1"),
    (lambda: layers.AdaptiveMaxPooling1D("2"), TypeError, "output_size"),
    (lambda: layers.AdaptiveAveragePooling2D((2, 2, 2)), TypeError, "output_size"),
    (lambda: layers.AdaptiveMaxPooling3D((2, 2)), TypeError, "output_size"),
    (lambda: layers.AdaptiveMaxPooling2D((2, 0)), ValueError, "positive"),
    (lambda: layers.AdaptiveAveragePooling2D(2, data_format="nhwc"), ValueError,
     "data_format"),
])
def test_bad_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=5"):
        layers.AdaptiveMaxPooling2D(2)(np.zeros((1, 3, 3, 3, 1), "float32"))
