"""keras.losses's names, signatures, configs and errors against real Keras 3
(tests/fixtures/keras_losses.json), and user losses written with fastkeras.ops."""

import inspect
import json
import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras.losses.loss import Loss

from ..fixtures import loss_cases

with open(loss_cases.__file__.replace("loss_cases.py", "keras_losses.json")) as f:
    KERAS = json.load(f)

# Keras names fastkeras does not have yet (none since CTC and Circle).
NOT_YET = set()


def _signature(obj):
    params = inspect.signature(obj).parameters.values()
    return [[p.name, "<required>" if p.default is p.empty else p.default] for p in params
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", sorted(KERAS["names"]))
def test_get_accepts_every_keras_name(name):
    want = KERAS["names"][name]
    if name in NOT_YET:
        with pytest.raises(NotImplementedError, match=name):
            keras.losses.get(name)
        return
    if want["kind"] == "error":
        with pytest.raises(getattr(__builtins__, want["object"], None) or TypeError):
            keras.losses.get(name)
        return
    got = keras.losses.get(name)
    if want["kind"] == "function":
        assert inspect.isfunction(got) and got.__name__ == want["object"]
    else:
        assert isinstance(got, Loss) and type(got).__name__ == want["object"]


def test_get_other_identifiers():
    assert keras.losses.get(None) is None
    mse = keras.losses.MeanSquaredError()
    assert keras.losses.get(mse) is mse
    assert isinstance(keras.losses.get(keras.losses.Huber), keras.losses.Huber)
    got = keras.losses.get({"class_name": "CategoricalCrossentropy",
                            "config": {"from_logits": True}})
    assert isinstance(got, keras.losses.CategoricalCrossentropy) and got.from_logits is True
    with pytest.raises(ValueError, match="Could not interpret loss identifier: nope"):
        keras.losses.get("nope")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        keras.losses.get(3)


@pytest.mark.parametrize("cls", sorted(KERAS["class_signatures"]))
def test_class_signatures(cls):
    assert _signature(getattr(keras.losses, cls).__init__) == KERAS["class_signatures"][cls]


@pytest.mark.parametrize("fn", sorted(KERAS["function_signatures"]))
def test_function_signatures_and_configs(fn):
    obj = getattr(keras.losses, fn)
    assert _signature(obj) == KERAS["function_signatures"][fn]
    assert keras.losses.serialize(obj) == KERAS["function_configs"][fn]
    assert keras.losses.deserialize(KERAS["function_configs"][fn]) is obj


@pytest.mark.parametrize("case", sorted(loss_cases.CONFIG_CASES))
def test_serialize_and_deserialize_as_keras(case):
    loss = loss_cases.CONFIG_CASES[case](keras)
    config = json.loads(json.dumps(keras.losses.serialize(loss)))
    assert config == KERAS["configs"][case]
    revived = keras.losses.deserialize(KERAS["configs"][case])
    assert type(revived) is type(loss)
    assert json.loads(json.dumps(keras.losses.serialize(revived))) == KERAS["configs"][case]


def test_keras_errors():
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        keras.losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="q must be in the interval"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1.5)
    with pytest.raises(ValueError, match="`axis` must be of type `int`"):
        keras.losses.categorical_crossentropy(np.eye(3), np.eye(3), axis=True)
    with pytest.raises(ValueError, match="must have the same shape"):
        keras.losses.binary_crossentropy(np.ones((2, 3)), np.full((2, 4), 0.5))
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        keras.losses.categorical_crossentropy(np.ones((2, 1)), np.full((2, 1), 0.5))


def test_defaults_and_attributes():
    loss = keras.losses.BinaryFocalCrossentropy()
    assert (loss.name, loss.reduction, loss.dtype) == ("binary_focal_crossentropy",
                                                       "sum_over_batch_size", "float32")
    assert (loss.alpha, loss.gamma, loss.apply_class_balancing) == (0.25, 2.0, False)
    assert keras.losses.SparseCategoricalCrossentropy(ignore_class=3).ignore_class == 3
    assert keras.losses.Huber().name == "huber_loss"


class CubedError(keras.losses.Loss):
    def call(self, y_true, y_pred):
        d = keras.ops.abs(y_pred - y_true)
        return keras.ops.mean(d * d * d, axis=-1)


def test_user_loss_subclass_and_function():
    yt, yp = loss_cases.INPUTS["regress"][:2]
    want = np.mean(np.abs(yp - yt) ** 3, -1)
    loss = CubedError(reduction="sum")
    assert loss.name.startswith("cubed_error")  # Keras's auto_name
    np.testing.assert_allclose(loss(yt, yp), want.sum(), rtol=1e-6)
    sw = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    np.testing.assert_allclose(CubedError(reduction="mean_with_sample_weight")(yt, yp, sw),
                               (want * sw).sum() / sw.sum(), rtol=1e-6)

    def halved_mse(y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1) * 0.5

    wrapper = keras.losses.LossFunctionWrapper(halved_mse, reduction=None)
    np.testing.assert_allclose(wrapper(yt, yp), np.mean((yp - yt) ** 2, -1) * 0.5, rtol=1e-6)


def test_hinge_labels_converted_only_when_all_binary():
    y_pred = np.array([[0.3, -0.8], [1.2, 0.1]], np.float32)
    binary = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    mixed = np.array([[0.0, 1.0], [1.0, 0.5]], np.float32)  # 0.5: nothing is converted
    for y_true, t in ((binary, 2 * binary - 1), (mixed, mixed)):
        np.testing.assert_allclose(keras.losses.hinge(y_true, y_pred),
                                   np.maximum(1 - t * y_pred, 0).mean(-1), rtol=1e-6)


def test_ignore_class_labels_pass_fit_label_checks():
    """compile/fit accept labels equal to ignore_class outside [0, classes)."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])
    model.compile(optimizer="sgd",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True,
                                                                  ignore_class=255))
    y = np.array([0, 255, 3, 255], np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logs = model.evaluate(np.ones((4, 3), np.float32), y, verbose=0, return_dict=True)
    assert np.isfinite(logs["loss"])
    with pytest.raises(ValueError, match="outside"):
        model.evaluate(np.ones((4, 3), np.float32), np.array([0, 7, 1, 2]), verbose=0)
