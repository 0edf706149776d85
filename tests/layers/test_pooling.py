"""MaxPooling1D/2D/3D and AveragePooling1D/2D/3D against real Keras 3
(tests/fixtures/make_keras_conv.py): outputs, gradients, shapes and configs on every
backend ('same' averages divide by the non-padded count, as Keras); their errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import conv_cases

from .conv_fixture import check_against_keras, check_description

POOL_CASES = sorted(n for n, (cls, _, _) in conv_cases.LAYERS.items() if "Pooling" in cls)


@pytest.mark.parametrize("name", POOL_CASES)
def test_output_and_gradients_match_keras(backend, name):
    check_against_keras(name, backend)


@pytest.mark.parametrize("name", POOL_CASES)
def test_shapes_and_config_match_keras(name):
    check_description(name)


def test_defaults_and_aliases():
    assert layers.MaxPooling2D().pool_size == (2, 2)
    assert layers.MaxPooling1D(3).strides == (3,)
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool1D is layers.AveragePooling1D
    with pytest.raises(TypeError):
        layers.AveragePooling2D()  # Keras requires pool_size for the averages


def test_max_pool_same_never_picks_the_padding():
    x = -np.arange(1, 6, dtype="float32").reshape(1, 5, 1)  # all negative: a zero pad would win
    y = layers.MaxPooling1D(2, padding="same")(x)
    np.testing.assert_array_equal(np.asarray(y)[0, :, 0], [-1, -3, -5])


@pytest.mark.parametrize("make, message", [
    (lambda: layers.MaxPooling2D(0), "pool_size"),
    (lambda: layers.MaxPooling1D(2, strides=0), "strides"),
    (lambda: layers.AveragePooling2D(2, strides=(1, -1)), "strides"),
    (lambda: layers.MaxPooling1D(2, padding="causal"), "padding"),
    (lambda: layers.AveragePooling1D(2, data_format="nhwc"), "data_format"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="expected min_ndim=4, found ndim=3"):
        layers.MaxPooling2D()(keras.Input((6, 6)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.AveragePooling2D(4)(keras.Input((3, 8, 1)))
