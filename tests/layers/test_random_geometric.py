"""RandomFlip, RandomRotation, RandomZoom, RandomTranslation and RandomCrop: deterministic
ranges against real Keras (tests/fixtures/make_keras_image_geometry.py), configs, the
identity at inference, flips that are flips, training inside fit, and .keras round trips."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import image_geometry_cases as cases

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
GOLD = np.load(os.path.join(HERE, "keras_image_geometry.npz"), allow_pickle=False)
INFO = json.load(open(os.path.join(HERE, "keras_image_geometry.json")))["layers"]
X = np.random.default_rng(3).uniform(0, 1, (4, 6, 7, 2)).astype("float32")


@pytest.mark.parametrize("name", sorted(cases.LAYERS))
def test_fixed_ranges_match_keras(backend, name):
    # (f, f) factor ranges draw f exactly: Keras's numbers. RandomCrop's "center" case is
    # the inference crop, which Keras computes but (3.15, keras#21868) forgets to apply.
    layer = cases.make_layer(keras, name)
    training = cases.LAYERS[name][3] is True
    y = np.asarray(layer(GOLD[f"{name}__x"], training=training))
    want = GOLD[f"{name}__y"]
    assert y.shape == want.shape and y.dtype == np.float32
    np.testing.assert_allclose(y, want, rtol=2e-6, atol=1e-4)  # pixel values up to 255


@pytest.mark.parametrize("name", sorted(cases.CONFIGS))
def test_config_matches_keras_and_round_trips(name):
    layer = cases.make_layer(keras, name, cases.CONFIGS)
    ours = json.loads(json.dumps(layer.get_config()))
    theirs = dict(INFO[name]["config"])
    ours.pop("name"), theirs.pop("name")
    assert ours == theirs
    again = type(layer).from_config(layer.get_config())
    assert json.loads(json.dumps(again.get_config())) == json.loads(
        json.dumps(layer.get_config()))


def test_random_crop_without_seed_keeps_a_drawn_one():
    seed = layers.RandomCrop(3, 3).get_config()["seed"]
    assert isinstance(seed, int) and seed > 0


@pytest.mark.parametrize("layer", [
    layers.RandomFlip(seed=1), layers.RandomRotation(0.3, seed=1),
    layers.RandomZoom(0.4, seed=1), layers.RandomTranslation(0.3, 0.3, seed=1)])
def test_identity_at_inference_and_random_when_called(layer):
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    ints = (X * 100).astype("int32")
    assert np.asarray(layer(ints, training=False)).dtype == np.float32  # as Keras
    a, b = np.asarray(layer(X)), np.asarray(layer(X))  # call() defaults to training=True
    assert a.shape == X.shape and not np.array_equal(a, b)


@pytest.mark.parametrize("mode, flips", [
    ("horizontal", lambda x: [x[:, ::-1]]), ("vertical", lambda x: [x[::-1]]),
    ("horizontal_and_vertical", lambda x: [x[::-1, ::-1]])])
def test_flip_gives_the_image_or_its_flip(mode, flips):
    layer = layers.RandomFlip(mode, seed=4)
    x = np.random.default_rng(1).uniform(size=(32, 5, 6, 2)).astype("float32")
    y = np.asarray(layer(x, training=True))
    flipped = 0
    for image, out in zip(x, y):
        if not np.array_equal(out, image):
            np.testing.assert_array_equal(out, flips(image)[0])
            flipped += 1
    assert 4 <= flipped <= 28  # about half (p < 1e-3 outside)
    single = np.asarray(layer(x[0], training=True))
    assert any(np.array_equal(single, c) for c in [x[0]] + flips(x[0]))


def test_rotation_keeps_the_image_centre_and_layout():
    x = np.zeros((1, 9, 9, 1), "float32")
    x[0, 4, 4, 0] = 1.0
    y = np.asarray(layers.RandomRotation((0.25, 0.25), fill_mode="constant")(x))
    assert y[0, 4, 4, 0] == pytest.approx(1.0, abs=1e-5)
    x[0, 4, 4, 0], x[0, 1, 4, 0] = 0.0, 1.0  # above the centre; a quarter turn ccw: left
    y = np.asarray(layers.RandomRotation((0.25, 0.25), fill_mode="constant")(x))
    assert y[0, 4, 1, 0] == pytest.approx(1.0, abs=1e-5)


def test_random_crop_training_windows_vary_and_inference_is_centred():
    layer = layers.RandomCrop(3, 4, seed=2)
    x = np.arange(2 * 8 * 9, dtype="float32").reshape(2, 8, 9, 1)
    seen = set()
    for _ in range(12):
        y = np.asarray(layer(x, training=True))
        top, left = divmod(int(y[0, 0, 0, 0]), 9)
        np.testing.assert_array_equal(y, x[:, top:top + 3, left:left + 4])
        seen.add((top, left))
    assert len(seen) > 3
    # Keras's inference window: the target's size from the start (1, 0) of the largest
    # centred 3:4 window of the 8x9 image (6x9, rows 1-6).
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x[:, 1:4, 0:4])
    assert layer.compute_output_shape((None, 8, 9, 1)) == (None, 3, 4, 1)


@pytest.mark.parametrize("make, error", [
    (lambda: layers.RandomRotation(1.5), ValueError),
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), NotImplementedError),
    (lambda: layers.RandomZoom(-1.0), ValueError),
    (lambda: layers.RandomZoom(0.1, interpolation="bicubic"), NotImplementedError),
    (lambda: layers.RandomTranslation((0.1, 0.2, 0.3), 0.1), ValueError),
    (lambda: layers.RandomFlip()(np.zeros((2, 3), "float32")), ValueError),
])
def test_bad_arguments_raise_keras_errors(make, error):
    with pytest.raises(error):
        make()


def _augmenting_model():
    return keras.Sequential([
        keras.Input((8, 8, 1)), layers.RandomFlip("horizontal", seed=1),
        layers.RandomRotation(0.1, seed=2), layers.RandomZoom(0.1, seed=3),
        layers.RandomTranslation(0.1, 0.1, seed=4), layers.RandomCrop(6, 6, seed=5),
        layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)])


def test_sequential_with_augmentation_trains_and_draws_new_transforms(tmp_path):
    keras.utils.set_random_seed(0)
    model = _augmenting_model()
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).uniform(size=(16, 8, 8, 1)).astype("float32")
    y = x.mean(axis=(1, 2))
    state = model.layers[1].generator.state
    before = int(np.asarray(state.numpy()))
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert int(np.asarray(state.numpy())) == before + 4  # one draw per step
    assert all(np.isfinite(history.history["loss"]))
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # inference: no augmentation
    # Two training-mode passes through the augmentation draw different transforms.
    augment = keras.Sequential(model.layers[:5])
    a, b = np.asarray(augment(x, training=True)), np.asarray(augment(x, training=True))
    assert a.shape == (16, 6, 6, 1) and not np.array_equal(a, b)
    path = str(tmp_path / "augment.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    assert loaded.layers[1].get_config() == model.layers[1].get_config()
    np.testing.assert_allclose(loaded.predict(x, verbose=0), p1, rtol=1e-6, atol=1e-6)
