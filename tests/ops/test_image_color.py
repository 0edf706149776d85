"""keras.ops.image's colour and filtering ops against real Keras-JAX numbers
(tests/fixtures/keras_image_color.npz, made by make_keras_image_color.py), their errors,
dtypes and symbolic shapes."""

import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import image_color_cases  # noqa: E402

REF = np.load(os.path.join(FIXTURES, "keras_image_color.npz"))


@pytest.mark.parametrize("name", sorted(image_color_cases.OPS))
def test_matches_keras_jax(name):
    got = image_color_cases.OPS[name](keras)
    np.testing.assert_array_equal(got["inputs"], REF[f"{name}__inputs"])
    expected = REF[f"{name}__output"]
    assert got["output"].dtype == expected.dtype and got["output"].shape == expected.shape
    np.testing.assert_allclose(got["output"], expected, rtol=1e-6, atol=3e-7)


def test_hsv_round_trip_and_grey_pixels():
    x = image_color_cases.X_LAST
    hsv = np.asarray(ops.image.rgb_to_hsv(x))
    np.testing.assert_allclose(np.asarray(ops.image.hsv_to_rgb(hsv)), x, atol=1e-6)
    assert hsv[0, 0, 2, 0] == 0 and hsv[0, 0, 2, 1] == 0  # grey: no hue, no saturation
    assert (hsv[..., 0] >= 0).all() and (hsv[..., 0] < 1).all()


def test_integer_images():
    x = image_color_cases.X_INT[None]
    edges = ops.image.sobel_edges(x)
    assert str(edges.dtype) == "int32"
    np.testing.assert_array_equal(
        np.asarray(edges), np.asarray(ops.image.sobel_edges(x.astype("float32"))))
    # Keras-JAX refuses integers here (a conv of int images and a float kernel): blurred
    # in float32 instead.
    assert str(ops.image.gaussian_blur(x).dtype) == "float32"
    with pytest.raises(ValueError, match="expected float dtype"):
        ops.image.rgb_to_hsv(x)
    with pytest.raises(ValueError, match="expected float dtype"):
        ops.image.hsv_to_rgb(x)


def test_default_data_format_is_channels_last():
    x = image_color_cases.X_BLUR
    for fn in (ops.image.rgb_to_grayscale, ops.image.rgb_to_hsv, ops.image.gaussian_blur,
               ops.image.sobel_edges):
        np.testing.assert_array_equal(np.asarray(fn(x)),
                                      np.asarray(fn(x, data_format="channels_last")))


@pytest.mark.parametrize("call, message", [
    (lambda: ops.image.rgb_to_grayscale(np.zeros((4, 4, 2), "float32")), "channel size"),
    (lambda: ops.image.rgb_to_grayscale(np.zeros((4, 4), "float32")), "images rank"),
    (lambda: ops.image.rgb_to_hsv(np.zeros((1, 1, 4, 4, 3), "float32")), "images rank"),
    (lambda: ops.image.sobel_edges(np.zeros((4, 4, 3), "float32")), "rank 4"),
    (lambda: ops.image.gaussian_blur(np.zeros((4, 4, 3), "float32"), kernel_size=3),
     "kernel_size"),
    (lambda: ops.image.gaussian_blur(np.zeros((4, 4, 3), "float32"), sigma=(1.0, 0.0)),
     "sigma"),
    (lambda: ops.image.gaussian_blur(np.zeros((4, 4, 3), "float32"), data_format="nhwc"),
     "data_format"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_symbolic_shapes():
    images = keras.Input((5, 6, 3))
    assert ops.image.rgb_to_grayscale(images).shape == (None, 5, 6, 1)
    assert ops.image.rgb_to_hsv(images).shape == (None, 5, 6, 3)
    assert ops.image.hsv_to_rgb(images).shape == (None, 5, 6, 3)
    assert ops.image.gaussian_blur(images, (3, 5)).shape == (None, 5, 6, 3)
    assert ops.image.sobel_edges(images).shape == (None, 5, 6, 3, 2)
    model = keras.Model(images, ops.image.sobel_edges(ops.image.rgb_to_grayscale(images)))
    x = image_color_cases.X_LAST
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        np.asarray(ops.image.sobel_edges(ops.image.rgb_to_grayscale(x))), rtol=1e-6)
