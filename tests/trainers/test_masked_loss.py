"""A model output's mask weights its loss and metrics (losses/loss.py prediction_mask and
apply_mask, MeanMetricWrapper), as in Keras 3.15.1: the mean reductions average over the
unmasked entries of the batch (sum_over_batch_size divides by their count), 'sum' weighs
them 0/1, ignore_class's mask is AND-ed in, sample weights multiply the mask.

Fits of 3 epochs from fixed weights with padded batches against real Keras
(tests/fixtures/keras_masks_more.npz, masks_more_cases.py) on every backend: per-epoch
losses, evaluate() logs, predictions and weights against Keras's jax backend, and the
metrics fit() logs against its torch backend (jax's train step loses the mask before the
metrics; see make_keras_masks_more.py). A masked mean mixes the batch's rows, so the cpu
backend does not run such a step as data-parallel shards."""

import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.layers.masks import get_keras_mask
from fastkeras.trainers import sharding
from tests.fixtures import masks_more_cases as cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_masks_more.npz")
LOG_NAMES = json.loads((HERE / "keras_masks_more.json").read_text())["fit_keys"]
LOSS_FITS = [n for n in cases.fit_names() if n.split("__")[0] not in
             ("batch_norm_masked", "merged_masks")]


def _check_fit(name, got):
    assert sorted(got) == LOG_NAMES[name]  # Keras's log names, weighted metrics' too
    checked = []
    for key, value in got.items():
        want = f"fit_{name}__{key}"
        if key.startswith("fit_") and key != "fit_loss":  # the metrics fit() logs
            want = "torch_" + want
            if want not in FIXTURE.files:  # torch's own bug: see make_keras_masks_more.py
                continue
        tol = 1e-5 if key == "predictions" else 1e-4
        np.testing.assert_allclose(value, FIXTURE[want], rtol=tol, atol=tol, err_msg=key)
        checked.append(key)
    return checked


@pytest.mark.parametrize("name", LOSS_FITS)
def test_fit_with_a_masked_output_matches_keras(backend, name):
    checked = _check_fit(name, cases.run_fit(keras, name))
    assert {"fit_loss", "evaluate_loss", "predictions", "weights"} <= set(checked)


def test_a_masked_step_is_not_sharded(monkeypatch):
    """The same fit as Keras's on the cpu backend with two CPUs, whose batch of 32 would
    run as two shards of 16 if the output carried no mask."""
    if not backends.available("cpu"):
        pytest.skip("cpu backend not built")
    previous = backends.get_backend()
    backends.set_backend("cpu")
    monkeypatch.setattr(sharding, "available_cpus", lambda: 2)
    try:
        name = "masking_time_distributed__none"
        checked = _check_fit(name, cases.run_fit(keras, name))
        assert "fit_mae" in checked
        # Unmasked, the same model and batch do shard: the mask is what stops it.
        x, y = cases._masking_data(64, 5, 3, 80)
        inp = keras.Input((5, 3))
        model = keras.Model(inp, keras.layers.TimeDistributed(keras.layers.Dense(2))(inp))
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        assert all(hasattr(ex, "shards") for key, ex in model._steps._executors.items()
                   if key[0] == "train")
        masked = cases._masking_model(keras, 5, 3)
        masked.compile(optimizer="sgd", loss="mse")
        masked.fit(x, y, batch_size=32, epochs=1, verbose=0)
        executors = [ex for key, ex in masked._steps._executors.items() if key[0] == "train"]
        assert executors and not any(hasattr(ex, "shards") for ex in executors)
    finally:
        backends._active = previous


def _masked_sequence(seed=0):
    """Eager predictions carrying a mask (Masking's output) and their targets."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 5, 2)).astype(np.float32)
    x[0, 3:] = 0.0
    x[2, 1:] = 0.0
    y_pred = keras.layers.Masking()(x)
    return y_pred, rng.standard_normal((4, 5, 2)).astype(np.float32), np.any(x != 0, axis=-1)


def test_loss_call_reads_the_prediction_mask():
    y_pred, y_true, mask = _masked_sequence()
    assert get_keras_mask(y_pred) is not None
    per_step = ((np.asarray(y_pred) - y_true) ** 2).mean(-1)
    got = keras.losses.MeanSquaredError()(y_true, y_pred)
    np.testing.assert_allclose(got, per_step[mask].mean(), rtol=1e-6)
    got = keras.losses.MeanSquaredError(reduction="sum")(y_true, y_pred)
    np.testing.assert_allclose(got, per_step[mask].sum(), rtol=1e-6)
    w = np.array([1.0, 2.0, 0.5, 3.0], np.float32)
    got = keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=w[:, None])
    np.testing.assert_allclose(got, (per_step * w[:, None])[mask].sum() / mask.sum(),
                               rtol=1e-6)
    got = keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")(
        y_true, y_pred, sample_weight=w[:, None])
    weights = np.broadcast_to(w[:, None], mask.shape) * mask
    np.testing.assert_allclose(got, (per_step * weights).sum() / weights.sum(), rtol=1e-6)
    unmasked = keras.losses.MeanSquaredError()(y_true, np.asarray(y_pred).copy())
    np.testing.assert_allclose(unmasked, per_step.mean(), rtol=1e-6)


def test_mean_metric_reads_the_prediction_mask():
    y_pred, y_true, mask = _masked_sequence(1)
    per_step = np.abs(np.asarray(y_pred) - y_true).mean(-1)
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(metric.result(), per_step[mask].mean(), rtol=1e-6)
    w = np.array([1.0, 2.0, 0.5, 3.0], np.float32)
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(y_true, y_pred, sample_weight=w)
    weights = np.broadcast_to(w[:, None], mask.shape) * mask
    np.testing.assert_allclose(metric.result(), (per_step * weights).sum() / weights.sum(),
                               rtol=1e-6)


def test_each_output_of_several_is_weighted_by_its_own_mask(backend):
    """Two outputs, one masked: evaluate()'s per-output losses are the masked and the plain
    mean of the predictions' squared errors."""
    x, y = cases._masking_data(12, 5, 3, 5)
    inp = keras.Input((5, 3))
    masked = keras.layers.TimeDistributed(keras.layers.Dense(2), name="masked")(
        keras.layers.Masking()(inp))
    plain = keras.layers.TimeDistributed(keras.layers.Dense(2), name="plain")(inp)
    model = keras.Model(inp, [masked, plain])
    model.compile(optimizer="sgd", loss=["mse", "mse"])
    logs = model.evaluate(x, [y, y], batch_size=12, verbose=0, return_dict=True)
    p_masked, p_plain = model.predict(x, verbose=0)
    mask = np.any(x != 0, axis=-1)
    np.testing.assert_allclose(logs["masked_loss"], ((p_masked - y) ** 2).mean(-1)[mask].mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(logs["plain_loss"], ((p_plain - y) ** 2).mean(), rtol=1e-5)
