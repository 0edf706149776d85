"""BatchNormalization with a mask (layers/normalization.py) against real Keras 3.15.1
(tests/fixtures/keras_masks_more.npz, from masks_more_cases.py): in training the batch's
moments are over the unmasked steps only (and so the moving statistics); in inference the
mask changes nothing; the mask passes on. Every backend, outputs 1e-5, fits 1e-4."""

from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.layers.masks import get_keras_mask
from tests.fixtures import masks_more_cases as cases

FIXTURE = np.load(Path(__file__).resolve().parents[1] / "fixtures" / "keras_masks_more.npz")


@pytest.mark.parametrize("name", sorted(cases.BN_CASES))
def test_masked_batch_norm_matches_keras(backend, name):
    got = cases.bn_run(keras, name)
    for key, value in got.items():
        np.testing.assert_allclose(value, FIXTURE[f"bn_{name}__{key}"], rtol=1e-5, atol=1e-5,
                                   err_msg=key)


def test_masked_moments_ignore_the_padded_steps(backend):
    """What a padded step holds changes nothing in training; without the mask it would."""
    layer, x, mask = cases.bn_case(keras, "bn_3d")
    garbage = x.copy()
    garbage[~mask] = 1e3
    start = layer.get_weights()
    out = np.asarray(layer(x, training=True, mask=mask))
    layer.set_weights(start)
    again = np.asarray(layer(garbage, training=True, mask=mask))
    np.testing.assert_allclose(again[mask], out[mask], rtol=1e-5, atol=1e-5)
    layer.set_weights(start)
    unmasked = np.asarray(layer(x, training=True))
    assert not np.allclose(unmasked[mask], out[mask], atol=1e-3)


def test_the_mask_passes_on(backend):
    inp = keras.Input((4,), dtype="int32")
    emb = keras.layers.Embedding(6, 2, mask_zero=True)(inp)
    bn = keras.layers.BatchNormalization()(emb)
    assert bn._keras_mask is not None
    ids = np.array([[1, 2, 0, 0], [3, 0, 0, 0]], np.int32)
    values = keras.layers.BatchNormalization()(keras.layers.Embedding(6, 2, mask_zero=True)(ids))
    np.testing.assert_array_equal(get_keras_mask(values), ids != 0)


def test_fit_with_masked_batch_norm_matches_keras(backend):
    name = "batch_norm_masked__none"
    got = cases.run_fit(keras, name)
    for key, value in got.items():
        tol = 1e-5 if key == "predictions" else 1e-4
        np.testing.assert_allclose(value, FIXTURE[f"fit_{name}__{key}"], rtol=tol, atol=tol,
                                   err_msg=key)


def test_a_mask_of_the_wrong_rank_is_a_value_error():
    layer = keras.layers.BatchNormalization()
    x = np.ones((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match=r"one dimension less than the inputs.*mask.shape=\(2,"):
        layer(x, training=True, mask=np.ones((2,), bool))
    with pytest.raises(ValueError, match="one dimension less"):
        layer(x, training=False, mask=np.ones((2, 3, 4), bool))
