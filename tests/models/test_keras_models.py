"""Models against what real Keras 3 wrote and computed for the same cases
(tests/fixtures/model_cases.py, keras_models.json, made by make_keras_models.py): Keras's
JSON loads here with the same layers and weights and gives Keras's predictions; the same
model built here writes the JSON Keras wrote, which loads back; summaries are Keras's text
and the weight lists Keras's. (make_keras_models.py --check-fastkeras runs the other
direction, Keras loading our JSON, where Keras is installed.)"""

import collections
import json
from pathlib import Path

import numpy as np
import pytest

import fastkeras
from fastkeras.utils import naming
from tests.fixtures import model_cases

FIXTURE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                      "keras_models.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]


@pytest.fixture
def fresh_names(monkeypatch):
    """Names as in the fresh process that made the fixture (the ops get "relu", "add"...)."""
    monkeypatch.setattr(naming, "_counts", collections.defaultdict(int))


def _arrays(y):
    if isinstance(y, dict):
        return [np.asarray(y[k]) for k in sorted(y)]
    if isinstance(y, list) and y and np.ndim(y[0]) >= 2:
        return [np.asarray(v) for v in y]
    return [np.asarray(y)]


def _check_predictions(model, case):
    model.set_weights(model_cases.seeded_weights(model))
    got = model.predict(model_cases.inputs_for(model), verbose=0)
    want = case["outputs"]
    assert type(got) is type(want) or isinstance(want, list)
    if isinstance(want, dict):
        assert sorted(got) == sorted(want)
    for a, b in zip(_arrays(got), _arrays(want)):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def _plain(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_json_loads_with_keras_layers_weights_and_outputs(backend, name):
    case = CASES[name]
    model = fastkeras.models.model_from_json(json.dumps(case["json"]))
    assert [[layer.name, type(layer).__name__] for layer in model.layers] == case["layers"]
    assert [list(w.shape) for w in model.weights] == case["weight_shapes"]
    assert model.count_params() == case["count_params"]
    _check_predictions(model, case)


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_built_here_writes_the_json_keras_wrote(fresh_names, name):
    model = model_cases.CASES[name](fastkeras)
    assert _plain(json.loads(model.to_json())) == case_json(name)


def case_json(name):
    return _plain(CASES[name]["json"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_our_json_loads_back_the_same_model(backend, name):
    model = model_cases.CASES[name](fastkeras)
    text = model.to_json()
    again = fastkeras.models.model_from_json(text)
    assert again.to_json() == text
    assert type(again) is type(model)
    assert [layer.name for layer in again.layers] == [layer.name for layer in model.layers]
    _check_predictions(again, CASES[name])


@pytest.mark.parametrize("expanded", [False, True])
@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_holds_what_keras_prints(fresh_names, name, expanded):
    model = model_cases.CASES[name](fastkeras)
    out = []
    kwargs = {"expand_nested": True, "show_trainable": True} if expanded else {}
    model.summary(line_length=110, print_fn=out.append, **kwargs)
    assert len(out) == 1  # Keras hands print_fn the whole table at once
    # The text rich prints without colours, character for character.
    assert out[0] == CASES[name]["summary_expanded" if expanded else "summary"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_trainable_and_non_trainable_weights_as_keras(fresh_names, name):
    """Full paths, Keras's name scopes included ("sequential/dense/kernel" for a layer a
    Sequential builds, "dense/kernel" in a functional model)."""
    model = model_cases.CASES[name](fastkeras)
    assert [w.path for w in model.trainable_weights] == CASES[name]["trainable_weights"]
    assert [w.path for w in model.non_trainable_weights] == \
        CASES[name]["non_trainable_weights"]


def test_fixture_comes_from_keras_3():
    assert FIXTURE["keras_version"].startswith("3.")
    assert set(CASES) == set(model_cases.CASES)
