"""Padding, cropping, upsampling, global pooling and masking against the numbers and configs
real Keras 3 produced for the same cases (tests/fixtures/shape_layer_cases.py,
keras_shape_layers.npz and keras_shape_layer_configs.json, made by
tests/fixtures/make_keras_shape_layers.py), on every backend."""

import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import shape_layer_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_shape_layers.npz")
CONFIGS = json.loads((HERE / "keras_shape_layer_configs.json").read_text())["configs"]


def _keys(case):
    prefix = f"{case}__"
    return {k[len(prefix):] for k in FIXTURE.files if k.startswith(prefix)}


def _check(case, got):
    assert set(got) == _keys(case), "the case returned other keys than Keras's run"
    for key, value in got.items():
        want = FIXTURE[f"{case}__{key}"]
        value = np.asarray(value)
        assert value.shape == want.shape, f"{key}: shape {value.shape} != {want.shape}"
        if want.dtype.kind in "biu":
            assert np.array_equal(value, want), f"{key}: got {value!r}, Keras gave {want!r}"
        elif key in ("loss", "weights"):  # training: 3 epochs of float32 SGD
            np.testing.assert_allclose(value, want, rtol=1e-4, atol=1e-5, err_msg=key)
        else:
            np.testing.assert_allclose(value, want, rtol=1e-6, atol=1e-6, err_msg=key)


@pytest.mark.parametrize("case", sorted(n for n in shape_layer_cases.CASES
                                        if n in shape_layer_cases.LAYERS))
def test_layer_matches_real_keras(case):
    _check(case, shape_layer_cases.CASES[case](fastkeras))


@pytest.mark.parametrize("case", sorted(n for n in shape_layer_cases.CASES
                                        if n not in shape_layer_cases.LAYERS))
def test_training_matches_real_keras(backend, case):
    _check(case, shape_layer_cases.CASES[case](fastkeras))


def _plain(config):
    config = json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        config["dtype"] = dtype.get("config", {}).get("name")
    return config


@pytest.mark.parametrize("case", sorted(shape_layer_cases.LAYERS))
def test_config_matches_real_keras(case):
    want = CONFIGS[case]
    layer = shape_layer_cases.LAYERS[case][0](fastkeras)
    assert type(layer).__name__ == want["class_name"]
    got, want = _plain(layer.get_config()), _plain(want["config"])
    want.pop("name"), got.pop("name")
    assert got == want
    again = type(layer).from_config(layer.get_config())
    assert _plain(again.get_config()) | {"name": None} == want | {"name": None}


def test_fixtures_come_from_keras_3():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert all(_keys(case) for case in shape_layer_cases.CASES), "a case has no Keras arrays"
