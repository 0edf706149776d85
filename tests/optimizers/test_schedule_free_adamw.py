"""ScheduleFreeAdamW against real Keras 3.15 (keras_new_optimizers.npz, made by
tests/fixtures/make_keras_new_optimizers.py): a fit from fixed weights (with warmup and
weight decay too), its optimizer variables, where `momentum` starts, the config and a
`.keras` round trip."""

import os
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import new_optimizer_cases as cases  # noqa: E402

SF_CASES = [c for c in cases.CASES if c.startswith("schedule_free")]


@pytest.mark.parametrize("case", SF_CASES)
def test_fit_matches_keras(case, backend):
    cases.assert_fit_matches_keras(keras, case)


def test_momentum_starts_at_the_variable_and_variables_keep_y():
    layer = keras.layers.Dense(3)
    layer.build((None, 2))
    optimizer = keras.optimizers.ScheduleFreeAdamW(learning_rate=0.1)
    optimizer.build(layer.trainable_weights)
    for variable, z in zip(layer.trainable_weights, optimizer.variables[2::2]):
        np.testing.assert_array_equal(z.numpy(), variable.numpy())
    before = layer.kernel.numpy().copy()
    grads = [np.ones((2, 3), "float32"), np.ones((3,), "float32")]
    optimizer.apply(grads, layer.trainable_weights)
    # step 1: z = w - lr*g/(|g|+eps) = w - 0.1 (about); x = z (weight 1);
    # y = (1-b1) z + b1 x = z: the variable holds y
    np.testing.assert_allclose(layer.kernel.numpy(), before - 0.1, rtol=0, atol=1e-6)


def test_default_config_is_keras():
    expected = cases.keras_meta()["configs"]["ScheduleFreeAdamW"]
    config = keras.optimizers.ScheduleFreeAdamW().get_config()
    assert config.pop("name").startswith(expected.pop("name"))
    assert config.keys() == expected.keys()
    for key, value in expected.items():
        assert config[key] == pytest.approx(value), key


def test_config_round_trip_and_save_load(tmp_path):
    model = cases.run_fit(keras, "schedule_free_adamw_warmup_decay")["model"]
    config = model.optimizer.get_config()
    assert keras.optimizers.ScheduleFreeAdamW.from_config(config).get_config() == config
    assert isinstance(keras.optimizers.get("schedulefreeadamw"),
                      keras.optimizers.ScheduleFreeAdamW)
    path = str(tmp_path / "sf.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert again.optimizer.get_config() == config
    # (as in Keras, a loaded Sequential's weights' paths lack the model's name)
    assert [v.path for v in again.optimizer.variables] == \
        [v.path.replace("/net_", "/") for v in model.optimizer.variables]
    for actual, want in zip(again.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(actual.numpy(), want.numpy())
