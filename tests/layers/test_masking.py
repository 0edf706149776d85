"""Keras masks in fastkeras (layers/masks.py): which layers make, pass on, consume or drop a
mask, symbolically, eagerly and inside the compiled steps; functional configs with masks
written and read as Keras 3 writes them (keras_shape_layer_configs.json, made by real Keras)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers.masks import get_keras_mask
from tests.fixtures import shape_layer_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
KERAS = json.loads((HERE / "keras_shape_layer_configs.json").read_text())["mask_models"]
PREDICTIONS = np.load(HERE / "keras_shape_layers.npz")
IDS = np.array([[1, 2, 0, 0], [3, 0, 0, 0], [4, 5, 6, 7]], np.int32)


def _masked_mean(values, mask):
    w = mask[..., None].astype(values.dtype)
    return (values * w).sum(1) / w.sum(1)


def test_supports_masking_follows_keras():
    layers = keras.layers
    assert layers.Embedding(5, 2, mask_zero=True).supports_masking
    assert not layers.Embedding(5, 2).supports_masking
    assert not layers.Flatten().supports_masking and not layers.GlobalMaxPooling1D().supports_masking
    assert not layers.Lambda(lambda x: x).supports_masking
    assert layers.Lambda(lambda x: x, mask=lambda x, m: m).supports_masking
    for layer in (layers.Dense(2), layers.Dropout(0.1), layers.Masking(), layers.ReLU(),
                  layers.Activation("tanh"), layers.LayerNormalization(), layers.Identity(),
                  layers.GlobalAveragePooling1D()):
        assert layer.supports_masking, type(layer).__name__
    layer = layers.Dense(2)
    layer.supports_masking = False
    assert not layer.supports_masking and layers.Dense(2).supports_masking


def test_symbolic_masks_flow_like_keras():
    inp = keras.Input((4,), dtype="int32")
    emb = keras.layers.Embedding(9, 3, mask_zero=True)(inp)
    mask = emb._keras_mask
    assert mask.shape == (None, 4) and mask.dtype == "bool"
    dense = keras.layers.Dense(2)(emb)
    assert dense._keras_mask is mask  # passed on unchanged
    assert keras.layers.GlobalAveragePooling1D()(dense)._keras_mask is None  # consumed
    with pytest.warns(UserWarning, match="does not support masking"):
        flat = keras.layers.Flatten()(dense)
    assert flat._keras_mask is None
    assert keras.layers.Embedding(9, 3)(inp)._keras_mask is None


def test_eager_masks_attach_to_arrays():
    emb = keras.layers.Embedding(9, 3, mask_zero=True)
    values = emb(IDS)
    np.testing.assert_array_equal(get_keras_mask(values), IDS != 0)
    pooled = keras.layers.GlobalAveragePooling1D()(values)  # picks the mask up
    np.testing.assert_allclose(pooled, _masked_mean(np.asarray(values), IDS != 0), rtol=1e-6)
    x = np.ones((2, 3, 2), np.float32)
    x[0, 1] = 0
    out = keras.layers.Masking()(x)
    np.testing.assert_array_equal(get_keras_mask(out), [[True, False, True], [True] * 3])


def test_masked_mean_in_compiled_predict_and_fit(backend):
    inp = keras.Input((4,), dtype="int32")
    emb = keras.layers.Embedding(9, 3, mask_zero=True)
    model = keras.Model(inp, keras.layers.GlobalAveragePooling1D()(emb(inp)))
    table = emb.get_weights()[0]
    want = _masked_mean(table[IDS], IDS != 0)
    np.testing.assert_allclose(model.predict(IDS, verbose=0), want, rtol=1e-6, atol=1e-7)
    # Padding ids get no gradient: their embedding rows stay as they were.
    model.compile(optimizer="sgd", loss="mse")
    model.fit(IDS, np.ones((3, 3), np.float32), epochs=2, verbose=0)
    after = emb.get_weights()[0]
    np.testing.assert_array_equal(after[[0, 8]], table[[0, 8]])
    assert not np.allclose(after[1:8], table[1:8])


def test_explicit_mask_overrides_and_unknown_mask_argument_is_refused():
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    mask = np.array([[True, False, False], [True, True, False]])
    got = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(got, _masked_mean(x, mask))
    with pytest.raises(TypeError, match="mask"):
        keras.layers.Dense(2)(x, mask=mask)


def test_explicit_symbolic_mask_is_part_of_the_graph():
    values, mask_in = keras.Input((3, 2)), keras.Input((3,), dtype="bool")
    model = keras.Model([values, mask_in],
                        keras.layers.GlobalAveragePooling1D()(values, mask=mask_in))
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    mask = np.array([[True, False, True], [False, True, False]])
    np.testing.assert_allclose(model.predict([x, mask], verbose=0), _masked_mean(x, mask))


def _models():
    return shape_layer_cases.mask_models(keras), shape_layer_cases.mask_model_inputs()


@pytest.mark.parametrize("name", sorted(KERAS))
def test_keras_mask_configs_load_and_predict_as_keras(name):
    model = keras.Model.from_config(KERAS[name]["config"])
    model.set_weights([np.asarray(w, np.float32) for w in KERAS[name]["weights"]])
    x = shape_layer_cases.mask_model_inputs()[name]
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               PREDICTIONS[f"mask_model_predictions__{name}"],
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_mask_configs_are_written_as_keras_writes_them(name):
    def shape_of_config(config):
        """Each entry's class and the sources of its node's tensors, by class."""
        by_name = {entry["name"]: entry["class_name"] for entry in config["layers"]}

        def sources(value):
            text = json.dumps(value)
            return sorted(by_name[part.split('"')[0]] for part in
                          text.split('"keras_history": ["')[1:])
        return sorted((entry["class_name"],
                       [(sources(n["args"]), {k: sources(v) for k, v in n["kwargs"].items()})
                        for n in entry["inbound_nodes"]])
                      for entry in config["layers"])
    ours = _models()[0][name]
    assert shape_of_config(ours.get_config()) == shape_of_config(KERAS[name]["config"])
    again = keras.Model.from_config(ours.get_config())
    again.set_weights(ours.get_weights())
    x = shape_layer_cases.mask_model_inputs()[name]
    np.testing.assert_allclose(again.predict(x, verbose=0), ours.predict(x, verbose=0))


def test_sequential_carries_masks_through_its_layers():
    model = keras.Sequential([keras.Input((4,), dtype="int32"),
                              keras.layers.Embedding(9, 3, mask_zero=True),
                              keras.layers.Dense(2, activation="tanh"),
                              keras.layers.GlobalAveragePooling1D()])
    emb, dense = model.layers[0], model.layers[1]
    h = np.tanh(emb.get_weights()[0][IDS] @ dense.get_weights()[0] + dense.get_weights()[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every layer here takes or passes the mask
        np.testing.assert_allclose(model.predict(IDS, verbose=0), _masked_mean(h, IDS != 0),
                                   rtol=1e-5, atol=1e-6)


def test_each_tensor_argument_gets_its_own_named_mask():
    """Keras's rule for several tensor arguments: `<name>_mask` for each argument whose name
    the call signature pairs with one (the first argument is `self`'s next, not `self`)."""
    seen = {}

    class Pair(keras.layers.Layer):
        def call(self, query, value, query_mask=None, value_mask=None):
            seen["query_mask"], seen["value_mask"] = query_mask, value_mask
            return query

    ids = np.array([[1, 2, 0], [3, 0, 0]])
    a = keras.layers.Embedding(5, 2, mask_zero=True)(ids)
    b = keras.layers.Embedding(5, 2, mask_zero=True)(ids[:, ::-1].copy())
    Pair()(a, b)
    np.testing.assert_array_equal(np.asarray(seen["query_mask"]), ids != 0)
    np.testing.assert_array_equal(np.asarray(seen["value_mask"]), ids[:, ::-1] != 0)
