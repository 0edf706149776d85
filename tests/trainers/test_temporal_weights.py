"""Temporal sample weights: `sample_weight` of shape (n, T) (or (n, T, 1)) for outputs of
shape (n, T, units), weighting each timestep's loss inside the native step as Keras 3 does
(sum_over_batch_size divides by n * T), with weighted_metrics, per-output weights and a
PyDataset feed, against real Keras 3 (tests/fixtures/keras_data_utils.json, made by
make_keras_data_utils.py from data_utils_cases)."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures")
sys.path.insert(0, FIXTURES)

import data_utils_cases as cases  # noqa: E402

with open(os.path.join(FIXTURES, "keras_data_utils.json")) as f:
    GOLDEN = json.load(f)["temporal"]


def _close(got, want, what):
    assert sorted(got) == sorted(want), what
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6,
                                   err_msg=f"{what}: {key}")


@pytest.mark.parametrize("case", sorted(cases.TEMPORAL))
def test_temporal_weights_match_keras(backend, case):
    """fit's history (val_ from weighted validation data), evaluate and the *_on_batch
    logs equal real Keras's."""
    got = cases.run_temporal(keras, case)
    want = GOLDEN[case]
    _close(got["history"], want["history"], "history")
    for what in ("evaluate", "train_on_batch", "test_on_batch"):
        _close(got[what], want[what], what)


def _model_and_data(rows=12):
    spec = cases.TEMPORAL["mse_weighted_metrics"]
    x, y, sw = cases._temporal_data(3, rows, spec)
    model = cases.temporal_model(keras, spec)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", weighted_metrics=["mae"])
    return model, x, y, sw


def test_loss_divides_by_every_timestep(backend):
    """sum_over_batch_size: sum of weighted per-timestep losses / (n * T), against NumPy;
    the weighted metric is the weighted mean sum(v * w) / sum(w)."""
    model, x, y, sw = _model_and_data()
    per_step = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=-1)  # (n, T)
    abs_step = np.mean(np.abs(model.predict(x, verbose=0) - y), axis=-1)
    logs = model.test_on_batch(x, y, sample_weight=sw, return_dict=True)
    np.testing.assert_allclose(logs["loss"], (per_step * sw).sum() / per_step.size, rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], (abs_step * sw).sum() / sw.sum(), rtol=1e-5)


def test_zero_weights_mask_timesteps(backend):
    """Changing the targets of zero-weight timesteps changes nothing in training."""
    model, x, y, sw = _model_and_data()
    start = model.get_weights()
    sw[:, 2:] = 0.0
    y_other = y.copy()
    y_other[:, 2:] += 100.0
    results = []
    for targets in (y, y_other):
        model.set_weights(start)
        hist = model.fit(x, targets, sample_weight=sw, batch_size=4, epochs=2,
                         shuffle=False, verbose=0).history
        results.append((hist, model.get_weights()))
    (h1, w1), (h2, w2) = results
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-6)
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_mean_metric_reduces_temporal_weights():
    """keras.metrics.Mean with (n, T) weights: sum(v * w) / sum(w) (Keras's
    reduce_to_samplewise_values), Sum: sum(v * w)."""
    values = np.arange(6, dtype="float32").reshape(2, 3)
    w = np.array([[1, 0, 1], [1, 1, 0]], "float32")
    mean = keras.metrics.Mean()
    mean.update_state(values, sample_weight=w)
    np.testing.assert_allclose(mean.result(), (values * w).sum() / w.sum(), rtol=1e-6)
    total = keras.metrics.Sum()
    total.update_state(values, sample_weight=w)
    np.testing.assert_allclose(total.result(), (values * w).sum(), rtol=1e-6)


@pytest.mark.parametrize("shape", [(12, 6), (12, 5, 1, 1)])
def test_weights_that_miss_the_timesteps_are_refused(shape):
    """Weights whose steps are not the targets' (Keras fails on the broadcast, a
    ValueError too) are refused up front, naming the argument and both shapes."""
    model, x, y, _ = _model_and_data()
    with pytest.raises(ValueError, match=r"`sample_weight` of shape .* targets of shape"):
        model.fit(x, y, sample_weight=np.ones(shape, "float32"), epochs=1, verbose=0)


def test_per_output_weights_are_checked_against_their_output():
    spec = cases.TEMPORAL["two_outputs_per_output"]
    x, y, _ = cases._args(spec, 1, cases.ROWS)
    model = cases.temporal_model(keras, spec)
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    bad = [np.ones((cases.ROWS, cases.STEPS + 1), "float32"), None]
    with pytest.raises(ValueError, match=r"`sample_weight\[0\]` of shape"):
        model.fit(x, y, sample_weight=bad, epochs=1, verbose=0)
