"""MixUp and CutMix: chosen transformations against real Keras (augment_fixture.py),
configs, images and labels mixed by the same weights in a dict input, the identity at
inference, training inside fit (images only: a model's targets stay), .keras round trip."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import layers
from tests.fixtures import image_augment_more_cases as cases
from tests.layers import augment_fixture as fixture

X = np.random.default_rng(9).uniform(0, 255, (8, 6, 7, 3)).astype("float32")
LABELS = np.eye(8, dtype="float32")  # image i has label i: a mixed label shows its sources


@pytest.mark.parametrize("name", fixture.names(cases.TRANSFORMS, "MixUp", "CutMix"))
def test_transformations_match_keras(backend, name):
    fixture.check_transform_case(name)


@pytest.mark.parametrize("name", fixture.names(cases.CONFIGS, "MixUp", "CutMix"))
def test_config_matches_keras_and_round_trips(name):
    fixture.check_config(name)


def test_mixup_mixes_images_and_labels_by_the_same_weight():
    out = layers.MixUp(alpha=0.5, seed=3)({"images": X, "labels": LABELS})
    images, labels = np.asarray(out["images"]), np.asarray(out["labels"])
    np.testing.assert_allclose(labels.sum(axis=1), 1.0, rtol=1e-6)
    partners = []
    for i, row in enumerate(labels):
        other = int(np.argmax(np.where(np.arange(8) == i, -1, row))) if row[i] < 1 - 1e-6 \
            else i
        weight = row[i] if other != i else 1.0
        np.testing.assert_allclose(images[i], weight * X[i] + (1 - weight) * X[other],
                                   rtol=1e-5, atol=1e-3)
        partners.append(other)
    assert len(set(partners)) > 1


def test_cutmix_pastes_a_box_and_weights_labels_by_its_share():
    x = np.random.default_rng(2).uniform(0, 1, (8, 48, 48, 1)).astype("float32")
    out = layers.CutMix(seed=4)({"images": x, "labels": LABELS})
    images, labels = np.asarray(out["images"]), np.asarray(out["labels"])
    pasted_any = False
    for i in range(8):
        kept = (images[i] == x[i]).all(axis=-1)
        share = kept.mean()
        # The weight is the box's real-valued area; the mask counts the whole pixels in it
        # (they differ by at most the box's rim: < 4 * 48 / 48**2).
        np.testing.assert_allclose(labels[i, i], share if share < 1 else 1.0, atol=0.09)
        if share < 1:
            other = int(np.argmax(np.where(np.arange(8) == i, -1, labels[i])))
            np.testing.assert_array_equal(images[i][~kept], x[other][~kept])
            rows, cols = np.nonzero(~kept)
            assert (~kept).sum() == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)  # one rectangle
            pasted_any = True
    assert pasted_any


def test_cutmix_label_weight_is_one_minus_the_box_area():
    layer = layers.CutMix(seed=2)
    t = layer.get_random_transformation(np.zeros((16, 48, 48, 2), "float32"))
    masks = np.asarray(t["batch_masks"])
    weight = np.asarray(t["mix_weight"]).reshape(-1)
    np.testing.assert_array_equal(masks[..., 0], masks[..., 1])
    np.testing.assert_allclose(weight, 1 - masks[..., 0].mean(axis=(1, 2)), atol=0.09)
    assert ((weight >= 0) & (weight <= 1)).all()


@pytest.mark.parametrize("layer", [layers.MixUp(seed=1), layers.CutMix(seed=1)])
def test_identity_at_inference_and_random_in_training(layer):
    np.testing.assert_array_equal(np.asarray(layer(X, training=False)), X)
    a, b = np.asarray(layer(X)), np.asarray(layer(X))
    assert a.shape == X.shape and not np.array_equal(a, b) and not np.array_equal(a, X)
    out = layer({"images": X, "labels": LABELS}, training=False)
    np.testing.assert_array_equal(np.asarray(out["labels"]), LABELS)


def test_cutmix_leaves_a_single_image_and_refuses_boxes():
    np.testing.assert_array_equal(np.asarray(layers.CutMix(seed=1)(X[0])), X[0])
    with pytest.raises(NotImplementedError):
        layers.CutMix(seed=1, bounding_box_format="xyxy")(
            {"images": X, "bounding_boxes": {"boxes": np.zeros((8, 1, 4)),
                                             "labels": np.zeros((8, 1))}})


def test_cutmix_masks_are_pasted_not_blended():
    masks = np.random.default_rng(1).integers(0, 3, (8, 6, 7, 1)).astype("int32")
    out = layers.CutMix(seed=5)({"images": X[..., :1], "segmentation_masks": masks})
    got = np.asarray(out["segmentation_masks"])
    assert got.dtype == np.int32 and set(np.unique(got)) <= {0, 1, 2}


@pytest.mark.parametrize("make, error", [
    (lambda: layers.CutMix(factor=1.5), ValueError),
    (lambda: layers.MixUp()(np.zeros((2, 3), "float32")), ValueError),
])
def test_bad_arguments(make, error):
    with pytest.raises(error):
        make()


def test_trains_in_fit_and_round_trips(tmp_path):
    keras.utils.set_random_seed(3)
    fixture.check_fit_draws_and_reload([layers.MixUp(seed=1), layers.CutMix(seed=2)],
                                       tmp_path, X[:4].repeat(2, 0) / 255.0)
