"""RandomGaussianBlur, RandomSharpness, RandomErasing and Equalization: chosen
transformations and Equalization's outputs against real Keras (augment_fixture.py),
configs, the draws, the identity at inference, training inside fit, .keras round trips."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import image_augment_more_cases as cases
from tests.layers import augment_fixture as fixture

FILTERS = ("RandomGaussianBlur", "RandomSharpness", "RandomErasing", "Equalization")
X = np.random.default_rng(5).uniform(0, 255, (8, 6, 7, 3)).astype("float32")


@pytest.mark.parametrize("name", fixture.names(cases.TRANSFORMS, *FILTERS))
def test_transformations_match_keras(backend, name):
    fixture.check_transform_case(name)


@pytest.mark.parametrize("name", sorted(cases.DIRECT))
def test_equalization_matches_keras(name):
    fixture.check_direct_case(name)


@pytest.mark.parametrize("name", fixture.names(cases.CONFIGS, *FILTERS))
def test_config_matches_keras_and_round_trips(name):
    fixture.check_config(name)


@pytest.mark.parametrize("make", [
    lambda: layers.RandomGaussianBlur(sigma=(0.5, 1.0), seed=1),
    lambda: layers.RandomSharpness(0.8, seed=1),
    lambda: layers.RandomErasing(seed=1), lambda: layers.Equalization()])
def test_identity_at_inference_and_a_change_in_training(make):
    layer = make()
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    first = np.asarray(layer(X))  # call() defaults to training=True
    assert first.shape == X.shape and first.dtype == np.float32
    assert not np.array_equal(first, X)
    assert np.asarray(layer(X[0])).shape == X[0].shape
    if not isinstance(layer, layers.Equalization):
        assert not np.array_equal(first, np.asarray(layer(X)))


def test_blur_applies_per_image_with_one_sigma_pair_per_batch():
    layer = layers.RandomGaussianBlur(factor=0.5, sigma=(0.2, 0.9), seed=4)
    t = layer.get_random_transformation(np.zeros((64, 5, 5, 1)))
    applied = np.asarray(t["should_apply_blur"])
    assert applied.shape == (64,) and 8 < applied.sum() < 40  # probability ~ U(0, 0.5)
    sigma = np.asarray(t["blur_factor"])
    assert sigma.shape == (2,) and ((sigma > 0.2) & (sigma < 0.9 + 1e-5)).all()


def test_sharpness_at_half_is_the_identity_and_factor_zero_smooths():
    layer = layers.RandomSharpness(0.5)
    half = layer.transform_images(X, {"factor": np.full(8, 0.5, "float32")})
    np.testing.assert_allclose(np.asarray(half), X, rtol=1e-6)
    flat = np.full((1, 5, 5, 1), 100.0, "float32")
    smoothed = np.asarray(layer.transform_images(flat, {"factor": np.zeros(1, "float32")}))
    assert smoothed[0, 2, 2, 0] == pytest.approx(100.0)  # inside: weights sum to one
    assert smoothed[0, 0, 0, 0] == pytest.approx(100.0 * 8 / 13)  # zero padding: 5 + 3 of 13


def test_erasing_fills_one_rectangle_of_the_drawn_size():
    layer = layers.RandomErasing(factor=(1.0, 1.0), scale=(0.25, 0.25), fill_value=300.0,
                                 seed=2)
    x = np.zeros((16, 8, 8, 2), "float32")
    y = np.asarray(layer(x))
    for image in y:
        assert set(np.unique(image)) <= {0.0, 255.0}  # the fill clipped to value_range
        rows, cols = np.nonzero(image[..., 0] == 255.0)
        assert (image[..., 0] == image[..., 1]).all()
        # A box of sides about half the image's (sqrt(0.25)); its pixel count is whole rows.
        assert 3 <= rows.max() - rows.min() + 1 <= 5 and 3 <= cols.max() - cols.min() + 1 <= 5
        assert len(rows) == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)


def test_erasing_noise_fill_and_three_value_fill():
    noise = np.asarray(layers.RandomErasing(factor=(1.0, 1.0), scale=0.5,
                                            value_range=(0, 1), seed=1)(np.zeros((4, 6, 6, 3))))
    assert noise.max() <= 1.0 and np.unique(noise).size > 10
    rgb = np.asarray(layers.RandomErasing(factor=(1.0, 1.0), scale=0.5, fill_value=(10, 20, 30),
                                          seed=1)(np.zeros((4, 6, 6, 3))))
    for c, value in enumerate((10, 20, 30)):
        assert set(np.unique(rgb[..., c])) == {0.0, float(value)}


def test_equalization_spreads_a_narrow_histogram():
    x = np.random.default_rng(0).uniform(100, 120, (2, 16, 16, 1)).astype("float32")
    y = np.asarray(layers.Equalization()(x))
    assert y.min() == 0.0 and y.max() == 255.0
    order = np.argsort(x.ravel(), kind="stable")
    assert (np.diff(y.ravel()[order]) >= 0).all()  # monotone in the input


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomGaussianBlur(kernel_size=4), "odd"),
    (lambda: layers.RandomGaussianBlur(kernel_size=(3, 5, 7)), "kernel_size"),
    (lambda: layers.RandomGaussianBlur(sigma=2.0), "sigma"),
    (lambda: layers.RandomGaussianBlur(factor=1.5), "factor"),
    (lambda: layers.RandomSharpness(0.5, value_range=3), "value_range"),
    (lambda: layers.RandomErasing(scale=(0.1, 0.2, 0.3)), "scale"),
    (lambda: layers.RandomErasing(fill_value=(1, 2)), "fill_value"),
    (lambda: layers.Equalization(value_range=(0,)), "value_range"),
    (lambda: layers.Equalization()(np.zeros((2, 3), "float32")), "rank 3 or 4"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_trains_in_fit_and_round_trips(tmp_path):
    keras.utils.set_random_seed(2)
    fixture.check_fit_draws_and_reload(
        [layers.RandomGaussianBlur(value_range=(0, 1), seed=1),
         layers.RandomSharpness(0.5, value_range=(0, 1), seed=2),
         layers.RandomErasing(value_range=(0, 1), seed=3),
         layers.Equalization(value_range=(0, 1))], tmp_path, X[:4].repeat(2, 0) / 255.0)
