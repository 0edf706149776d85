"""RandomShear and RandomPerspective: chosen transformations against real Keras
(tests/layers/augment_fixture.py), configs, the draws' ranges, the identity at inference,
training inside fit, and the .keras round trip."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import image_augment_more_cases as cases
from tests.layers import augment_fixture as fixture

X = np.random.default_rng(7).uniform(0, 1, (6, 7, 8, 3)).astype("float32")


@pytest.mark.parametrize("name", fixture.names(cases.TRANSFORMS, "RandomShear",
                                               "RandomPerspective"))
def test_transformations_match_keras(backend, name):
    fixture.check_transform_case(name)


@pytest.mark.parametrize("name", fixture.names(cases.CONFIGS, "RandomShear",
                                               "RandomPerspective"))
def test_config_matches_keras_and_round_trips(name):
    fixture.check_config(name)


@pytest.mark.parametrize("layer", [layers.RandomShear(0.3, 0.3, seed=1),
                                   layers.RandomPerspective(scale=0.4, seed=1)])
def test_identity_at_inference_and_random_when_called(layer):
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    assert np.asarray(layer((X * 9).astype("int32"), training=False)).dtype == np.float32
    a, b = np.asarray(layer(X)), np.asarray(layer(X))  # call() defaults to training=True
    assert a.shape == X.shape and not np.array_equal(a, b)
    assert np.asarray(layer(X[0])).shape == X[0].shape


def test_shear_draws_keep_their_range_and_flip_sign_together():
    layer = layers.RandomShear(x_factor=(0.2, 0.2), y_factor=(0.1, 0.3), seed=3)
    shear = np.asarray(layer.get_random_transformation(np.zeros((64, 4, 4, 1)))
                       ["shear_factor"])
    np.testing.assert_allclose(np.abs(shear[:, 0]), 0.2, rtol=1e-6)
    assert (np.abs(shear[:, 1]) >= 0.1 - 1e-6).all() and (np.abs(shear[:, 1]) <= 0.3).all()
    assert (np.sign(shear[:, 0]) == np.sign(shear[:, 1])).all()  # one coin per image
    assert 8 < (shear[:, 0] < 0).sum() < 56


def test_shear_moves_columns_by_the_row_times_the_factor():
    x = np.zeros((1, 5, 5, 1), "float32")
    x[0, :, 2, 0] = 1.0  # a vertical line
    layer = layers.RandomShear(fill_mode="constant")
    y = np.asarray(layer.transform_images(x, {"shear_factor": np.array([[1.0, 0.0]])}))
    # output (row r, column c) samples column c + r: the line at column 2 - r.
    np.testing.assert_array_equal(np.argmax(y[0, :3, :, 0], axis=1), [2, 1, 0])


def test_perspective_probability_and_corner_shifts():
    images = np.zeros((40, 6, 9, 1), "float32")
    never = layers.RandomPerspective(factor=0.0, seed=2)
    assert not np.asarray(never.get_random_transformation(images)["apply_perspective"]).any()
    layer = layers.RandomPerspective(factor=(1.0, 1.0), scale=0.5, seed=2)
    t = layer.get_random_transformation(images)
    assert np.asarray(t["apply_perspective"]).all()
    start, end = np.asarray(t["start_points"]), np.asarray(t["end_points"])
    np.testing.assert_array_equal(start[0], [[0, 0], [8, 0], [0, 5], [8, 5]])
    assert (np.abs(end - start) <= 0.25 * start + 1e-5).all()
    assert np.abs(end - start).max() > 0.5


def test_perspective_without_a_shift_is_the_identity():
    layer = layers.RandomPerspective(scale=0.0, seed=1)
    np.testing.assert_allclose(np.asarray(layer(X)), X, atol=1e-5)


def test_saved_shear_reloads_despite_keras_21110():
    layer = layers.RandomShear(0.25, seed=1)
    again = layers.RandomShear.from_config(layer.get_config())
    assert again.x_factor == (-0.25, 0.25)


@pytest.mark.parametrize("make, error", [
    (lambda: layers.RandomShear(1.5), ValueError),
    (lambda: layers.RandomShear(-0.1), ValueError),
    (lambda: layers.RandomShear(0.1, fill_mode="mirror"), NotImplementedError),
    (lambda: layers.RandomPerspective(scale=1.5), ValueError),
    (lambda: layers.RandomPerspective(factor=2.0), ValueError),
    (lambda: layers.RandomPerspective(interpolation="bicubic"), NotImplementedError),
])
def test_bad_arguments_raise_keras_errors(make, error):
    with pytest.raises(error):
        make()


def test_trains_in_fit_and_round_trips(tmp_path):
    keras.utils.set_random_seed(1)
    fixture.check_fit_draws_and_reload(
        [layers.RandomShear(0.2, 0.2, seed=1), layers.RandomPerspective(scale=0.3, seed=2)],
        tmp_path, X[:4].repeat(2, 0))
