"""fastkeras's layers against the numbers and configs real Keras 3 produced for the same cases
(tests/fixtures/layer_cases.py, keras_layers.npz, keras_layer_configs.json, both made by
tests/fixtures/make_keras_layers.py), on every backend."""

import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import layer_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_layers.npz")
CONFIGS = json.loads((HERE / "keras_layer_configs.json").read_text())


def _keys(case):
    prefix = f"{case}__"
    return {k[len(prefix):] for k in FIXTURE.files if k.startswith(prefix)}


@pytest.mark.parametrize("case", sorted(layer_cases.CASES))
def test_matches_real_keras(backend, case):
    got = layer_cases.CASES[case](fastkeras)
    assert set(got) == _keys(case), "the case returned other keys than Keras's run"
    for key, value in got.items():
        want = FIXTURE[f"{case}__{key}"]
        value = np.asarray(value)
        if want.dtype.kind in "USbiu":  # names, flags, shapes, counts: exact
            assert value.shape == want.shape and np.array_equal(value, want), \
                f"{key}: got {value!r}, Keras gave {want!r}"
        else:
            assert value.shape == want.shape, f"{key}: shape {value.shape} != {want.shape}"
            np.testing.assert_allclose(value, want, rtol=2e-5, atol=2e-6, err_msg=key)


def _plain(config):
    """A config as JSON gives it back (tuples as lists, numpy scalars as numbers), its
    `dtype` as the policy's name: Keras 3 writes a DTypePolicy dict, fastkeras may write
    that same dict or the bare string."""
    config = json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))
    dtype = config.get("dtype")
    if isinstance(dtype, dict) and dtype.get("class_name") in ("DTypePolicy", "Policy"):
        config["dtype"] = dtype.get("config", {}).get("name")
    return config


@pytest.mark.parametrize("built", ["unbuilt", "built"])
@pytest.mark.parametrize("case", sorted(layer_cases.CONFIG_LAYERS))
def test_config_matches_real_keras(case, built):
    want = CONFIGS["configs"][case]
    make, build = layer_cases.CONFIG_LAYERS[case]
    layer = make(fastkeras) if built == "unbuilt" else build(fastkeras)
    assert type(layer).__name__ == want["class_name"]
    got, want = _plain(layer.get_config()), _plain(want[built])
    missing = sorted(set(want) - set(got))
    assert not missing, f"get_config() lacks Keras's keys {missing}"
    diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
    assert not diff, f"get_config() values (fastkeras, Keras) differ: {diff}"


def test_fixtures_come_from_keras_3():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert CONFIGS["keras_version"].startswith("3.")
    assert set(CONFIGS["configs"]) == set(layer_cases.CONFIG_LAYERS)
    assert all(_keys(case) for case in layer_cases.CASES), "a case has no Keras arrays"
