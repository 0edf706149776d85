"""Metrics against REAL Keras 3 numbers (tests/fixtures/keras_metrics.npz): results after
several (weighted) update_state calls, get_config(), and the logs of fit/evaluate, where
the metric state is updated inside the compiled step."""

import json
import os
import sys

import numpy as np
import pytest

import fastkeras as keras

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
import metric_cases  # noqa: E402

GOLDEN = np.load(os.path.join(HERE, "..", "fixtures", "keras_metrics.npz"), allow_pickle=False)


@pytest.mark.parametrize("name", sorted(metric_cases.EAGER))
def test_eager_result_and_config_match_keras(name):
    got = metric_cases.run_eager(keras, name)
    want = GOLDEN[f"eager/{name}/result"]
    np.testing.assert_allclose(got["result"], want, rtol=1e-5, atol=1e-6)
    assert json.loads(got["config"]) == json.loads(str(GOLDEN[f"eager/{name}/config"]))


@pytest.mark.parametrize("name", sorted(metric_cases.FIT))
def test_fit_and_evaluate_logs_match_keras(name, backend):
    got = metric_cases.run_fit(keras, name)
    prefix = f"fit/{name}/"
    want = {k[len(prefix):]: GOLDEN[k] for k in GOLDEN.files if k.startswith(prefix)}
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-5, err_msg=key)
