"""Merge layers over masked inputs (layers/merging.py) against real Keras 3.15.1
(tests/fixtures/keras_masks_more.npz, made by make_keras_masks_more.py from
masks_more_cases.py): the output's mask (the OR of the inputs' masks, none when one input
has none; Concatenate's joined masks; none from Dot), the values Multiply, Maximum and
Minimum change at padded steps, and a masked GlobalAveragePooling1D after the merge, eagerly
and in a compiled model on every backend; a 3-epoch fit through merged masks."""

import warnings
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers.masks import get_keras_mask
from tests.fixtures import masks_more_cases as cases

FIXTURE = np.load(Path(__file__).resolve().parents[1] / "fixtures" / "keras_masks_more.npz")


def _want(name, key):
    return FIXTURE[f"merge_{name}__{key}"]


def _check_mask(name, mask):
    if bool(_want(name, "has_mask")):
        assert mask is not None, "Keras's output has a mask"
        np.testing.assert_array_equal(np.asarray(mask), _want(name, "mask"))
    else:
        assert mask is None, "Keras's output has no mask"


@pytest.mark.parametrize("name", sorted(cases.MERGE_CASES))
def test_eager_merge_matches_keras(backend, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no layer here drops a mask with Keras's warning
        merged, pooled = cases.merge_eager(keras, name)
    _check_mask(name, get_keras_mask(merged))
    np.testing.assert_allclose(merged, _want(name, "merged"), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pooled, _want(name, "pooled"), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(cases.MERGE_CASES))
def test_compiled_merge_matches_keras(backend, name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = cases.merge_model(keras, name)
    merged_kt = model.outputs[0]
    assert (merged_kt._keras_mask is not None) == bool(_want(name, "has_mask"))
    merged, pooled = model.predict(cases.merge_inputs(name), verbose=0)
    np.testing.assert_allclose(merged, _want(name, "predict_merged"), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(pooled, _want(name, "predict_pooled"), rtol=1e-5, atol=1e-5)


def test_fit_through_merged_masks_matches_keras(backend):
    name = "merged_masks__none"
    got = cases.run_fit(keras, name)
    for key, value in got.items():
        tol = 1e-5 if key == "predictions" else 1e-4
        np.testing.assert_allclose(value, FIXTURE[f"fit_{name}__{key}"], rtol=tol, atol=tol,
                                   err_msg=key)


def test_symbolic_masks_of_merges():
    a, b = keras.Input((4, 3)), keras.Input((4, 3))
    ma, mb = keras.layers.Masking()(a), keras.layers.Masking()(b)
    assert keras.layers.Add()([ma, mb])._keras_mask.shape == (None, 4)
    assert keras.layers.Add()([ma, b])._keras_mask is None
    assert keras.layers.Concatenate()([ma, b])._keras_mask.shape == (None, 4)
    assert keras.layers.Concatenate(axis=1)([ma, b])._keras_mask.shape == (None, 8)
    assert keras.layers.Dot(axes=2)([ma, mb])._keras_mask is None
    assert keras.layers.Dot(axes=2).supports_masking


def test_compute_mask_checks_its_arguments():
    layer, x = keras.layers.Add(), np.ones((2, 3, 2), np.float32)
    mask = np.ones((2, 3), bool)
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([x, x], mask)
    with pytest.raises(ValueError, match="should have the same length"):
        layer.compute_mask([x, x], [mask])
    with pytest.raises(ValueError, match="`inputs` should be a list"):
        keras.layers.Concatenate().compute_mask(x, [mask, mask])
    assert layer.compute_mask([x, x], None) is None
