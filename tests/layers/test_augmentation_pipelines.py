"""Pipeline, RandAugment and AugMix: configs against real Keras (augment_fixture.py), the
composition arithmetic on a drawn transformation (the sublayers' own numbers are checked
against Keras in their tests), the draws, the identity at inference, training inside fit,
and the .keras round trip."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import image_augment_more_cases as cases
from tests.layers import augment_fixture as fixture

X = np.random.default_rng(11).uniform(0, 255, (4, 8, 8, 3)).astype("float32")


@pytest.mark.parametrize("name", fixture.names(cases.CONFIGS, "RandAugment", "AugMix",
                                               "Pipeline"))
def test_config_matches_keras_and_round_trips(name):
    fixture.check_config(name)


def test_pipeline_applies_its_layers_in_turn():
    def parts():
        return [layers.RandomShear(0.3, seed=4), layers.RandomErasing(seed=5)]
    pipeline = layers.Pipeline(parts())
    first, second = parts()
    np.testing.assert_array_equal(np.asarray(pipeline(X)),
                                  np.asarray(second(first(X))))
    assert [type(l).__name__ for l in pipeline.layers] == ["RandomShear", "RandomErasing"]
    np.testing.assert_array_equal(np.asarray(pipeline(X, training=False)), X)


def test_pipeline_passes_dicts_through():
    pipeline = layers.Pipeline([layers.RandomSharpness(0.5, seed=1), layers.MixUp(seed=2)])
    out = pipeline({"images": X, "labels": np.eye(4, dtype="float32")})
    labels = np.asarray(out["labels"])
    assert np.asarray(out["images"]).shape == X.shape
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    assert not np.array_equal(labels, np.eye(4))


def test_pipeline_from_config_needs_a_list_of_layers():
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"layers": None, "name": "p"})


def test_rand_augment_applies_the_picked_sublayers_in_turn():
    layer = layers.RandAugment(num_ops=3, factor=0.4, seed=3)
    picks = set()
    for _ in range(4):
        t = layer.get_random_transformation(X)
        indexes = np.asarray(t["layer_idxes"])
        picks.update(indexes.tolist())
        expected = X
        for index in indexes:
            name = layer._AUGMENT_LAYERS[index]
            expected = np.asarray(getattr(layer, name).transform_images(
                expected, t["transforms"][name]))
        np.testing.assert_allclose(np.asarray(layer.transform_images(X, t)), expected,
                                   rtol=1e-6, atol=1e-4)
    assert len(picks) > 3 and picks <= set(range(11))


def test_aug_mix_blends_its_chains():
    layer = layers.AugMix(num_chains=2, chain_depth=2, alpha=0.7, seed=2)
    t = layer.get_random_transformation(X)
    weights, weight = np.asarray(t["chain_mixing_weights"]), float(t["weight_sample"])
    np.testing.assert_allclose(weights.sum(), 1.0, rtol=1e-5)
    assert 0.0 <= weight <= 1.0 and len(t["chain_transforms"]) == 2
    mixed = np.zeros_like(X)
    for k, chain in enumerate(t["chain_transforms"]):
        assert len(chain) <= 2
        image = X
        for step in chain:
            image = np.asarray(getattr(layer, step["layer_name"]).transform_images(
                image, step["transformation"]))
        mixed += image * weights[k]
    expected = np.clip(weight * X + (1 - weight) * mixed, 0, 255)
    np.testing.assert_allclose(np.asarray(layer.transform_images(X, t)), expected,
                               rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("make", [lambda: layers.RandAugment(seed=1),
                                  lambda: layers.AugMix(seed=1)])
def test_identity_at_inference_and_random_in_training(make):
    layer = make()
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    a, b = np.asarray(layer(X)), np.asarray(layer(X))
    assert a.shape == X.shape and a.dtype == np.float32 and not np.array_equal(a, b)
    assert np.asarray(layer(X[0])).shape == X[0].shape


def test_trains_in_fit_and_round_trips(tmp_path):
    keras.utils.set_random_seed(4)
    fixture.check_fit_draws_and_reload(
        [layers.RandAugment(value_range=(0, 1), seed=1),
         layers.AugMix(value_range=(0, 1), num_chains=2, chain_depth=2, seed=2),
         layers.Pipeline([layers.RandomShear(0.2, seed=3),
                          layers.RandomErasing(value_range=(0, 1), seed=4)])],
        tmp_path, X[:2].repeat(2, 0) / 255.0)
