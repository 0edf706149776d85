"""GroupNormalization and RMSNormalization against real Keras 3
(tests/fixtures/make_keras_normalization.py): outputs, gradients, weight names, shapes and
configs on every backend; a fitted model of each; Keras's errors for bad arguments."""

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import normalization_cases as cases

from .normalization_fixture import (check_description, check_error, check_model_fit,
                                    check_traced, built_layer, gold)

CASES = sorted(n for n in cases.LAYERS if not cases.is_spectral(n))
ERROR_CASES = sorted(n for n in cases.ERRORS if not n.startswith("spectral"))


@pytest.mark.parametrize("name", CASES)
def test_output_and_gradients_match_keras(backend, name):
    layer = built_layer(name)
    np.testing.assert_allclose(np.asarray(layer(gold(name, "x"))), gold(name, "y"),
                               rtol=1e-5, atol=1e-5, err_msg=f"{name}: eager output")
    check_traced(name, backend)


@pytest.mark.parametrize("name", CASES)
def test_weights_shapes_and_config_match_keras(name):
    check_description(name)


@pytest.mark.parametrize("name", ["rms_mlp", "group_cnn"])
def test_model_fits_like_keras(backend, name):
    check_model_fit(name)


@pytest.mark.parametrize("name", ERROR_CASES)
def test_bad_arguments_raise_keras_errors(name):
    check_error(name)


def test_groups_minus_one_is_one_group_per_channel():
    """groups=-1 (instance normalization) equals groups=channels, and so does its config."""
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    instance, explicit = keras.layers.GroupNormalization(-1), keras.layers.GroupNormalization(4)
    np.testing.assert_allclose(instance(x), explicit(x), rtol=1e-6, atol=1e-6)
    assert instance.get_config()["groups"] == 4


def test_group_normalization_in_a_functional_model_traces_its_shape():
    inputs = keras.Input(shape=(3, 6))
    outputs = keras.layers.GroupNormalization(groups=3, axis=2)(inputs)
    assert tuple(outputs.shape) == (None, 3, 6)
    rms = keras.layers.RMSNormalization(axis=[1, 2])(outputs)
    assert tuple(rms.shape) == (None, 3, 6)
