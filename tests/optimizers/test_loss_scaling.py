"""LossScaleOptimizer, `loss_scale_factor`, and Adafactor/Lamb beyond a Dense layer against
real Keras 3 (keras_loss_scaling.npz, made by tests/fixtures/make_keras_loss_scaling.py):
eager steps with NaN/inf gradients, compiled train_on_batch steps whose scaled gradients
overflow, short fits; then the wrapper's config, saving and Keras's argument errors."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import optimizers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import loss_scale_cases as cases  # noqa: E402

GOLDEN = np.load(os.path.join(FIXTURES, "keras_loss_scaling.npz"), allow_pickle=False)
with open(os.path.join(FIXTURES, "keras_loss_scaling.json")) as _f:
    META = json.load(_f)


def _golden(prefix):
    keys = sorted((k for k in GOLDEN.files if k.startswith(prefix)),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [GOLDEN[k] for k in keys]


def _close(actual, expected, what):
    assert len(actual) == len(expected), what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(np.asarray(a, dtype="float64"), e.astype("float64"),
                                   rtol=1e-5, atol=1e-6, err_msg=f"{what} #{i}")


def _scoped(keras_paths):
    """Keras scopes Adafactor's placeholders only when apply() builds the optimizer; the
    fixture builds it first (its JAX backend needs stateless_apply for the wrapper), which
    leaves them unscoped. fastkeras always scopes them, like the slots around them."""
    out, scope = [], ""
    for path in keras_paths:
        if "/" in path:
            scope = path.rsplit("/", 1)[0] + "/"
            out.append(path)
        else:
            out.append(scope + path)
    return out


@pytest.mark.parametrize("case", list(cases.STEP_CASES))
def test_steps_match_keras(case, backend):
    out = cases.run_steps(keras, case)
    assert out["paths"] == _scoped(META["paths"][case])
    for step in range(cases.STEPS):
        _close(out["weights"][step], _golden(f"steps__{case}__weights{step}_"),
               f"weights after step {step}")
        _close(out["variables"][step], _golden(f"steps__{case}__variables{step}_"),
               f"optimizer variables after step {step}")


@pytest.mark.parametrize("case", list(cases.BATCH_CASES))
def test_compiled_steps_with_overflow_match_keras(case, backend):
    out = cases.run_batches(keras, case)
    expected = GOLDEN[f"batches__{case}__losses"]
    assert np.isinf(expected[list(cases.OVERFLOW_BATCHES)]).all()  # the skipped steps
    np.testing.assert_allclose(out["losses"], expected, rtol=1e-5)
    _close(out["weights"], _golden(f"batches__{case}__weights_"), "weights")
    _close(out["variables"], _golden(f"batches__{case}__variables_"), "optimizer variables")


@pytest.mark.parametrize("case", list(cases.FIT_CASES))
def test_fit_matches_keras(case, backend):
    out = cases.run_fit(keras, case)
    np.testing.assert_allclose(out["losses"], GOLDEN[f"fit__{case}__losses"], rtol=1e-5)
    _close(out["weights"], _golden(f"fit__{case}__weights_"), "weights")


def test_wrapper_config_and_scale_loss_are_keras():
    out = cases.wrapper_config(keras)
    expected = META["wrapper"]
    assert out["scale_loss"] == expected["scale_loss"]
    assert out["inner_loss_scale_factor"] is None
    config, want = out["config"], expected["config"]
    inner, want_inner = config.pop("inner_optimizer"), want.pop("inner_optimizer")
    assert config == want
    assert {k: inner[k] for k in ("module", "class_name", "registered_name")} == \
        {k: want_inner[k] for k in ("module", "class_name", "registered_name")}
    assert inner["config"] == pytest.approx(want_inner["config"])


def test_wrapper_round_trips_and_delegates():
    inner = optimizers.SGD(0.05, momentum=0.5)
    opt = optimizers.LossScaleOptimizer(inner, initial_scale=8.0, dynamic_growth_steps=7)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is optimizers.LossScaleOptimizer
    assert type(again.inner_optimizer) is optimizers.SGD
    assert again.get_config() == opt.get_config()
    assert opt.learning_rate == pytest.approx(0.05)
    opt.learning_rate = 0.02
    assert inner.learning_rate == pytest.approx(0.02)
    assert opt.iterations is inner.iterations
    assert opt.name.startswith("loss_scale_optimizer")


@pytest.mark.parametrize("make", [
    lambda: optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=16.0,
                                          dynamic_growth_steps=2),
    lambda: optimizers.LossScaleOptimizer(optimizers.Adafactor(0.01)),
    lambda: optimizers.Adafactor(0.01),
    lambda: optimizers.Lamb(0.01, loss_scale_factor=4.0),
])
def test_fit_then_save_and_load_keeps_the_state(make, tmp_path):
    x, y = cases._data(64, 5)
    model = cases._model(keras, 6)
    model.compile(optimizer=make(), loss="mse")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    opt = model.optimizer
    if isinstance(opt, optimizers.LossScaleOptimizer) and opt.dynamic_growth_steps == 2:
        assert float(opt.dynamic_scale.numpy()) == 16.0 * 4  # 4 finite steps, growth every 2
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded.optimizer) is type(opt)
    assert loaded.optimizer.get_config() == opt.get_config()
    assert len(loaded.optimizer.variables) == len(opt.variables)
    for a, b in zip(loaded.optimizer.variables, opt.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


@pytest.mark.parametrize("cls, kwargs", [
    (optimizers.Adafactor, dict(learning_rate=0.05, relative_step=False, clip_threshold=0.5,
                                epsilon_2=1e-2, beta_2_decay=-0.6, weight_decay=0.1)),
    (optimizers.Lamb, dict(learning_rate=0.05, beta_1=0.8, epsilon=1e-6, use_ema=True)),
    (optimizers.SGD, dict(learning_rate=0.05, loss_scale_factor=128.0)),
])
def test_new_families_round_trip(cls, kwargs):
    opt = cls(**kwargs)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert type(again) is cls and again.get_config() == opt.get_config()


def test_names_as_keras():
    assert type(optimizers.get("adafactor")) is optimizers.Adafactor
    # Keras's identifiers leave out Lamb; the wrapper's name fails as Keras's from_config
    # does, on the missing inner optimizer.
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: lamb"):
        optimizers.get("lamb")
    for name in ("lossscaleoptimizer", "LossScaleOptimizer"):
        with pytest.raises(KeyError, match="inner_optimizer"):
            optimizers.get(name)


@pytest.mark.parametrize("kwargs, match", [
    (dict(dynamic=False), "no longer supports `dynamic=False`"),
    (dict(clipnorm=1.0), "does not support `clipnorm`. Instead, set `clipnorm` on the"),
    (dict(use_ema=True), "does not support `use_ema`"),
    (dict(bogus=1, other=2), "does not support arguments: `bogus`, `other`"),
])
def test_wrapper_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.LossScaleOptimizer(optimizers.SGD(), **kwargs)


def test_wrapper_accepts_old_configs_base_defaults():
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=None, use_ema=False,
                                        ema_momentum=0.99)
    assert "clipnorm" not in opt.get_config()
