"""Callbacks and the hooks of fit / evaluate / predict against real Keras 3
(tests/fixtures/callback_cases.py, keras_callbacks.json): the same code run on fastkeras
must give the same events, decisions, messages, warnings, files and numbers (to float
noise)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import callback_cases

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      "keras_callbacks.json").read_text())


def _assert_close(got, want, path="", rtol=1e-5, atol=1e-6):
    """Equal structures: strings, ints, bools and None exactly, floats to float noise."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), path
        for k in want:
            _assert_close(got[k], want[k], f"{path}.{k}", rtol, atol)
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_close(g, w, f"{path}[{i}]", rtol, atol)
    elif isinstance(want, float):
        assert isinstance(got, (float, int)), path
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=path)
    else:
        assert got == want, path


def _run(name):
    return json.loads(json.dumps(callback_cases.CASES[name](keras)))


@pytest.mark.parametrize("name", ["hook_order", "stop_training_mid_epoch", "initial_epoch",
                                  "lambda_callback"])
def test_hooks_are_called_in_keras_order_with_keras_logs(name):
    _assert_close(_run(name), FIXTURE[name])


@pytest.fixture(scope="module")
def early_stopping_runs():
    return _run("early_stopping")


@pytest.fixture(scope="module")
def reduce_lr_runs():
    return _run("reduce_lr_on_plateau")


@pytest.mark.parametrize("name", sorted(callback_cases.EARLY_STOPPING))
def test_early_stopping_decides_as_keras(early_stopping_runs, name):
    """Epochs run, the callback's state, messages, warnings, errors and which epoch's
    weights the model ends with."""
    _assert_close(early_stopping_runs[name], FIXTURE["early_stopping"][name])


@pytest.mark.parametrize("name", sorted(callback_cases.REDUCE_LR))
def test_reduce_lr_on_plateau_decides_as_keras(reduce_lr_runs, name):
    """The learning rate logged each epoch, messages, warnings and errors."""
    _assert_close(reduce_lr_runs[name], FIXTURE["reduce_lr_on_plateau"][name])


def test_learning_rate_scheduler_sets_logs_and_trains_as_keras():
    # The weights after 4 epochs at the scheduled rates: the rates took effect as in Keras.
    _assert_close(_run("learning_rate_scheduler"), FIXTURE["learning_rate_scheduler"])


def _cells(text, sep):
    return [line.split(sep) for line in text.split("\r\n")]


@pytest.mark.parametrize("name,sep", [("with_validation", ","), ("appended", None),
                                      ("no_validation_tab", "\t")])
def test_csv_logger_writes_keras_file(name, sep):
    got, want = _run("csv_logger")[name], FIXTURE["csv_logger"][name]
    assert got.count("\r\n") == want.count("\r\n") and got.endswith("\r\n")
    for got_line, want_line in zip(got.split("\r\n"), want.split("\r\n")):
        line_sep = sep or (";" if ";" in want_line else ",")
        g, w = got_line.split(line_sep), want_line.split(line_sep)
        assert len(g) == len(w)
        for a, b in zip(g, w):
            if re.fullmatch(r"-?\d+\.\d+(e[+-]\d+)?", b):
                np.testing.assert_allclose(float(a), float(b), rtol=1e-5)
            else:
                assert a == b  # header, epoch, NA


def test_terminate_on_nan_stops_in_the_same_epoch():
    got, want = _run("terminate_on_nan"), FIXTURE["terminate_on_nan"]
    assert got["epochs"] == want["epochs"] == [0]
    assert got["loss_is_finite"] == want["loss_is_finite"]
    assert got["raise_error"] == want["raise_error"] == "RuntimeError"
    # Keras's message; fastkeras names the batch where its chunk of steps ended
    assert re.fullmatch(r"Batch \d+: Invalid loss, terminating training\n", got["stdout"])
    assert re.fullmatch(r"Batch \d+: Invalid loss, terminating training\n", want["stdout"])


@pytest.mark.parametrize("name", ["evaluation", "on_epoch"])
def test_swap_ema_weights_evaluates_and_predicts_with_the_averages_as_keras(name):
    _assert_close(callback_cases.swap_ema_weights(keras)[name],
                  FIXTURE["swap_ema_weights"][name])


def test_swap_ema_weights_puts_the_weights_back_after_predict():
    x, y = callback_cases.data(40)
    model = callback_cases.model_of(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5),
                  loss="binary_crossentropy")
    swap = keras.callbacks.SwapEMAWeights()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[swap])
    before = [w.copy() for w in model.get_weights()]
    model.predict(x, verbose=0, callbacks=[swap])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_swap_ema_weights_needs_use_ema():
    x, y = callback_cases.data(20)
    model = callback_cases.model_of(keras)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.SwapEMAWeights()])
