"""Issue [3]'s Keras behaviours against the numbers real Keras 3 produced for the same cases
(tests/fixtures/semantics_cases.py, keras_semantics.npz), on every backend."""

from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import semantics_cases

FIXTURE = np.load(Path(__file__).resolve().parents[1] / "fixtures" / "keras_semantics.npz")


@pytest.mark.parametrize("case", sorted(semantics_cases.CASES))
def test_matches_real_keras(backend, case):
    got = semantics_cases.CASES[case](fastkeras)
    for key, value in got.items():
        want = FIXTURE[f"{case}__{key}"]
        if want.dtype == bool or key.endswith("count"):
            assert np.array_equal(value, want), key
        else:
            np.testing.assert_allclose(value, want, rtol=2e-5, atol=2e-6, err_msg=key)


def test_fixture_comes_from_keras_3():
    assert str(FIXTURE["keras_version"]).startswith("3.")
