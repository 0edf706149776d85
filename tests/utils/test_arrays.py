"""keras.utils.normalize and pad_sequences against real Keras 3.15.1's results
(tests/fixtures/utils_cases.py, keras_utils.npz)."""

import os

import numpy as np
import pytest

import fastkeras as keras
from tests.fixtures import utils_cases

FIXTURE = np.load(os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures",
                               "keras_utils.npz"))


@pytest.mark.parametrize("name", sorted(utils_cases.CASES))
def test_as_keras(name):
    got, want = np.asarray(utils_cases.CASES[name](keras)), FIXTURE[name]
    if want.dtype.kind == "U":  # an error: its type and message
        assert got.tolist() == want.tolist()
    else:
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_normalize_along_another_axis():
    x = np.arange(12, dtype=np.float64).reshape(3, 4)
    np.testing.assert_allclose(keras.utils.normalize(x, axis=0, order=1),
                               x / np.abs(x).sum(axis=0, keepdims=True))
