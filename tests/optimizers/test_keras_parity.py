"""Every optimizer family and shared option against real Keras 3 (keras_optimizers.npz,
made by tests/fixtures/make_keras_optimizers.py): weights and every optimizer variable after
fixed-gradient `apply_gradients` steps, a short fit, and the variables' paths and configs."""

import json
import os
import re
import sys

import numpy as np
import pytest

import fastkeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
sys.path.insert(0, FIXTURES)
import optimizer_cases  # noqa: E402

GOLDEN = np.load(os.path.join(FIXTURES, "keras_optimizers.npz"), allow_pickle=False)
with open(os.path.join(FIXTURES, "keras_optimizers.json")) as _f:
    META = json.load(_f)


def _golden(prefix):
    keys = sorted((k for k in GOLDEN.files if k.startswith(prefix)),
                  key=lambda k: int(k.rsplit("_", 1)[1]))
    return [GOLDEN[k] for k in keys]


def _close(actual, expected, what):
    assert len(actual) == len(expected), what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(np.asarray(a, dtype="float64"), e.astype("float64"),
                                   rtol=1e-5, atol=1e-6, err_msg=f"{what} #{i}")


@pytest.mark.parametrize("case", list(optimizer_cases.CASES))
def test_apply_gradients_matches_keras(case, backend):
    out = optimizer_cases.run_apply(keras, case)
    # Nadam's unnamed u_product is "variable" plus Keras's process-wide counter.
    unnumbered = [re.sub(r"/variable_\d+$", "/variable", p) for p in META["paths"][case]]
    assert out["paths"] == unnumbered
    _close(out["weights"], _golden(f"apply__{case}__weights_"), "weights")
    _close(out["variables"], _golden(f"apply__{case}__variables_"), "optimizer variables")
    if "finalized" in out:
        _close(out["finalized"], _golden(f"apply__{case}__finalized_"), "finalized weights")


@pytest.mark.parametrize("case", optimizer_cases.FIT_CASES)
def test_fit_matches_keras(case, backend):
    out = optimizer_cases.run_fit(keras, case)
    np.testing.assert_allclose(out["losses"], GOLDEN[f"fit__{case}__losses"], rtol=1e-5)
    _close(out["weights"], _golden(f"fit__{case}__weights_"), "weights")


@pytest.mark.parametrize("cls_name", optimizer_cases.CLASSES)
def test_default_config_is_keras(cls_name):
    expected = dict(META["configs"][cls_name])
    config = optimizer_cases.default_config(keras, cls_name)
    # The name carries a per-process counter suffix (adam, adam_1, ...).
    assert re.sub(r"_\d+$", "", config.pop("name")) == expected.pop("name")
    assert config.keys() == expected.keys()
    for key, value in expected.items():
        assert config[key] == pytest.approx(value) if isinstance(value, float) \
            else config[key] == value, key
