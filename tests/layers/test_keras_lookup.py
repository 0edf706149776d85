"""StringLookup, IntegerLookup, Hashing and HashedCrossing against what real Keras 3 (on
TensorFlow) computed, configured and raised for the same cases (tests/fixtures/
lookup_cases.py; keras_lookup.npz and keras_lookup.json, made by make_keras_lookup.py)."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from tests.fixtures import lookup_cases

HERE = Path(__file__).resolve().parents[1] / "fixtures"
FIXTURE = np.load(HERE / "keras_lookup.npz")
RECORDED = json.loads((HERE / "keras_lookup.json").read_text(encoding="utf-8"))

# Keras's Hashing declares (batch, num_bins) for any one_hot input (its compute_output_spec),
# while the call returns (..., d, num_bins) for a last axis d != 1 and (batch, num_bins) for
# a 1-D input. fastkeras declares what the call returns (its compiled steps are traced on
# that), checked against Keras's own output here.
KERAS_SPEC_DIFFERS = {"h_one_hot_1d", "h_one_hot_2d"}


def _keys(case):
    prefix = f"{case}__"
    return {k[len(prefix):] for k in FIXTURE.files if k.startswith(prefix)}


@pytest.mark.parametrize("case", sorted(lookup_cases.LAYERS))
def test_outputs_match_real_keras(case):
    got = lookup_cases.layer_case(fastkeras, case)
    assert set(got) == _keys(case), "the case returned other keys than Keras's run"
    for key, value in got.items():
        want, value = FIXTURE[f"{case}__{key}"], np.asarray(value)
        if key == "symbolic_shape" and case in KERAS_SPEC_DIFFERS:
            assert not np.array_equal(value, want), "Keras's spec now agrees: drop the case"
            want = np.array((-1,) + FIXTURE[f"{case}__out"].shape[1:])
        if want.dtype.kind in "USbiu":  # ids, tokens, shapes, dtype names: exact
            assert value.shape == want.shape and np.array_equal(value, want), \
                f"{key}: got {value!r}, Keras gave {want!r}"
        else:  # TF-IDF weights and weighted counts
            assert value.dtype == np.float32 and value.shape == want.shape, key
            np.testing.assert_allclose(value, want, rtol=1e-6, atol=1e-7, err_msg=key)


def _plain(config):
    return json.loads(json.dumps(config, default=lambda o: np.asarray(o).tolist()))


@pytest.mark.parametrize("case", sorted(lookup_cases.LAYERS))
def test_configs_match_real_keras(case):
    got = _plain(lookup_cases.layer_configs(fastkeras, case))
    want = RECORDED["configs"][case]
    assert got["class_name"] == want["class_name"]
    for when in ("made", "after"):
        assert got[when] == want[when], f"get_config() {when}: got {got[when]}, Keras " \
                                        f"wrote {want[when]}"


@pytest.mark.parametrize("case", sorted(lookup_cases.LAYERS))
def test_from_config_makes_the_same_layer(case):
    _, kwargs, adapt, x = lookup_cases.LAYERS[case]
    layer = lookup_cases.make_layer(fastkeras, case)
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    if adapt is None and not isinstance(kwargs.get("vocabulary"), str):
        # A vocabulary given as a list is in the config (an adapted one, or a file's, is
        # an asset of a saved model, as in Keras).
        np.testing.assert_array_equal(again(x), layer(x))


def _message(text):
    """Keras's message without its call wrapper, numpy 2's scalar reprs, and the reprs of
    its tensors (fastkeras holds numpy arrays)."""
    wrapped = re.search("\x1b\\[1m(.*?)\x1b\\[0m", text, re.S)
    text = wrapped.group(1) if wrapped else text
    text = re.sub(r"np\.(str_|int64)\((.*?)\)", r"\2", text)
    return text.split(" Received: inputs=")[0]


@pytest.mark.parametrize("case", sorted(lookup_cases.ERRORS))
def test_bad_arguments_raise_keras_errors(case):
    want = RECORDED["errors"][case]
    with pytest.raises(Exception) as info:
        lookup_cases.ERRORS[case](fastkeras)
    assert type(info.value).__name__ == want["type"]
    assert _message(str(info.value)) == _message(want["message"])


def test_fixtures_come_from_keras_3_on_tensorflow():
    assert str(FIXTURE["keras_version"]).startswith("3.")
    assert str(FIXTURE["backend"]) == "tensorflow"
    assert set(RECORDED["configs"]) == set(lookup_cases.LAYERS)
    assert set(RECORDED["errors"]) == set(lookup_cases.ERRORS)
    assert all(_keys(case) for case in lookup_cases.LAYERS), "a case has no Keras arrays"
