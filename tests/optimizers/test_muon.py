"""Muon against real Keras 3.15 (keras_new_optimizers.npz, made by
tests/fixtures/make_keras_new_optimizers.py): a fit of an Embedding + Dense model, its
losses, weights and optimizer variables (which variables get the AdamW rule shows in their
slots), the config, and `.keras` files written by Keras and by fastkeras."""

import os
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import new_optimizer_cases as cases  # noqa: E402

MUON_CASES = [c for c in cases.CASES if c.startswith("muon")]


@pytest.mark.parametrize("case", MUON_CASES)
def test_fit_matches_keras(case, backend):
    cases.assert_fit_matches_keras(keras, case)


def test_adamw_rule_goes_to_embeddings_vectors_and_excluded_layers():
    model = cases.make_model(keras)
    rules = {v.path: keras.optimizers.Muon(exclude_layers=["out"])._should_use_adamw(v)
             for v in model.trainable_weights}
    assert rules == {"net/embedding/embeddings": True, "net/dense/kernel": False,
                     "net/dense/bias": True, "net/dense_1/kernel": False,
                     "net/dense_1/bias": True, "net/out/kernel": True, "net/out/bias": True}
    keep = keras.optimizers.Muon(exclude_embeddings=False)
    assert not keep._should_use_adamw(model.trainable_weights[0])


def test_newton_schulz_orthogonalizes_and_rejects_vectors():
    optimizer = keras.optimizers.Muon()
    rng = np.random.default_rng(0)
    for shape in ((6, 3), (3, 6)):  # tall ones are transposed and back
        x = np.asarray(optimizer.zeropower_via_newtonschulz5(
            rng.standard_normal(shape).astype("float32"), 10))
        assert x.shape == shape
        # the quintic iteration drives every singular value into about [0.7, 1.2]
        singular = np.linalg.svd(x, compute_uv=False)
        assert np.all((singular > 0.6) & (singular < 1.3)), singular
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        optimizer.zeropower_via_newtonschulz5(np.ones((4,), "float32"), 5)


def test_default_config_is_keras():
    expected = cases.keras_meta()["configs"]["Muon"]
    config = keras.optimizers.Muon(name="muon").get_config()
    assert config.keys() == expected.keys()
    for key, value in expected.items():
        assert config[key] == pytest.approx(value), key


def test_config_round_trip_and_identifiers():
    optimizer = keras.optimizers.Muon(learning_rate=0.02, exclude_layers=["out"], ns_steps=3,
                                      rms_rate=None, nesterov=False)
    config = optimizer.get_config()
    again = keras.optimizers.Muon.from_config(config)
    assert again.get_config() == config
    revived = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert isinstance(revived, keras.optimizers.Muon) and revived.get_config() == config
    assert isinstance(keras.optimizers.get("muon"), keras.optimizers.Muon)


def test_loads_keras_file_and_round_trips_its_own(tmp_path):
    model = keras.models.load_model(os.path.join(FIXTURES, "keras_new_optimizers_muon.keras"))
    weights, variables = cases.keras_final_state("muon")
    assert isinstance(model.optimizer, keras.optimizers.Muon)
    for actual, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(actual, want)
    # Keras too: a loaded Sequential's weights' paths lack the model's name
    assert [v.path for v in model.optimizer.variables] == \
        [p.replace("/net_", "/") for p in cases.keras_meta()["paths"]["muon"]]
    for actual, want in zip(model.optimizer.variables, variables):
        np.testing.assert_array_equal(np.asarray(actual.numpy(), "float64"), want)
    path = str(tmp_path / "muon.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert again.optimizer.get_config() == model.optimizer.get_config()
    for actual, want in zip(again.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(actual.numpy(), want.numpy())
