"""keras.optimizers.schedules against real Keras 3 (keras_schedules.npz, made by
tests/fixtures/make_keras_schedules.py): each schedule's values and serialized config, short
fits with a schedule traced into the step (and with use_ema, finalized at fit's end) on every
backend; the optimizer's learning_rate/variables/config with a schedule, and saving."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import schedule_cases  # noqa: E402

GOLDEN = np.load(os.path.join(FIXTURES, "keras_schedules.npz"), allow_pickle=False)
with open(os.path.join(FIXTURES, "keras_schedules.json")) as _f:
    META = json.load(_f)

schedules = keras.optimizers.schedules


def _close(actual, expected, what, rtol=1e-5, atol=1e-6):
    assert len(actual) == len(expected), what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(np.asarray(a, dtype="float64"), np.asarray(e, "float64"),
                                   rtol=rtol, atol=atol, err_msg=f"{what} #{i}")


def _golden_weights(case, tag):
    keys = sorted((k for k in GOLDEN.files if k.startswith(f"fit__{case}__{tag}_")),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [GOLDEN[k] for k in keys]


@pytest.mark.parametrize("case", list(schedule_cases.SCHEDULES))
def test_schedule_values_match_keras(case):
    np.testing.assert_allclose(schedule_cases.values(keras, case), GOLDEN[f"values__{case}"],
                               rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", list(schedule_cases.SCHEDULES))
def test_schedule_config_matches_keras(case):
    config = schedule_cases.config(keras, case)
    assert json.loads(json.dumps(config)) == META["configs"][case]
    again = schedules.deserialize(META["configs"][case])
    assert type(again).__name__ == config["class_name"]
    np.testing.assert_allclose(
        [float(again(s)) for s in range(schedule_cases.VALUE_STEPS)],
        GOLDEN[f"values__{case}"], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("case", list(schedule_cases.FITS))
def test_fit_with_schedule_matches_keras(case, backend):
    out = schedule_cases.run_fit(keras, case)
    np.testing.assert_allclose(out["losses"], GOLDEN[f"fit__{case}__losses"], rtol=1e-5)
    np.testing.assert_allclose(out["rates"], GOLDEN[f"fit__{case}__rates"], rtol=1e-6)
    for epoch, weights in enumerate(out["epoch_weights"]):
        _close(weights, _golden_weights(case, f"epoch{epoch}"), f"epoch {epoch} weights")
    _close(out["final_weights"], _golden_weights(case, "final"), "weights after fit")


def test_ema_fit_ends_with_the_averages():
    """finalize_variable_values runs at fit's end: the weights differ from the last epoch's
    (which the callbacks saw) and equal the optimizer's averages."""
    model = schedule_cases.make_model(keras, "adam_ema")
    out = schedule_cases.run_fit(keras, "adam_ema", model)
    last_epoch = out["epoch_weights"][-1]
    assert not np.allclose(last_epoch[0], out["final_weights"][0])
    averages = model.optimizer._averages
    _close(out["final_weights"], [a.numpy() for a in averages], "averages", rtol=0, atol=0)


def test_step_counts_and_rate_between_fits():
    """`learning_rate` is the schedule at the current `iterations` (Keras's property), and
    the schedule goes on across fit calls."""
    model = schedule_cases.make_model(keras, "adam_cosine_warmup")
    x, y = schedule_cases.data()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    optimizer = model.optimizer
    assert int(optimizer.iterations.numpy()) == 6
    expected = schedule_cases.make_schedule(keras, "cosine_warmup")(6)
    assert optimizer.learning_rate == pytest.approx(float(expected), rel=1e-7)
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(model.get_weights()[0],
                               GOLDEN["fit__adam_cosine_warmup__final_0"], rtol=1e-5, atol=1e-6)


def test_save_and_load_continue_the_schedule(tmp_path):
    """fit -> save -> load -> fit equals one fit: the schedule is in the optimizer's config,
    `iterations` in its variables (Keras's list: no learning_rate variable)."""
    case = "sgd_momentum_piecewise"
    model = schedule_cases.make_model(keras, case)
    x, y = schedule_cases.data()
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert [v.name for v in model.optimizer.variables][:1] == ["iteration"]
    assert "learning_rate" not in [v.name for v in model.optimizer.variables]
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.optimizer._schedule, schedules.PiecewiseConstantDecay)
    assert int(loaded.optimizer.iterations.numpy()) == 12
    history = loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], GOLDEN[f"fit__{case}__losses"][2],
                               rtol=1e-5)
    _close(loaded.get_weights(), _golden_weights(case, "final"), "weights after reload")


def test_optimizer_config_with_schedule_round_trips():
    schedule = schedules.ExponentialDecay(0.1, 4, 0.5, staircase=True)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    config = optimizer.get_config()
    assert config["learning_rate"] == {
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 4, "decay_rate": 0.5,
                   "staircase": True, "name": "ExponentialDecay"},
        "registered_name": None}
    again = keras.optimizers.Adam.from_config(config)
    assert isinstance(again._schedule, schedules.ExponentialDecay)
    assert again.get_config() == config
    assert keras.optimizers.deserialize(keras.optimizers.serialize(optimizer)).get_config() \
        == config


def test_user_schedule_serializes_with_custom_objects():
    cls = schedule_cases.user_schedule_class(keras)
    config = schedules.serialize(cls(0.3))
    assert config["class_name"] == "InverseSqrt" and config["config"] == {
        "initial_learning_rate": 0.3}
    again = schedules.deserialize(config, custom_objects={"InverseSqrt": cls})
    assert float(again(6)) == pytest.approx(0.3 / 2.0)


def test_learning_rate_cannot_be_set_with_a_schedule():
    optimizer = keras.optimizers.SGD(learning_rate=schedules.CosineDecay(0.1, 10))
    with pytest.raises(TypeError, match="not settable"):
        optimizer.learning_rate = 0.01
    assert optimizer.learning_rate == pytest.approx(0.1)


def test_callbacks_that_set_the_rate_raise_with_a_schedule():
    """As in Keras: LearningRateScheduler and ReduceLROnPlateau (when it reduces) assign
    `optimizer.learning_rate`, which a schedule refuses with a TypeError."""
    x, y = schedule_cases.data()
    model = schedule_cases.make_model(keras, "sgd_exponential_staircase")
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[scheduler])
    model = schedule_cases.make_model(keras, "sgd_exponential_staircase")
    plateau = keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=1e9)
    with pytest.raises(TypeError, match="not settable"):
        model.fit(x, y, batch_size=16, epochs=2, verbose=0, callbacks=[plateau])


def test_callable_learning_rate_is_called_without_arguments():
    """Keras calls a plain callable with no argument; it is traced into the step."""
    x, y = schedule_cases.data()
    fits = []
    for rate in (0.05, lambda: 0.05):
        model = schedule_cases.make_model(keras, "sgd_exponential_staircase")
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=rate), loss="mse")
        model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
        fits.append(model.get_weights())
    _close(fits[1], fits[0], "callable vs float", rtol=0, atol=0)


def test_eager_apply_gradients_uses_the_schedule():
    """apply_gradients outside fit: each update uses the rate at the step before it."""
    var = keras.Variable(np.zeros((2,), "float32"))
    optimizer = keras.optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay(
        [1], [1.0, 0.25]))
    for _ in range(3):
        optimizer.apply_gradients([(np.ones((2,), "float32"), var)])
    np.testing.assert_allclose(var.numpy(), [-(1 + 1 + 0.25)] * 2)


def test_bad_arguments_raise_as_keras():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="first_decay_steps"):
        schedules.CosineDecayRestarts(0.1, -1)
    with pytest.raises(ValueError, match="length of boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(NotImplementedError, match="must override"):
        schedules.LearningRateSchedule()(0)
