"""The colour augmentation layers (fastkeras/layers/random_color.py): chosen
transformations and collapsed factor ranges against real Keras-JAX outputs
(tests/fixtures/keras_image_color.npz), configs against Keras's, the random draws' ranges,
the identity at inference, training inside fit, and the .keras round trip."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import image_color_cases  # noqa: E402

REF = np.load(os.path.join(FIXTURES, "keras_image_color.npz"))
X = image_color_cases.X_255

with open(os.path.join(FIXTURES, "keras_image_color_configs.json")) as f:
    KERAS_CONFIGS = json.load(f)


@pytest.mark.parametrize("name", sorted(image_color_cases.LAYERS))
def test_matches_keras_jax(name):
    got = image_color_cases.LAYERS[name](keras)["output"]
    expected = REF[f"{name}__output"]
    assert got.shape == expected.shape and got.dtype == expected.dtype
    # Values on the 0..255 scale: float32 rounding of the HSV round trip reaches ~1e-4.
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6 * scale * 2)


@pytest.mark.parametrize("name", sorted(image_color_cases.CONFIG_LAYERS))
def test_config_matches_keras(name):
    layer = getattr(layers, name)(**image_color_cases.CONFIG_LAYERS[name])
    config = json.loads(json.dumps(layer.get_config()))
    config.pop("dtype")
    expected = dict(KERAS_CONFIGS[name])
    assert config.pop("name").startswith(expected.pop("name").rsplit("_", 1)[0])
    assert config == expected
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()


ALL_RANDOM = [
    lambda: layers.RandomContrast(0.5, seed=1),
    lambda: layers.RandomBrightness(0.5, seed=1),
    lambda: layers.RandomGrayscale(1.0, seed=1),
    lambda: layers.RandomHue(0.5, seed=1),
    lambda: layers.RandomSaturation(0.5, seed=1),
    lambda: layers.RandomColorDegeneration(0.5, seed=1),
    lambda: layers.RandomInvert(seed=1),
    lambda: layers.RandomPosterization(4, seed=1),
    lambda: layers.Solarization(0.5, seed=1),
    lambda: layers.RandomColorJitter(brightness_factor=0.3, contrast_factor=0.3,
                                     saturation_factor=0.3, hue_factor=0.3, seed=1),
]


@pytest.mark.parametrize("make", ALL_RANDOM)
def test_identity_at_inference_and_new_draws_in_training(make):
    layer, x = make(), X.repeat(8, 0)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    first, second = np.asarray(layer(x)), np.asarray(layer(x))  # training by default
    assert first.shape == x.shape and first.dtype == np.float32
    if not isinstance(layer, layers.RandomGrayscale):  # a probability-1 change: the same
        assert not np.array_equal(first, second)
    assert not np.array_equal(first, x)
    assert np.asarray(layer(X[0])).shape == X[0].shape  # a single image


def test_brightness_shifts_each_image_by_one_drawn_amount():
    x = np.full((64, 2, 2, 3), 0.5, "float32")
    y = np.asarray(layers.RandomBrightness((-0.2, 0.3), value_range=(0, 1), seed=4)(x))
    delta = y - x
    assert np.allclose(delta, delta[:, :1, :1, :1], atol=1e-6)  # one per image
    assert delta.min() >= -0.2 - 1e-6 and delta.max() <= 0.3 + 1e-6
    assert np.unique(np.round(delta[:, 0, 0, 0], 5)).size > 50


def test_contrast_factor_range():
    x = image_color_cases.X_LAST[:1].repeat(64, 0)
    y = np.asarray(layers.RandomContrast(0.4, value_range=(-10, 10), seed=2)(x))
    mean = x.mean(axis=(1, 2), keepdims=True)
    factor = ((y - mean) / (x - mean))[:, 0, 0, 0]
    assert factor.min() >= 0.6 - 1e-4 and factor.max() <= 1.4 + 1e-4
    assert factor.std() > 0.1


def test_grayscale_invert_and_hue_change_whole_images():
    x = X.repeat(16, 0)
    grey = np.asarray(keras.ops.image.rgb_to_grayscale(x))
    y = np.asarray(layers.RandomGrayscale(0.5, seed=3)(x))
    turned = np.array([np.allclose(a, g) for a, g in zip(y, grey.repeat(3, -1))])
    kept = np.array([np.array_equal(a, b) for a, b in zip(y, x)])
    assert (turned ^ kept).all() and 0 < turned.sum() < len(x)
    y = np.asarray(layers.RandomInvert(seed=3)(x))
    inverted = np.array([np.array_equal(a, 255 - b) for a, b in zip(y, x)])
    kept = np.array([np.array_equal(a, b) for a, b in zip(y, x)])
    assert (inverted ^ kept).all() and 0 < inverted.sum() < len(x)
    hue_layer = layers.RandomHue((0.2, 0.2), seed=3)  # a turn of +-0.1 only
    y = np.asarray(hue_layer(x))
    candidates = [np.asarray(hue_layer.transform_images(x, {"factor": np.full(32, t)}))
                  for t in (0.1, -0.1)]
    matches = [np.isclose(y, c, atol=1e-3).all(axis=(1, 2, 3)) for c in candidates]
    assert (matches[0] | matches[1]).all() and matches[0].any() and matches[1].any()


def test_posterization_keeps_top_bits():
    y = np.asarray(layers.RandomPosterization((2, 5), seed=0)(X.repeat(8, 0)))
    values = y.astype(np.int64)
    assert np.array_equal(values, y)
    bits = [8 - int(np.log2(np.gcd.reduce(v[v > 0].ravel()))) for v in values]
    assert set(bits) <= {2, 3, 4} and len(set(bits)) > 1  # randint's upper bound excluded


def test_auto_contrast_is_not_random_and_spans_the_range():
    layer = layers.AutoContrast()
    y = np.asarray(layer(X, training=False))
    np.testing.assert_array_equal(y, np.asarray(layer(X)))
    np.testing.assert_allclose(y.min(axis=(1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(y.max(axis=(1, 2)), 255, atol=1e-3)


def test_dict_inputs():
    layer = layers.RandomBrightness((0.1, 0.1), seed=0)
    out = layer({"images": X, "labels": np.array([1, 0])})
    np.testing.assert_array_equal(out["labels"], [1, 0])
    np.testing.assert_allclose(np.asarray(out["images"]), np.minimum(X + 25.5, 255),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="bounding box format"):
        layer.call({"images": X, "bounding_boxes": {"boxes": np.zeros((2, 1, 4))}})


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomContrast(1.5), "factor"),
    (lambda: layers.RandomContrast((0.1, 0.2, 0.3)), "factor"),
    (lambda: layers.RandomBrightness("a"), "factor"),
    (lambda: layers.RandomBrightness(0.1, value_range=5), "value_range"),
    (lambda: layers.RandomGrayscale(1.5), "between 0 and 1"),
    (lambda: layers.RandomPosterization(9), "factor"),
    (lambda: layers.Solarization(addition_factor=2), "addition_factor"),
    (lambda: layers.AutoContrast(factor=0.5), "does not take a `factor`"),
    (lambda: layers.RandomContrast(0.1)(np.zeros((2, 3), "float32")), "rank 3 or 4"),
    (lambda: layers.RandomColorDegeneration(0.1).compute_output_shape((None, 4, 4, 2)),
     "3 channels"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def _model():
    inputs = keras.Input((5, 6, 3))
    x = layers.RandomBrightness(0.2, value_range=(0, 1), seed=1)(inputs)
    x = layers.RandomContrast(0.2, value_range=(0, 1), seed=2)(x)
    x = layers.RandomHue(0.1, value_range=(0, 1), seed=3)(x)
    x = layers.RandomGrayscale(0.2, seed=4)(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(1)(x))


def test_trains_in_fit_with_new_draws_each_step(tmp_path):
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    x = image_color_cases.X_LAST.repeat(8, 0)
    y = x.mean(axis=(1, 2, 3))[:, None]
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    brightness = model.layers[1]
    assert int(np.asarray(brightness.generator.state.numpy())) == 8  # 4 steps x 2 epochs
    # Inference is the identity: the colour layers removed give the same predictions.
    dense = model.layers[-1]
    flat = x.reshape(len(x), -1)
    expected = flat @ np.asarray(dense.kernel.numpy()) + np.asarray(dense.bias.numpy())
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    assert [json.dumps(layer.get_config()) for layer in again.layers[1:5]] == \
        [json.dumps(layer.get_config()) for layer in model.layers[1:5]]
