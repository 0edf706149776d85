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


@pytest.mark.parametrize("name", sorted(cases.INT_RESIZES))
def test_integer_images_come_back_rounded_and_saturated_as_keras(backend, name):
    # Keras rounds (ties to even) and saturates to the images' dtype: exact values; a uint8
    # array comes back as int32 (fastkeras's integer type), with uint8's range kept.
    kwargs, _, dtype = cases.INT_RESIZES[name]
    x, want = gold(name, "x"), gold(name, "y")
    assert x.dtype == want.dtype == np.dtype(dtype)
    y = np.asarray(layers.Resizing(**kwargs)(x))  # on `backend` (the fixture sets it)
    assert y.dtype == np.int32
    # Exact, but where the float32 resize lands within float noise of a .5 tie (JAX sums
    # in another order): there one step either way.
    resized = np.asarray(layers.Resizing(**kwargs)(x.astype(np.float32)))
    near_tie = np.abs(np.abs(resized - np.floor(resized)) - 0.5) < 1e-3
    np.testing.assert_array_equal(y[~near_tie], want[~near_tie])
    assert np.abs(y.astype(np.int64) - want)[near_tie].max(initial=0) <= 1
    assert (y >= np.iinfo(dtype).min).all() and (y <= np.iinfo(dtype).max).all()
    if dtype == "int32":  # traced too, through a model
        inp = keras.Input(x.shape[1:], dtype="int32")
        model = keras.Model(inp, layers.Resizing(**kwargs)(inp))
        np.testing.assert_array_equal(model.predict(x, verbose=0), y)


def test_exact_halves_round_to_even(backend):
    # A 2 -> 1 bilinear resize averages two pixels exactly: x.5 goes to the even neighbour.
    pairs = np.array([[1, 2], [2, 3], [-2, -1], [-3, -2], [6, 7]], np.int32)
    x = pairs.reshape(5, 1, 2, 1)
    y = np.asarray(layers.Resizing(1, 1)(x)).ravel()
    np.testing.assert_array_equal(y, [2, 2, -2, -2, 6])


def test_nearest_keeps_integer_images_as_they_are():
    x = np.arange(2 * 4 * 4 * 1, dtype="int32").reshape(2, 4, 4, 1)
    y = np.asarray(keras.ops.image.resize(x, (2, 2), interpolation="nearest"))
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, x[:, 1::2, 1::2])
    np.testing.assert_array_equal(layers.Resizing(2, 2, interpolation="nearest")(x), y)


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
