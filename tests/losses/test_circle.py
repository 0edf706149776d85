"""keras.losses.Circle / circle against real Keras 3.15 (tests/losses/keras_seq.py): values
under every reduction (rows without a positive or negative pair are masked out of the
mean, and tiny losses are kept in it), the traced loss and its gradient on every backend,
reference embeddings, a fit of unit-normalised embeddings; the gradient against finite
differences."""

import numpy as np
import pytest

import fastkeras as keras
from fastkeras import ops
from fastkeras.graph import Graph

from ..fixtures import loss_seq_cases as cases
from ..graph.gradcheck import assert_grad_matches_finite_differences
from . import keras_seq

CASES = sorted(c for c in cases.CASES if cases.CASES[c][0] == "circle")
FUNCTION_CASES = sorted(cases.FUNCTION_CASES)
FITS = sorted(c for c in cases.FIT_CASES if c.startswith("fit_circle"))


@pytest.mark.parametrize("case", CASES)
def test_values_and_reductions_match_keras(backend, case):
    keras_seq.check_values_and_reductions(case)


@pytest.mark.parametrize("case", CASES)
def test_traced_loss_and_gradient_match_keras(backend, case):
    keras_seq.check_traced_value_and_gradient(backend, case)


@pytest.mark.parametrize("case", FUNCTION_CASES)
def test_reference_embeddings_match_keras(case):
    got = cases.run_function_case(keras, case)["fn"]
    np.testing.assert_allclose(got, keras_seq.FIXTURE[f"{case}__fn"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", FITS)
def test_fit_matches_keras(backend, case):
    keras_seq.check_fit(case)


def test_names_configs_and_signatures_match_keras():
    keras_seq.check_names_configs_and_signatures("Circle", "circle")
    loss = keras.losses.Circle(gamma=16.0, margin=0.3, remove_diagonal=False)
    assert (loss.gamma, loss.margin, loss.remove_diagonal) == (16.0, 0.3, False)


def test_gradient_matches_finite_differences():
    """float64, on the reference backend: a singleton class (its row is 0) among pairs."""
    labels = np.array([0, 1, 0, 1, 2, 0], np.float64)
    raw = np.random.default_rng(8).normal(size=(6, 3))
    embeddings = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    g = Graph("circle")
    with g:
        yt = g.placeholder(labels.shape, "float64")
        yp = g.placeholder(embeddings.shape, "float64")
        per_row = keras.losses.circle(yt, yp, gamma=8.0, margin=0.3)
        loss = ops.sum(ops.multiply(per_row, np.linspace(0.5, 1.5, 6)))
    assert_grad_matches_finite_differences(loss, [yt, yp], [labels, embeddings], diff=[1])
