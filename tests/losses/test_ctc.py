"""keras.losses.CTC / ctc against real Keras 3.15 (tests/losses/keras_seq.py): values under
every reduction, the traced loss and its gradient on every backend, fits of a model whose
output is (batch, T, classes); the gradient against finite differences; Keras's errors."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from fastkeras.graph import Graph
from fastkeras.losses import ctc_loss

from ..fixtures import loss_seq_cases as cases
from ..graph.gradcheck import assert_grad_matches_finite_differences
from . import keras_seq

CASES = sorted(c for c in cases.CASES if cases.CASES[c][0] == "ctc")
FITS = sorted(c for c in cases.FIT_CASES if c.startswith("fit_ctc"))


@pytest.mark.parametrize("case", CASES)
def test_values_and_reductions_match_keras(backend, case):
    keras_seq.check_values_and_reductions(case)


@pytest.mark.parametrize("case", CASES)
def test_traced_loss_and_gradient_match_keras(backend, case):
    keras_seq.check_traced_value_and_gradient(backend, case)


@pytest.mark.parametrize("case", FITS)
def test_fit_matches_keras(backend, case):
    keras_seq.check_fit(case)


def test_names_configs_and_signatures_match_keras():
    keras_seq.check_names_configs_and_signatures("CTC", "ctc")


def test_gradient_matches_finite_differences():
    """float64, on the reference backend: a repeated label, an inner blank and padding."""
    y_true = np.array([[1, 1, 0], [2, 0, 3], [3, 1, 2]], np.float64)
    y_pred = np.random.default_rng(7).normal(0, 1.5, (3, 4, 4))
    g = Graph("ctc")
    with g:
        yt, yp = g.placeholder(y_true.shape, "float64"), g.placeholder(y_pred.shape, "float64")
        loss = ops.sum(ops.multiply(keras.losses.ctc(yt, yp), np.array([1.0, 0.5, 2.0])))
    assert_grad_matches_finite_differences(loss, [yt, yp], [y_true, y_pred], diff=[1])


def test_the_recursion_is_one_scan_node():
    """T = 50 traces one loop body (the planner writes it out), not 50 copies."""
    counts = {}
    for steps in (5, 50):
        g = Graph("ctc")
        with g:
            ctc_loss.ctc(g.placeholder((2, 3)), g.placeholder((2, steps, 4)))
        counts[steps] = len(g.nodes)
        assert sum(n.prim is not None and n.prim.name == "scan" for n in g.nodes) == 1
    assert counts[5] == counts[50]


def test_bad_ranks_raise_keras_errors():
    with pytest.raises(ValueError, match=r"Targets `y_true` .* Received: y_true.shape=\(2,\)"):
        keras.losses.ctc(np.ones(2), np.zeros((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match=r"Logits `y_pred` .* Received: y_pred.shape=\(2, 3\)"):
        keras.losses.CTC()(np.ones((2, 2)), np.zeros((2, 3), np.float32))
