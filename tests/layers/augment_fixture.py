"""Shared checks of the augmentation layers compared with real Keras
(tests/fixtures/keras_image_augment_more.npz / .json, made by
make_keras_image_augment_more.py from image_augment_more_cases.py), and a small model that
trains with them inside fit, draws anew every step, predicts without them and round-trips
through .keras."""

import json
import os

import numpy as np

import fastkeras as keras
from tests.fixtures import image_augment_more_cases as cases

HERE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
GOLD = np.load(os.path.join(HERE, "keras_image_augment_more.npz"), allow_pickle=False)
INFO = json.load(open(os.path.join(HERE, "keras_image_augment_more.json")))["layers"]


def names(table, *prefixes):
    return sorted(n for n in table if n.split("_")[0] in prefixes)


def check_transform_case(name):
    """Our transform_images (and transform_labels) with the case's transformation give
    Keras's numbers (a "keras" case: the transformation Keras drew, from the npz)."""
    transformation = cases.TRANSFORMS[name][2]
    if isinstance(transformation, str):
        prefix = f"{name}__t__"
        transformation = {k[len(prefix):]: GOLD[k] for k in GOLD.files if k.startswith(prefix)}
    images, labels = cases.apply_transformation(keras, name, transformation)
    want = GOLD[f"{name}__y"]
    assert images.shape == want.shape and images.dtype == np.float32
    # Pixel values up to 255; the perspective's homography is solved differently (closed
    # form here, an 8x8 solve in Keras): last-bit differences in the sample points.
    np.testing.assert_allclose(images, want, rtol=1e-6, atol=5e-4)
    if labels is not None:
        np.testing.assert_allclose(labels, GOLD[f"{name}__labels"], rtol=1e-6, atol=1e-6)


def check_direct_case(name):
    class_name, kwargs, make_input = cases.DIRECT[name]
    y = np.asarray(cases.make_layer(keras, class_name, kwargs)(make_input(), training=True))
    np.testing.assert_allclose(y, GOLD[f"{name}__y"], rtol=1e-6, atol=1e-4)


def _strip_names(config):
    """The config without layer names (Keras numbers its layers per process)."""
    if isinstance(config, dict):
        return {k: _strip_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_strip_names(v) for v in config]
    return config


def check_config(name):
    class_name, kwargs = cases.CONFIGS[name]
    layer = cases.make_layer(keras, class_name, kwargs)
    ours = json.loads(json.dumps(layer.get_config()))
    assert _strip_names(ours) == _strip_names(INFO[name]["config"])
    again = type(layer).from_config(layer.get_config())
    assert json.loads(json.dumps(again.get_config())) == ours


def check_fit_draws_and_reload(augmenters, tmp_path, x):
    """A Sequential of `augmenters` then Flatten and Dense: fit runs, every augmenter with
    a generator draws once per training step, two training passes differ, predict is the
    Dense alone on the raw images, and the .keras round trip keeps configs and numbers."""
    model = keras.Sequential([keras.Input(x.shape[1:])] + augmenters +
                             [keras.layers.Flatten(), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    y = x.mean(axis=(1, 2, 3))[:, None]
    history = model.fit(x, y, batch_size=len(x) // 2, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    for layer in augmenters + [l for p in augmenters for l in getattr(p, "layers", [])]:
        if hasattr(layer, "generator"):
            assert int(np.asarray(layer.generator.state.numpy())) == 4, layer.name
    augment = keras.Sequential(augmenters)
    first, second = np.asarray(augment(x, training=True)), np.asarray(augment(x, training=True))
    assert first.shape == x.shape and not np.array_equal(first, second)
    dense = model.layers[-1]
    expected = x.reshape(len(x), -1) @ np.asarray(dense.kernel.numpy()) + \
        np.asarray(dense.bias.numpy())
    predicted = model.predict(x, verbose=0)
    np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-5)
    path = str(tmp_path / "augment.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert [json.dumps(l.get_config()) for l in loaded.layers] == \
        [json.dumps(l.get_config()) for l in model.layers]
    np.testing.assert_allclose(loaded.predict(x, verbose=0), predicted, rtol=1e-6, atol=1e-6)
