"""The logs a custom train_step / test_step returns, against real Keras 3
(tests/fixtures/keras_custom_steps.*, from make_keras_custom_steps.py): every key reaches
History, the batch callbacks and evaluate (`val_` keys in fit), each the last step's value
(a non-metric value is the last batch's, not an epoch mean; a metric's result its running
mean), non-scalar values as arrays, nested dicts flattened; and steps that apply the
optimizer to a subset of the variables it was built with (once or twice a step)."""

import json
import os

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from tests.fixtures import custom_step_cases as cases

HERE = os.path.join(os.path.dirname(__file__), "..", "fixtures")
with open(os.path.join(HERE, "keras_custom_steps.json")) as f:
    META = json.load(f)
ARRAYS = np.load(os.path.join(HERE, "keras_custom_steps.npz"))


def _mse(y, y_pred):
    return ops.mean(ops.square(ops.subtract(y_pred, y)))


class CaseModel(keras.Sequential):
    """The fixture's steps (custom_step_cases.py), written with fastkeras.GradientTape."""

    case = "logs"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mae = keras.metrics.MeanAbsoluteError(name="mae")

    @property
    def metrics(self):
        return [self.mae]

    def train_step(self, data):
        x, y = data
        weights = self.trainable_variables
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, weights)
        w_mean = ops.mean(self.layers[0].kernel, axis=0)  # before the update, as in Keras
        if self.case == "logs":
            self.optimizer.apply(grads, weights)
        elif self.case == "two_optimizers":  # a GAN's form: an optimizer per sub-model
            self.first_optimizer.apply(grads[:2], weights[:2])
            self.second_optimizer.apply(grads[2:], weights[2:])
        else:
            self.optimizer.apply(grads[:2], weights[:2])
        if self.case == "two_subsets":
            loss_b = ops.add(ops.multiply(cases.LOSS_B_SCALE, _mse(y, y_pred)),
                             ops.mean(ops.abs(y_pred)))
            grads_b = keras.GradientTape().gradient(loss_b, weights)
            self.optimizer.apply_gradients(zip([grads_b[3], grads_b[2]],
                                               [weights[3], weights[2]]))
        self.mae.update_state(y, y_pred)
        logs = {"loss": loss, "mae": self.mae.result()}
        if self.case == "logs":
            logs.update({
                "grad_norm": ops.sqrt(sum(ops.sum(ops.square(g)) for g in grads)),
                "w_mean": w_mean,
                "rows": ops.cast(ops.shape(x)[0], "float32"),
                "nested": {"pred_mean": ops.mean(y_pred)}})
        return logs

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.mae.update_state(y, y_pred)
        return {"loss": self.compute_loss(y=y, y_pred=y_pred), "mae": self.mae.result(),
                "pred_max": ops.max(y_pred)}


def _fit(case, **attributes):
    model = type(f"Model_{case}", (CaseModel,), {"case": case})(cases.layers(keras))
    model.set_weights(cases.WEIGHTS)
    model.compile(optimizer=keras.optimizers.Adam(cases.LR), loss="mse")
    for name, value in attributes.items():
        setattr(model, name, value)
    batch_logs = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(dict(logs)))
    history = model.fit(cases.X, cases.Y, batch_size=cases.BATCH, epochs=cases.EPOCHS,
                        verbose=0, shuffle=False, validation_data=(cases.XV, cases.YV),
                        callbacks=[record])
    return model, history, batch_logs


def _assert_logs(got, want, tol, where):
    assert sorted(got) == sorted(want), where
    for key, value in want.items():
        np.testing.assert_allclose(np.asarray(got[key], np.float64), np.asarray(value),
                                   rtol=tol, atol=tol, err_msg=f"{where}: {key}")


@pytest.mark.parametrize("case", cases.FIT_CASES)
def test_fit_with_custom_step_logs_matches_keras(backend, case):
    tol = 1e-5 if backend == "reference" else 1e-4
    want = META["fit"][case]
    model, history, batch_logs = _fit(case)
    assert sorted(history.history) == sorted(want["history"])
    for key, values in want["history"].items():
        assert len(history.history[key]) == cases.EPOCHS
        for epoch, (got, value) in enumerate(zip(history.history[key], values)):
            _assert_logs({key: got}, {key: value}, tol, f"epoch {epoch}")
    for i, (got, logs) in enumerate(zip(batch_logs[-3:], want["batch_logs"])):
        _assert_logs(got, logs, tol, f"last epoch's batch {i}")
    evaluated = model.evaluate(cases.XV, cases.YV, batch_size=cases.BATCH, verbose=0,
                               return_dict=True)
    _assert_logs(evaluated, want["evaluate"], tol, "evaluate")
    listed = model.evaluate(cases.XV, cases.YV, batch_size=cases.BATCH, verbose=0)
    np.testing.assert_allclose(listed, want["evaluate_list"], rtol=tol, atol=tol)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, ARRAYS[f"fit__{case}__weights_{i}"], rtol=tol, atol=tol)
    optimizer_values = [v.numpy() for v in model.optimizer.variables]
    assert len(optimizer_values) == len([k for k in ARRAYS if
                                         k.startswith(f"fit__{case}__optimizer_")])
    for i, v in enumerate(optimizer_values):
        np.testing.assert_allclose(v, ARRAYS[f"fit__{case}__optimizer_{i}"], rtol=tol,
                                   atol=tol)


def test_a_subset_step_leaves_the_other_slots_untouched():
    model, _, _ = _fit("subset")
    steps = cases.EPOCHS * 3
    assert int(model.optimizer.iterations.numpy()) == steps
    # Adam's slots: [iteration, learning_rate] + (momentum, velocity) per weight, in order.
    slots = model.optimizer.variables[2:]
    assert all(np.any(s.numpy() != 0) for s in slots[:4])
    assert all(np.all(s.numpy() == 0) for s in slots[4:])
    np.testing.assert_array_equal(model.get_weights()[2], cases.WEIGHTS[2])
    np.testing.assert_array_equal(model.get_weights()[3], cases.WEIGHTS[3])


def test_an_optimizer_per_sub_model_trains_as_keras_s_subset_step(backend):
    """Each optimizer is built on its sub-model's weights at its first apply (a GAN's
    step). An Adam on the first layer and a zero-rate SGD on the second train as Keras's
    "subset" case: the first layer's Adam slots and every weight and log match it."""
    tol = 1e-5 if backend == "reference" else 1e-4
    first = keras.optimizers.Adam(cases.LR)
    model, history, _ = _fit("two_optimizers", first_optimizer=first,
                             second_optimizer=keras.optimizers.SGD(0.0))
    want = META["fit"]["subset"]
    for key in ("loss", "mae", "val_loss", "val_mae"):
        np.testing.assert_allclose(history.history[key], want["history"][key], rtol=tol,
                                   atol=tol, err_msg=key)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, ARRAYS[f"fit__subset__weights_{i}"], rtol=tol, atol=tol)
    assert int(first.iterations.numpy()) == cases.EPOCHS * 3
    for i, slot in enumerate(first.variables[2:]):
        np.testing.assert_allclose(slot.numpy(), ARRAYS[f"fit__subset__optimizer_{i + 2}"],
                                   rtol=tol, atol=tol)
    assert int(model.optimizer.iterations.numpy()) == 0  # compile's optimizer: unused


def test_two_applies_a_step_count_twice():
    model, _, _ = _fit("two_subsets")
    assert int(model.optimizer.iterations.numpy()) == 2 * cases.EPOCHS * 3


class Returns(keras.Sequential):
    value = None

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        self.optimizer.apply(tape.gradient(loss, self.trainable_variables),
                             self.trainable_variables)
        return type(self).value(loss, y_pred)


def _returning(value):
    model = type("R", (Returns,), {"value": staticmethod(value)})(cases.layers(keras))
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.mark.parametrize("value, message", [
    (lambda loss, y_pred: [loss], "must return a dict"),
    (lambda loss, y_pred: {"loss": loss, "name": "text"}, "'name'"),
    (lambda loss, y_pred: {1: loss}, "keys .* must be strings"),
])
def test_logs_that_are_not_a_dict_of_values_are_refused(value, message):
    with pytest.raises(TypeError, match=message):
        _returning(value).fit(cases.X, cases.Y, batch_size=16, epochs=1, verbose=0)


def test_numbers_and_variables_in_the_logs(backend):
    model = _returning(lambda loss, y_pred: {"loss": loss, "lr": 0.5, "n": np.int64(3),
                                     "iterations": model.optimizer.iterations})
    history = model.fit(cases.X, cases.Y, batch_size=16, epochs=2, verbose=0)
    assert history.history["lr"] == [0.5, 0.5]
    assert history.history["n"] == [3.0, 3.0]
    # A Variable returned as it is is read after the step's updates (Keras: 3 steps).
    assert history.history["iterations"] == [3.0, 6.0]
    # train_on_batch returns the step's own logs, ordered as Keras's list.
    logs = model.train_on_batch(cases.X[:8], cases.Y[:8], return_dict=True)
    assert logs["iterations"] == 7.0 and logs["lr"] == 0.5
    values = model.train_on_batch(cases.X[:8], cases.Y[:8])
    assert values[1:] == [8.0, 0.5, 3.0]


class MetricNamesOnly(keras.Sequential):
    """Returns exactly the metrics' names, with other values: Keras reports the metrics'
    results at the end of an epoch, the step's values in the batch logs."""

    def train_step(self, data):
        x, y = data
        y_pred = self(x, training=True)
        loss = self.compute_loss(y=y, y_pred=y_pred)
        self.metrics[0].update_state(loss)
        return {"loss": ops.multiply(loss, 0.0)}


def test_logs_named_as_the_metrics_end_an_epoch_with_the_metrics():
    model = MetricNamesOnly(cases.layers(keras))
    model.compile(optimizer="sgd", loss="mse")
    batch_logs = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batch_logs.append(logs["loss"]))
    history = model.fit(cases.X, cases.Y, batch_size=16, epochs=1, verbose=0,
                        callbacks=[record])
    assert batch_logs == [0.0, 0.0, 0.0]
    assert history.history["loss"][0] > 0


def test_a_value_shaped_by_the_batch_is_the_last_batch_s(backend):
    """Each batch size has its own trace: the logs are those of the trace that ran last."""
    model = _returning(lambda loss, y_pred: {"loss": loss, "per_row": ops.squeeze(y_pred, axis=1)})
    shapes = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: shapes.append(np.shape(logs["per_row"])))
    history = model.fit(cases.X, cases.Y, batch_size=16, epochs=1, verbose=0,
                        shuffle=False, callbacks=[record])
    assert shapes == [(16,), (16,), (8,)]
    assert np.shape(history.history["per_row"][0]) == (8,)
    before = model.predict(cases.X[:16], verbose=0)[:, 0]  # the step predicts before updating
    logs = model.train_on_batch(cases.X[:16], cases.Y[:16], return_dict=True)
    np.testing.assert_allclose(logs["per_row"], before, rtol=1e-5, atol=1e-6)
