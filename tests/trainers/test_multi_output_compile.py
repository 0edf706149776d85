"""compile() for several outputs, as Keras 3.15 reads it: `loss` as one loss (every
output), a list or a dict keyed by output name; `loss_weights` (also for one output);
`metrics` as a list per output, a list of lists or a dict; the log names
`{output}_loss` and `{output}_{metric}`."""

import numpy as np
import pytest

import fastkeras as keras
from tests.trainers.test_multi_io import X_CAT, X_NUM, Y_CLS, Y_REG, two_by_two

X = [X_NUM, X_CAT]
Y = [Y_REG, Y_CLS]


def _logs(loss="mse", loss_weights=None, metrics=None, dict_outputs=False):
    model = two_by_two(dict_outputs=dict_outputs)
    model.compile(optimizer="sgd", loss=loss, loss_weights=loss_weights, metrics=metrics)
    y = {"r": Y_REG, "c": Y_CLS} if dict_outputs else Y
    return model.evaluate(X, y, verbose=0, return_dict=True)


def test_one_loss_applies_to_every_output():
    logs = _logs("mse")
    assert sorted(logs) == ["cls_loss", "loss", "reg_loss"]
    np.testing.assert_allclose(logs["loss"], logs["reg_loss"] + logs["cls_loss"], rtol=1e-6)


@pytest.mark.parametrize("loss, weights", [
    (["mse", "binary_crossentropy"], [0.5, 2.0]),
    ({"cls": "binary_crossentropy", "reg": "mse"}, {"reg": 0.5, "cls": 2.0}),
    ({"reg": "mse", "cls": "binary_crossentropy"}, [0.5, 2.0]),
    (["mse", "binary_crossentropy"], {"cls": 2.0, "reg": 0.5}),  # by name (see report)
])
def test_loss_list_or_dict_and_loss_weights(loss, weights):
    logs = _logs(loss, weights)
    plain = _logs(["mse", "binary_crossentropy"])
    # Each output's tracked loss is unweighted; the total is the weighted sum.
    np.testing.assert_allclose(logs["reg_loss"], plain["reg_loss"], rtol=1e-6)
    np.testing.assert_allclose(logs["cls_loss"], plain["cls_loss"], rtol=1e-6)
    np.testing.assert_allclose(logs["loss"], 0.5 * logs["reg_loss"] + 2.0 * logs["cls_loss"],
                               rtol=1e-5)


def test_an_output_without_a_loss_has_no_per_output_keys():
    logs = _logs(["mse", None], metrics=[None, ["accuracy"]])
    assert sorted(logs) == ["cls_accuracy", "loss"]  # one loss: no reg_loss (Keras)
    dict_logs = _logs({"r": "mse"}, dict_outputs=True)  # a dict-output model's subset
    assert sorted(dict_logs) == ["loss"]


@pytest.mark.parametrize("weights", [2.0, [2.0], {"out": 2.0}])
def test_loss_weights_of_one_output(weights):
    inp = keras.Input(shape=(3,))
    model = keras.Model(inp, keras.layers.Dense(1, name="out")(inp))
    model.compile(optimizer="sgd", loss="mse")
    plain = model.evaluate(X_NUM, Y_REG, verbose=0)
    model.compile(optimizer="sgd", loss={"out": "mse"}, loss_weights=weights)
    np.testing.assert_allclose(model.evaluate(X_NUM, Y_REG, verbose=0), 2 * plain, rtol=1e-6)
    model.compile(optimizer="sgd", loss=["mse"], loss_weights=weights)
    np.testing.assert_allclose(model.evaluate(X_NUM, Y_REG, verbose=0), 2 * plain, rtol=1e-6)


def test_loss_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"Expected keys \['reg', 'cls'\] in loss dict, but "
                                         r"found loss.keys\(\)=\['reg', 'zz'\]"):
        _logs({"reg": "mse", "zz": "mse"})
    with pytest.raises(KeyError, match=r"\('zz',\) in the `loss` argument"):
        _logs({"r": "mse", "zz": "mse"}, dict_outputs=True)
    with pytest.raises(ValueError, match=r"lists 3 losses, but the model has 2 outputs"):
        _logs(["mse", "mse", "mse"])
    with pytest.raises(ValueError, match=r"lists 1 losses, but the model has 2 outputs"):
        _logs(["mse"])
    with pytest.raises(ValueError, match="got 2 losses and 1 weights"):
        _logs(["mse", "mse"], [1.0])
    with pytest.raises(ValueError, match="got 1 losses and 2 weights"):
        _logs("mse", [1.0, 2.0])
    with pytest.raises(ValueError, match=r"`loss_weights` has key 'zz'"):
        _logs(["mse", "mse"], {"reg": 1.0, "zz": 2.0})
    with pytest.raises(ValueError, match="Every output's loss is None"):
        _logs([None, None])
    with pytest.raises(ValueError, match="Expected `loss_weights` argument to be a float"):
        two_by_two().compile(loss="mse", loss_weights="heavy")


@pytest.mark.parametrize("metrics, keys", [
    ([["mae"], ["accuracy"]], ["cls_accuracy", "reg_mae"]),
    (["mae", "accuracy"], ["cls_accuracy", "reg_mae"]),  # one entry per output
    ({"cls": ["accuracy", "mse"]}, ["cls_accuracy", "cls_mse"]),
    ([["mae", "mae"], "mae"], ["cls_mae", "reg_mae", "reg_mae_1"]),  # Keras's unique names
])
def test_metric_forms_and_log_names(metrics, keys):
    assert sorted(_logs(metrics=metrics)) == sorted(keys + ["cls_loss", "loss", "reg_loss"])


def test_metric_values_per_output():
    model = two_by_two()
    model.compile(optimizer="sgd", loss="mse", metrics={"reg": "mae", "cls": "mae"})
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    pred = model.predict(X, verbose=0)
    np.testing.assert_allclose(logs["reg_mae"], np.abs(pred[0] - Y_REG).mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["cls_mae"], np.abs(pred[1] - Y_CLS).mean(), rtol=1e-5)


def test_metric_errors():
    with pytest.raises(ValueError, match=r"Invalid `metrics`.*output names of the functional "
                                         r"model \['reg', 'cls'\]"):
        _logs(metrics=["mae"])  # a flat list of another length than the outputs
    with pytest.raises(ValueError, match=r"Received: metrics=\{'zz': 'mae'\}"):
        _logs(metrics={"zz": "mae"})
    shared = keras.metrics.MeanAbsoluteError()
    with pytest.raises(ValueError, match="given for several outputs"):
        _logs(metrics=[[shared], [shared]])
