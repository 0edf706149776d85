"""MultiOptimizer and OptimizerMap against real Keras 3.15 (keras_new_optimizers.npz/.json and
keras_new_optimizers_multi.keras, made by tests/fixtures/make_keras_new_optimizers.py): a fit
where Adam, Muon and SGD each update their own layers (with a loss_scale_factor too), the
variables' order, the serialized config and Keras's file; the map's matching rules and
errors, eager updates and loss scaling as Keras's own tests state them."""

import os
import sys

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import optimizers

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import new_optimizer_cases as cases  # noqa: E402

MULTI_CASES = [c for c in cases.CASES if c.startswith("multi")]


@pytest.mark.parametrize("case", MULTI_CASES)
def test_fit_matches_keras(case, backend):
    out = cases.assert_fit_matches_keras(keras, case)
    multi = out["model"].optimizer
    assert [int(o.iterations.numpy()) for o in [multi] + multi.optimizers] == [12, 12, 12, 12]


def _kernel(scope, value=1.0, shape=(1, 1)):
    variable = keras.Variable(np.full(shape, value, "float32"), name="kernel")
    variable.path = f"{scope}/kernel"
    return variable


def test_map_matches_exact_key_then_one_full_regex_then_default():
    adam, sgd, default = optimizers.Adam(), optimizers.SGD(), optimizers.RMSprop()
    mapping = optimizers.OptimizerMap(default_optimizer=default)
    mapping["^dense/.*"] = adam
    mapping["conv"] = sgd
    assert mapping(_kernel("dense")) is adam
    assert mapping["conv"] is sgd and mapping["conv/kernel"] is default  # full match only
    assert len(mapping) == 2 and list(mapping) == ["^dense/.*", "conv"]
    mapping[".*kernel"] = sgd
    with pytest.raises(ValueError, match="Multiple optimizers assigned to variable"):
        mapping(_kernel("dense"))
    with pytest.raises(ValueError, match="already exists in the OptimizerMap"):
        mapping["conv"] = adam
    with pytest.raises(ValueError, match="key must be a string"):
        mapping[3] = adam
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        mapping["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(ValueError, match="cannot be MultiOptimizer"):
        mapping["x"] = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD()))
    with pytest.raises(TypeError, match="default_optimizer must be"):
        optimizers.OptimizerMap("sgd")
    with pytest.raises(TypeError, match="optimizer_map must be a dictionary"):
        optimizers.OptimizerMap(default, optimizer_map=[adam])


def test_each_optimizer_updates_its_variables_eagerly():
    w1, w2, w3 = _kernel("dense_1", 2.0, (1, 2)), _kernel("dense_2", 3.0, (1, 2)), \
        _kernel("other", 4.0, (1, 2))
    mapping = optimizers.OptimizerMap(default_optimizer=optimizers.SGD(0.0))
    mapping["^dense_1/.*"] = optimizers.SGD(0.1)
    mapping["^dense_2/.*"] = optimizers.SGD(1.0)
    multi = optimizers.MultiOptimizer(mapping)
    multi.build([w1, w2, w3])
    assert [o.learning_rate for o in multi.optimizers] == pytest.approx([0.1, 1.0, 0.0])
    multi.apply([np.ones((1, 2), "float32")] * 3, [w1, w2, w3])
    np.testing.assert_allclose(w1.numpy(), [[1.9, 1.9]])
    np.testing.assert_allclose(w2.numpy(), [[2.0, 2.0]])
    np.testing.assert_allclose(w3.numpy(), [[4.0, 4.0]])
    assert [int(o.iterations.numpy()) for o in [multi] + multi.optimizers] == [1, 1, 1, 1]
    with pytest.raises(ValueError, match="Gradients must match trainable variables"):
        multi.apply([np.ones((1, 2), "float32")], [w1])
    with pytest.raises(AttributeError, match="cannot be accessed on a MultiOptimizer"):
        multi.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="cannot be set on a MultiOptimizer"):
        multi.learning_rate = 0.5


def test_callable_selector_adds_the_optimizers_it_returns():
    adam, sgd = optimizers.Adam(1e-3), optimizers.SGD(1e-2)
    multi = optimizers.MultiOptimizer(lambda v: adam if "dense_1" in v.path else sgd)
    w1, w2 = _kernel("dense_1"), _kernel("dense_2")
    multi.build([w1, w2])
    assert multi.optimizers == [adam, sgd]
    multi.apply([np.ones((1, 1), "float32")] * 2, [w1, w2])
    np.testing.assert_allclose(w2.numpy(), [[0.99]])
    with pytest.raises(ValueError, match="cannot be used inside an MultiOptimizer"):
        optimizers.MultiOptimizer(lambda v: optimizers.LossScaleOptimizer(sgd)).build([w1])


def test_loss_scale_factor_replaces_the_inner_ones():
    sgd = optimizers.SGD(0.1, loss_scale_factor=2.0)
    mapping = optimizers.OptimizerMap(default_optimizer=sgd)
    multi = optimizers.MultiOptimizer(mapping, loss_scale_factor=5.0)
    assert sgd.loss_scale_factor == 5.0
    assert float(multi.scale_loss(np.float32(2.0))) == 10.0
    w = _kernel("dense_1", 2.0, (1, 2))
    multi.apply([np.full((1, 2), 10.0, "float32")], [w])
    np.testing.assert_allclose(w.numpy(), [[1.8, 1.8]])  # 2 - 0.1 * 10 / 5


def test_serialization_is_keras():
    expected = cases.keras_meta()["multi_serialized"]
    actual = optimizers.serialize(cases.CASES["multi"](keras))
    inner = actual["config"]["optimizer_map"]["config"]
    want = expected["config"]["optimizer_map"]["config"]
    assert (actual["class_name"], actual["module"]) == ("MultiOptimizer", "keras.optimizers")
    assert actual["config"].keys() == expected["config"].keys()
    assert inner.keys() == want.keys()
    assert inner["default_optimizer"]["class_name"] == "SGD"
    assert {k: v["class_name"] for k, v in inner["optimizer_map"].items()} == \
        {k: v["class_name"] for k, v in want["optimizer_map"].items()}
    revived = optimizers.deserialize(expected)  # Keras's own config
    assert [type(o).__name__ for o in revived.optimizers] == ["Adam", "Muon", "SGD"]
    assert [o.name for o in revived.optimizers] == ["adam", "muon_out", "sgd"]
    assert optimizers.serialize(revived)["config"]["optimizer_map"]["config"]["optimizer_map"] \
        .keys() == want["optimizer_map"].keys()


def test_learning_rate_scheduler_sets_every_inner_rate():
    model = cases.make_model(keras)
    model.compile(optimizer=cases.CASES["multi"](keras), loss="mse")
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(1)
    assert [o.learning_rate for o in model.optimizer.optimizers] == \
        pytest.approx([0.005, 0.01, 0.05])


def test_loads_keras_file_and_round_trips_its_own(tmp_path):
    model = keras.models.load_model(os.path.join(FIXTURES,
                                                 "keras_new_optimizers_multi.keras"))
    weights, variables = cases.keras_final_state("multi")
    for actual, want in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(actual, want)
    # as in Keras, a loaded Sequential's weights' paths lack the model's name
    assert [v.path for v in model.optimizer.variables] == \
        [p.replace("/net_", "/") for p in cases.keras_meta()["paths"]["multi"]]
    for actual, want in zip(model.optimizer.variables, variables):
        np.testing.assert_array_equal(np.asarray(actual.numpy(), "float64"), want)
    path = str(tmp_path / "multi.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert again.optimizer.get_config() == model.optimizer.get_config()
    for actual, want in zip(again.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(actual.numpy(), want.numpy())
