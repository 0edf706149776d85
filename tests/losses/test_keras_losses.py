"""Every loss against real Keras 3 (tests/fixtures/keras_losses.npz, made by
make_keras_losses.py): the function's values and each class under every reduction, without
and with sample weights, eagerly on every backend and traced into a graph; and a short fit
per loss (epoch losses and final weights)."""

import warnings

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import backends
from fastkeras.graph import Graph
from fastkeras.graph.interpret import evaluate

from ..fixtures import loss_cases

FIXTURE = np.load(loss_cases.__file__.replace("loss_cases.py", "keras_losses.npz"))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _expected(case):
    prefix = f"{case}__"
    return {k[len(prefix):]: FIXTURE[k] for k in FIXTURE.files if k.startswith(prefix)}


@pytest.mark.parametrize("case", sorted(loss_cases.CASES))
def test_values_and_reductions_match_keras(backend, case):
    got = loss_cases.run_case(keras, case)
    expected = _expected(case)
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        assert got[key].shape == want.shape, key
        np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("case", sorted(loss_cases.CASES))
def test_traced_class_matches_keras(backend, case):
    """The loss recorded into a graph (as in the training step) gives Keras's numbers."""
    fn_name, cls_name, options, kind = loss_cases.CASES[case]
    y_true, y_pred, sw = loss_cases.INPUTS[kind]
    weighted = case not in loss_cases.UNWEIGHTED
    g = Graph("loss")
    with g:
        yt = g.placeholder(y_true.shape, y_true.dtype.name)
        yp = g.placeholder(y_pred.shape, "float32")
        w = g.placeholder(sw.shape, "float32")
        loss = getattr(keras.losses, cls_name)(**options)
        out = loss(yt, yp, sample_weight=w if weighted else None)
    feeds = {yt: y_true, yp: y_pred, w: sw}
    got = evaluate([out], feeds, backends.get(backend))[0]
    want = FIXTURE[f"{case}__sum_over_batch_size" + ("__sw" if weighted else "")]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", sorted(loss_cases.FIT_CASES))
def test_fit_matches_keras(backend, case):
    got = loss_cases.run_fit(keras, case)
    np.testing.assert_allclose(got["history"], FIXTURE[f"{case}__history"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(got["weights"], FIXTURE[f"{case}__weights"], rtol=1e-5,
                               atol=1e-5)
