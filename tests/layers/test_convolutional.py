"""Conv1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D and Conv*Transpose against real
Keras 3 (tests/fixtures/make_keras_conv.py): outputs, gradients, shapes, weight names and
configs on every backend; their bad-input errors; the two parity models of issue [8]."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import conv_cases

from .conv_fixture import GOLD, check_against_keras, check_description, gold

CONV_CASES = sorted(n for n, (cls, _, _) in conv_cases.LAYERS.items() if "Conv" in cls)


@pytest.mark.parametrize("name", CONV_CASES)
def test_output_and_gradients_match_keras(backend, name):
    check_against_keras(name, backend)


@pytest.mark.parametrize("name", CONV_CASES)
def test_shapes_weight_names_and_config_match_keras(name):
    check_description(name)


def test_aliases_are_the_same_classes():
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Conv2D(0, 3), "filters"),
    (lambda: layers.Conv1D(-2, 3), "filters"),
    (lambda: layers.Conv2D(4, 3, strides=0), "strides"),
    (lambda: layers.Conv2D(4, 3, strides=(1, -1)), "strides"),
    (lambda: layers.Conv2D(4, (3, 0)), "kernel_size"),
    (lambda: layers.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: layers.Conv2D(4, 3, padding="full"), "padding"),
    (lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: layers.Conv2D(5, 3, groups=2), "groups"),
    (lambda: layers.Conv2D(4, 3, data_format="channels_middle"), "data_format"),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: layers.SeparableConv1D(0, 3), "filters"),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: layers.Conv1DTranspose(2, 3, padding="causal"), "padding"),
])
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_kernel_larger_than_the_input_is_refused():
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(2, 5)(keras.Input((4, 6, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv1D(2, 3, dilation_rate=3)(np.zeros((1, 6, 1), "float32"))
    # 'same' pads the input: the same kernel fits.
    assert layers.Conv2D(2, 5, padding="same")(keras.Input((4, 6, 1))).shape == (None, 4, 6, 2)


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected min_ndim=4, found ndim=2"):
        layers.Conv2D(2, 3)(keras.Input((5,)))
    with pytest.raises(ValueError, match="expected min_ndim=3, found ndim=2"):
        layers.Conv1D(2, 3)(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=5"):
        layers.DepthwiseConv2D(3)(keras.Input((5, 5, 5, 1)))


def test_channels_mismatch_on_a_built_layer_is_refused():
    layer = layers.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.zeros((1, 5, 5, 4), "float32"))
    first = layers.Conv1D(2, 3, data_format="channels_first")
    first(np.zeros((1, 3, 8), "float32"))
    with pytest.raises(ValueError, match="expected axis 1 of input shape to have value 3"):
        first(np.zeros((1, 2, 8), "float32"))


def test_channels_not_divisible_by_groups_is_refused():
    with pytest.raises(ValueError, match="evenly divisible by the number of groups"):
        layers.Conv2D(4, 3, groups=2)(keras.Input((6, 6, 3)))


def test_lora_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="lora_rank"):
        layers.Conv2D(4, 3, lora_rank=2)


MODELS = sorted(conv_cases.MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_parity_model_fits_like_keras(backend, name):
    """3 epochs of fit from the same weights: per-epoch losses (1e-4), predictions (1e-5)
    and the final weights (1e-4) equal real Keras's."""
    out = conv_cases.run_model(keras, name)
    np.testing.assert_allclose(out["loss"], gold(name, "loss"), rtol=1e-4, atol=1e-4,
                               err_msg=f"{name}: per-epoch losses")
    np.testing.assert_allclose(out["pred"], gold(name, "pred"), rtol=1e-5, atol=1e-5,
                               err_msg=f"{name}: predictions")
    finals = sorted(k for k in out if k.startswith("final_w"))
    assert finals == sorted(k.split("__")[1] for k in GOLD.files
                            if k.startswith(f"{name}__final_w"))
    for key in finals:
        np.testing.assert_allclose(out[key], gold(name, key), rtol=1e-4, atol=1e-4,
                                   err_msg=f"{name}: {key}")


def test_keras_written_file_loads_and_round_trips(tmp_path):
    """A .keras file Keras wrote with every convolution and pooling layer: fastkeras loads
    it and predicts as Keras did; saved again by fastkeras, it loads back the same."""
    import os
    from .conv_fixture import HERE
    model = keras.saving.load_model(os.path.join(HERE, "keras_conv_model.keras"))
    inputs = conv_cases.saving_inputs()
    want = gold("saving_model", "pred")
    np.testing.assert_allclose(model.predict(inputs, verbose=0), want, rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "again.keras")
    again = keras.saving.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(inputs, verbose=0), want, rtol=1e-5, atol=1e-5)
    assert [type(layer).__name__ for layer in again.layers] == \
        [type(layer).__name__ for layer in model.layers]


def test_image_data_format_is_the_default_layout():
    """keras.config.image_data_format(): layers without data_format follow it."""
    import fastkeras
    assert fastkeras.config.image_data_format() == "channels_last"
    fastkeras.config.set_image_data_format("channels_first")
    try:
        layer = fastkeras.layers.Conv2D(4, 3)
        assert layer(np.zeros((1, 2, 8, 8), "float32")).shape == (1, 4, 6, 6)
        with pytest.raises(ValueError, match="must be one of"):
            fastkeras.config.set_image_data_format("nhwc")
    finally:
        fastkeras.config.set_image_data_format("channels_last")
