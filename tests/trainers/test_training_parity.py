"""Training numbers: fastkeras on every backend against (1) a plain NumPy implementation of
the same training and (2) the committed results of real Keras 3 (tests/fixtures)."""

from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import parity_cases

from .numpy_trainer import NumpyAdam, NumpySGD, train

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "keras_parity.npz"
CASES = sorted(parity_cases.CASES)


def _labels_for_numpy(case, y):
    return y.reshape(-1, 1) if case != "softmax_scce" else y.reshape(-1, 1).astype(np.int64)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opt", ["adam", "sgd_momentum"])
def test_epoch_losses_match_numpy_training(backend, case, opt):
    spec = parity_cases.CASES[case]
    x, y = parity_cases.make_data(case)
    weights = parity_cases.initial_weights(case)
    kwargs = parity_cases.OPTIMIZERS[opt]["kwargs"]
    np_opt = NumpyAdam(**kwargs) if opt == "adam" else NumpySGD(**kwargs)
    acts = [a for _, a in spec["layers"]]
    want, want_w = train(weights, acts, spec["loss"], np_opt, x, _labels_for_numpy(case, y),
                         spec["batch_size"], 3)

    model = parity_cases.build_model(fastkeras, case)
    model.compile(optimizer=parity_cases.make_optimizer(fastkeras, opt), loss=spec["loss"])
    hist = model.fit(x, y, batch_size=spec["batch_size"], epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], want, rtol=1e-4)
    for got, exp in zip(model.get_weights(), want_w):
        np.testing.assert_allclose(got, exp, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("opt", sorted(parity_cases.OPTIMIZERS))
def test_matches_keras3_fixture(backend, case, opt):
    ref = np.load(FIXTURE, allow_pickle=False)
    got = parity_cases.run_case(fastkeras, case, opt)
    prefix = f"{case}__{opt}__"
    want_keys = sorted(k[len(prefix):] for k in ref.files if k.startswith(prefix))
    assert sorted(got) == want_keys
    for key in want_keys:
        np.testing.assert_allclose(got[key], ref[prefix + key], rtol=1e-4, atol=1e-5,
                                   err_msg=f"{case}/{opt}: {key}")
