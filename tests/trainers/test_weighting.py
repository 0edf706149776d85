"""Per-output sample_weight, weighted_metrics and class_weight against real Keras 3
(tests/fixtures/keras_weighting.json, made by make_keras_weighting.py from weighting_cases)."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
sys.path.insert(0, FIXTURES)

import weighting_cases  # noqa: E402

with open(os.path.join(FIXTURES, "keras_weighting.json")) as f:
    GOLDEN = json.load(f)


def _close(got, want, what):
    if isinstance(want, dict):
        assert sorted(got) == sorted(want), what
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{what}: {k}")
    else:
        assert len(got) == len(want), what
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("case", sorted(weighting_cases.FITS))
def test_logs_match_keras(backend, case):
    """History (names and values, val_ included), evaluate in both forms and the
    *_on_batch calls equal real Keras's."""
    got = weighting_cases.run_fit(keras, case)
    want = GOLDEN["fits"][case]
    assert sorted(got["history"]) == sorted(want["history"])
    for key, values in want["history"].items():
        np.testing.assert_allclose(got["history"][key], values, rtol=1e-5, atol=1e-6,
                                   err_msg=key)
    for what in ("evaluate", "evaluate_list", "train_on_batch", "test_on_batch",
                 "test_on_batch_list"):
        _close(got[what], want[what], what)


# Keras 3.15.1 itself: a list class_weight fails on `.get` (AttributeError) and a
# non-integer key is silently ignored; fastkeras raises the ValueErrors that Keras's
# current source raises for both (checked below), so they are left out here.
_OWN_ERRORS = ("class_weight_not_a_dict", "class_weight_string_key")


@pytest.mark.parametrize("case", [c for c in weighting_cases.ERRORS if c not in _OWN_ERRORS])
def test_errors_match_keras(case):
    want = GOLDEN["errors"][case]
    kind, message = weighting_cases.run_error(keras, case)
    assert kind == want["type"]
    # the first line: later ones print the arrays, whose repr differs between libraries
    assert message.splitlines()[0] == want["message"].splitlines()[0]


def test_class_weight_errors_of_current_keras():
    kind, message = weighting_cases.run_error(keras, "class_weight_not_a_dict")
    assert kind == "ValueError" and "must be a dict-like mapping" in message
    kind, message = weighting_cases.run_error(keras, "class_weight_string_key")
    assert kind == "ValueError" and "Received an invalid key: 'a'" in message


def _two_output(seed=0):
    x, cls, reg, w_cls, w_reg = weighting_cases._data(seed, weighting_cases.ROWS)
    model = weighting_cases.two_output_model(keras)
    model.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"],
                  weighted_metrics=[["accuracy"], ["mae"]])
    return model, x, [cls, reg], [w_cls, w_reg]


def test_each_output_loss_weighted_by_its_own_weights(backend):
    """A NumPy reference: reg_loss = sum(w_reg * (p - y)^2) / n; cls_accuracy weighted by
    w_cls; the total is the sum of both outputs' weighted losses."""
    model, x, y, sw = _two_output()
    logs = model.evaluate(x, y, sample_weight=sw, verbose=0, return_dict=True)
    p_cls, p_reg = model.predict(x, verbose=0)
    n = len(x)
    reg_loss = np.sum(sw[1] * (p_reg[:, 0] - y[1][:, 0]) ** 2) / n
    nll = -np.log(np.clip(p_cls[np.arange(n), y[0]], 1e-7, 1.0))
    cls_loss = np.sum(sw[0] * nll) / n
    hit = (np.argmax(p_cls, axis=-1) == y[0]).astype("float64")
    np.testing.assert_allclose(logs["reg_loss"], reg_loss, rtol=1e-5)
    np.testing.assert_allclose(logs["cls_loss"], cls_loss, rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], reg_loss + cls_loss, rtol=1e-5)
    np.testing.assert_allclose(logs["cls_accuracy"], np.sum(sw[0] * hit) / np.sum(sw[0]),
                               rtol=1e-5)
    # a None entry weighs that output's samples by 1
    half = model.evaluate(x, y, sample_weight=[sw[0], None], verbose=0, return_dict=True)
    np.testing.assert_allclose(half["reg_loss"], np.mean((p_reg[:, 0] - y[1][:, 0]) ** 2),
                               rtol=1e-5)
    np.testing.assert_allclose(half["cls_loss"], cls_loss, rtol=1e-5)


@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # as Keras, at the end
def test_per_output_weights_in_validation_split_and_generators(backend):
    """validation_split cuts every output's weights with the data; a generator may yield
    (x, [y1, y2], [w1, w2]) and gives the same logs as the arrays."""
    model, x, y, sw = _two_output()
    hist = model.fit(x, y, sample_weight=sw, validation_split=0.25, shuffle=False,
                     batch_size=5, epochs=1, verbose=0)
    val = model.evaluate(x[15:], [y[0][15:], y[1][15:]],
                         sample_weight=[sw[0][15:], sw[1][15:]], verbose=0, return_dict=True)
    assert "val_reg_weighted_mae" not in hist.history  # no collision: no prefix
    np.testing.assert_allclose(hist.history["val_reg_mae"][0], val["reg_mae"], rtol=1e-5)

    def batches():
        for i in range(0, 20, 5):
            yield x[i:i + 5], [y[0][i:i + 5], y[1][i:i + 5]], [sw[0][i:i + 5], sw[1][i:i + 5]]

    from_stream = model.evaluate(batches(), verbose=0, return_dict=True)
    from_arrays = model.evaluate(x, y, sample_weight=sw, batch_size=5, verbose=0,
                                 return_dict=True)
    assert from_stream == pytest.approx(from_arrays, rel=1e-5)


def test_weighted_metrics_without_weights_equal_plain_ones():
    model = weighting_cases.one_output_model(keras, units=1, activation=None)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    x, _, reg, *_ = weighting_cases._data(0, weighting_cases.ROWS)
    logs = model.evaluate(x, reg, verbose=0, return_dict=True)
    assert sorted(logs) == ["loss", "mae", "weighted_mae"]
    assert logs["mae"] == pytest.approx(logs["weighted_mae"])
    assert model.metrics_names == ["loss", "mae", "mae"]
