"""Resizing, CenterCrop and keras.ops.image.resize against real Keras 3
(tests/fixtures/make_keras_image_layers.py): outputs, input gradients, output shapes and
configs on every backend; a small CNN with Resizing + AdaptiveAveragePooling2D fitted as
Keras fits it; the errors Keras raises."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from fastkeras.ops.image import interpolation_matrix
from tests.fixtures import image_layer_cases as cases

from .image_fixture import check_against_keras, check_description, gold, names

CASES = names("Resizing", "CenterCrop")


@pytest.mark.parametrize("name", CASES)
def test_output_and_gradient_match_keras(backend, name):
    check_against_keras(name, backend)


@pytest.mark.parametrize("name", CASES)
def test_output_shape_and_config_match_keras(name):
    check_description(name)


def test_ops_image_resize_is_the_layer():
    x = gold("resize_pad_aspect_width", "x")
    y = keras.ops.image.resize(x, (4, 6), pad_to_aspect_ratio=True, fill_value=0.5)
    np.testing.assert_allclose(np.asarray(y), gold("resize_pad_aspect_width", "y"),
                               rtol=1e-5, atol=1e-5)


def test_resize_is_recorded_on_keras_tensors():
    inputs = keras.Input((6, 5, 2))
    outputs = keras.ops.image.resize(inputs, (3, 4), interpolation="nearest")
    assert tuple(outputs.shape) == (None, 3, 4, 2)
    x = np.random.default_rng(0).standard_normal((2, 6, 5, 2)).astype("float32")
    y = keras.Model(inputs, outputs).predict(x, verbose=0)
    np.testing.assert_array_equal(y, x[:, [1, 3, 5]][:, :, [0, 1, 3, 4]])


def test_interpolation_columns_sum_to_one():
    for interpolation in ("bilinear", "bicubic", "lanczos3", "lanczos5"):
        for antialias in (False, True):
            m = interpolation_matrix(7, 3, interpolation, antialias)
            np.testing.assert_allclose(m.sum(0), 1.0, atol=1e-12)


def test_integer_images_resize_as_float32_nearest_keeps_integers():
    x = np.arange(2 * 4 * 4 * 1, dtype="int32").reshape(2, 4, 4, 1)
    assert np.asarray(layers.Resizing(2, 2)(x)).dtype == np.float32
    y = np.asarray(keras.ops.image.resize(x, (2, 2), interpolation="nearest"))
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, x[:, 1::2, 1::2])


def test_small_cnn_fits_like_keras():
    """Resizing + Conv2D + AdaptiveAveragePooling2D + Flatten + Dense, 2 epochs of SGD
    from Keras's seeded weights, on the cpu backend: losses and predictions as Keras's."""
    from fastkeras import backends
    previous = backends.get_backend()
    backends.set_backend("cpu" if backends.available("cpu") else previous)
    try:
        out = cases.run_model(keras)
    finally:
        backends._active = previous
    np.testing.assert_allclose(out["loss"], gold("model", "loss"), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["pred"], gold("model", "pred"), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.Resizing(4, 4, interpolation="area"), ValueError, "interpolation"),
    (lambda: layers.Resizing(4, 4, fill_mode="reflect"), ValueError, "fill_mode"),
    (lambda: layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     ValueError, "Only one of"),
    (lambda: layers.Resizing(0, 4), ValueError, "height"),
    (lambda: layers.CenterCrop(3, -1), ValueError, "width"),
    (lambda: layers.CenterCrop(3, 3, data_format="nhwc"), ValueError, "data_format"),
    (lambda: keras.ops.image.resize(np.zeros((4, 4, 1)), (2,)), ValueError, "size"),
])
def test_bad_arguments_raise(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("layer", [layers.Resizing(2, 2), layers.CenterCrop(2, 2)])
def test_wrong_rank_is_refused(layer):
    with pytest.raises(ValueError, match="Invalid images rank"):
        layer(np.zeros((1, 2, 4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="size 3 \\(unbatched\\) or 4"):
        layer.compute_output_shape((4, 4))
